//! `ftpkit-bench`: this library (each backend), `ftpc`, curl, lftp and suppaftp side by side
//! on the same servers and data, on loopback and over a simulated long link. Prints
//! Markdown: median, min and max of several runs, client CPU seconds, peak RSS and the round
//! trips each client waited. See `bench/README.md` for what each workload means.
//!
//! ```text
//! cargo build --release -p ftpkit-cli && cargo build --release -p ftpkit-bench && target/release/ftpkit-bench
//! ```
//! Needs root and vsftpd (the harness makes a local test user); curl, lftp and `ftpc`
//! (built next to the bench) are measured when present.

mod clients;
mod job;
mod measure;
mod netns;
mod pin;
mod setup;
mod worker;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clients::{command, installed, Paths, Tool};
use ftpkit_test_support::delay::ftp_rtt;
use job::{Job, Op};
use measure::{Sample, Summary};
use setup::{Link, Server};

const GIB: f64 = (1u64 << 30) as f64;

struct Args {
    bulk_mib: u64,
    wan_bulk_mib: u64,
    files: usize,
    wan_files: usize,
    size: usize,
    rtt_ms: u64,
    cap_mbit: u64,
    runs: usize,
    slow_run_secs: f64,
    only: Vec<String>,
    link: LinkKind,
    /// CPUs for (servers and bench, clients), when the bench pins.
    pin: Option<(usize, usize)>,
    /// The CPUs the bench may use (before it pins itself).
    cores: usize,
}

/// How the long link is simulated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    /// Packets delayed in a network namespace (root, iptables): a real path.
    Netns,
    /// A user-space TCP proxy: works anywhere, but connect() and slow start are free.
    Proxy,
}

const SECTIONS: &[&str] = &["bulk", "wan-bulk", "files", "wan-files", "tree", "session"];

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        bulk_mib: 1024,
        wan_bulk_mib: 64,
        files: 1000,
        wan_files: 200,
        size: 4096,
        rtt_ms: 20,
        cap_mbit: 100,
        runs: 5,
        slow_run_secs: 10.0,
        only: SECTIONS.iter().map(|s| s.to_string()).collect(),
        link: LinkKind::Netns,
        cores: pin::allowed().len(),
        pin: match pin::allowed()[..] {
            [servers, clients, ..] => Some((servers, clients)),
            _ => None,
        },
    };
    while let Some(flag) = it.next() {
        if flag == "--no-pin" {
            a.pin = None;
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let num = || value.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--bulk-mib" => a.bulk_mib = num()?.max(1),
            "--wan-bulk-mib" => a.wan_bulk_mib = num()?.max(1),
            "--files" => a.files = num()? as usize,
            "--wan-files" => a.wan_files = num()? as usize,
            "--size" => a.size = num()? as usize,
            "--rtt-ms" => a.rtt_ms = num()?,
            "--cap-mbit" => a.cap_mbit = num()?,
            "--runs" => a.runs = num()?.max(1) as usize,
            "--slow-run-secs" => a.slow_run_secs = num()? as f64,
            "--link" => {
                a.link = match value.as_str() {
                    "netns" => LinkKind::Netns,
                    "proxy" => LinkKind::Proxy,
                    _ => return Err(format!("--link: netns or proxy, not {value}")),
                }
            }
            "--only" => {
                a.only = value.split(',').map(str::to_owned).collect();
                if let Some(bad) = a.only.iter().find(|s| !SECTIONS.contains(&s.as_str())) {
                    return Err(format!(
                        "--only: unknown section {bad}; known: {SECTIONS:?}"
                    ));
                }
            }
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok(a)
}

const USAGE: &str = "usage: ftpkit-bench [--bulk-mib N] [--wan-bulk-mib N] [--files N] [--wan-files N] [--size BYTES] [--rtt-ms MS] [--cap-mbit N] [--runs R] [--slow-run-secs S] [--link netns|proxy] [--no-pin] [--only bulk,wan-bulk,files,wan-files,tree,session]";

/// Runs the rest of the bench inside a network namespace of its own (see `netns`): the
/// parent re-executes itself there, waits, removes the namespace and exits with the
/// child's status; the child carries on.
fn reexec_or_continue() {
    match netns::reexec_in_namespace() {
        Ok(Some(status)) => std::process::exit(netns::exit_code(status)),
        Ok(None) => {}
        Err(e) => {
            eprintln!(
                "network namespace: {e} (use --link proxy where namespaces are not available)"
            );
            std::process::exit(1);
        }
    }
}

fn main() {
    let mut argv = std::env::args().skip(1).peekable();
    if argv.peek().map(String::as_str) == Some("link-check") {
        // Calibrates the namespace link on its own (root, vsftpd, curl).
        reexec_or_continue();
        match netns::self_check() {
            Ok(report) => print!("{report}"),
            Err(e) => {
                eprintln!("link check failed:\n{e}");
                std::process::exit(1);
            }
        }
        return;
    }
    if argv.peek().map(String::as_str) == Some("worker") {
        let rest: Vec<String> = argv.skip(1).collect();
        let (client, args) = rest.split_first().map_or(("", &[][..]), |(c, a)| (c, a));
        if let Err(e) = worker::main(client, args) {
            eprintln!("worker {client}: {e}");
            std::process::exit(1);
        }
        return;
    }
    if matches!(argv.peek().map(String::as_str), Some("-h" | "--help")) {
        println!("{USAGE}");
        return;
    }
    let args = match parse_args(argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if args.link == LinkKind::Netns {
        reexec_or_continue();
    }
    // Servers' roots, downloads and upload sources in memory: a disk's write-back would
    // swing gigabyte runs by seconds and measure the disk, not the clients.
    if std::path::Path::new("/dev/shm").is_dir() && std::env::var_os("TMPDIR").is_none() {
        std::env::set_var("TMPDIR", "/dev/shm");
    }
    if let Err(e) = run(&args) {
        eprintln!("ftpkit-bench: {e}");
        std::process::exit(1);
    }
}

/// Everything a row needs.
struct Bench<'a> {
    args: &'a Args,
    paths: Paths,
    direct: Server,
    wan: Server,
    link: Link,
    ca: PathBuf,
    work: tempfile::TempDir,
    tools: Vec<Tool>,
    tree_files: usize,
}

fn run(a: &Args) -> Result<(), String> {
    if let Some((servers, clients)) = a.pin {
        // Before the servers start: they inherit the bench's CPU.
        pin::to(servers).map_err(|e| format!("pinning the bench to CPU {servers}: {e}"))?;
        measure::pinned(servers, clients);
    }
    let certs = setup::certs();
    let range = setup::passive_range().ok_or("no free passive port range")?;
    let direct = setup::server(&certs, None);
    let wan = setup::server(&certs, Some(range));
    let link = match a.link {
        LinkKind::Proxy => Link::proxy(wan.vsftpd.port(), range),
        LinkKind::Netns => Link::netns(),
    }
    .map_err(|e| format!("link: {e}"))?;
    let wants = |s: &str| a.only.iter().any(|o| o == s);
    let bulk = if wants("bulk") { a.bulk_mib << 20 } else { 1 };
    let wan_bulk = a.wan_bulk_mib << 20;
    let tree_files = setup::data(&direct, bulk, a.files, a.size).map_err(|e| e.to_string())?;
    setup::data(&wan, wan_bulk, a.wan_files, a.size).map_err(|e| e.to_string())?;
    let paths = Paths::find();
    let mut tools = vec![Tool::Ftpkit("rustls"), Tool::Ftpkit("openssl")];
    if paths.ftpc.is_some() {
        tools.push(Tool::Ftpc);
    }
    for (name, tool) in [("curl", Tool::Curl), ("lftp", Tool::Lftp)] {
        if installed(name) {
            tools.push(tool);
        }
    }
    tools.push(Tool::Suppaftp);
    let b = Bench {
        args: a,
        paths,
        direct,
        wan,
        link,
        ca: certs.ca.clone(),
        work: tempfile::tempdir().map_err(|e| e.to_string())?,
        tools,
        tree_files,
    };
    b.header()?;
    if wants("bulk") {
        for tls in [false, true] {
            for op in [Op::Get, Op::Put] {
                b.bulk(op, tls, Duration::ZERO, None, bulk);
            }
        }
    }
    let rtt = Duration::from_millis(a.rtt_ms);
    if wants("wan-bulk") {
        let cap = (a.cap_mbit > 0).then_some(a.cap_mbit * 1_000_000);
        for cap in [None, cap] {
            for tls in [false, true] {
                for op in [Op::Get, Op::Put] {
                    b.bulk(op, tls, rtt, cap, wan_bulk);
                }
            }
        }
    }
    for (section, files, rtt) in [
        ("files", a.files, Duration::ZERO),
        ("wan-files", a.wan_files, rtt),
    ] {
        if wants(section) {
            for tls in [false, true] {
                b.files(tls, rtt, files);
            }
        }
    }
    if wants("tree") {
        for rtt in [Duration::ZERO, rtt] {
            for tls in [false, true] {
                b.tree(tls, rtt);
            }
        }
    }
    if wants("session") {
        for rtt in [Duration::ZERO, rtt] {
            for tls in [false, true] {
                b.session(tls, rtt, a.files.max(a.wan_files));
            }
        }
    }
    Ok(())
}

fn version(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            let text = [o.stdout, o.stderr].concat();
            String::from_utf8_lossy(&text)
                .lines()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_owned())
        })
        .unwrap_or_else(|| "absent".into())
}

/// How a row's figures are shown.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// One large file: MB/s and CPU seconds per GiB.
    Bulk(u64),
    /// Many files: files/s and round trips per file.
    Files(usize),
    /// Connect, log in, list, quit: round trips.
    Session,
}

impl Bench<'_> {
    fn server(&self, rtt: Duration) -> &Server {
        match rtt.is_zero() {
            true => &self.direct,
            false => &self.wan,
        }
    }

    fn job(&self, op: Op, tls: bool, rtt: Duration) -> Job {
        let s = self.server(rtt);
        Job {
            op,
            host: s.host.to_string(),
            port: s.vsftpd.port(),
            user: s.vsftpd.user().into(),
            password: s.vsftpd.password().into(),
            tls,
            ca: self.ca.clone(),
            backend: "rustls".into(),
            remote: String::new(),
            local: PathBuf::new(),
            expect: 0,
            sessions: 0,
        }
    }

    fn header(&self) -> Result<(), String> {
        let through = {
            self.link.set(Duration::from_millis(self.args.rtt_ms), None);
            ftp_rtt(self.wan.addr()).map_err(|e| e.to_string())?
        };
        let direct = ftp_rtt(self.direct.vsftpd.addr()).map_err(|e| e.to_string())?;
        println!("# Benchmark results\n");
        println!(
            "Machine: {} cores, {}; {}, {}, {}, suppaftp 12.2.1.\n",
            self.args.cores,
            version("uname", &["-sr"]),
            // vsftpd writes its version to file descriptor 0.
            version("sh", &["-c", "/usr/sbin/vsftpd -v 0>&1"]),
            version("curl", &["--version"]),
            version("lftp", &["--version"]),
        );
        println!(
            "Link: {}. One FTP command's round trip: {:.2} ms direct, {:.1} ms through the link (asked: {} ms).\n",
            self.link.describe(),
            direct.as_secs_f64() * 1e3,
            through.as_secs_f64() * 1e3,
            self.args.rtt_ms
        );
        // The link's own ceiling: one large download through it with no delay.
        self.link.set(Duration::ZERO, None);
        let bytes = self.args.wan_bulk_mib << 20;
        let mut job = self.job(Op::Get, false, Duration::from_millis(1));
        job.remote = "/big.bin".into();
        job.expect = bytes;
        job.local = self.work.path().join("ceiling.bin");
        let r = self.sample(Tool::Ftpkit("rustls"), &job);
        let _ = std::fs::remove_file(&job.local);
        match r {
            Ok(s) => println!(
                "The link's throughput ceiling (no delay, {} MiB plain download): {:.0} MB/s.\n",
                self.args.wan_bulk_mib,
                bytes as f64 / s.secs / 1e6
            ),
            Err(e) => println!("The link's ceiling could not be measured: {e}\n"),
        }
        match self.args.pin {
            Some((servers, clients)) => println!(
                "CPUs: the servers and the bench (which carries the link) on CPU {servers}, every client on CPU {clients} (without pinning, the scheduler sometimes put a client and its server on one core: `--no-pin`).\n"
            ),
            None => println!("CPUs: not pinned.\n"),
        }
        if let Ok(s) = measure::run(std::process::Command::new("true"), &|| 0) {
            println!(
                "Peak RSS floor (the launcher's own, seen by a client smaller than it): {:.1} MiB.\n",
                s.rss_kib as f64 / 1024.0
            );
        }
        println!(
            "Each row is the median of {} runs (3 when its first run took over {:.0} s), with min and max. CPU is the client process's user + system time (the median); RSS its peak resident set (the largest); round trips are counted by the link (the median). \"time vs curl\" is the median time divided by curl's (below 1: faster than curl).\n",
            self.args.runs, self.args.slow_run_secs
        );
        Ok(())
    }

    fn sample(&self, tool: Tool, job: &Job) -> Result<Sample, String> {
        let cmd = command(tool, job, &self.paths).ok_or("not supported")?;
        measure::run(cmd, &|| self.link.round_trips())
    }

    /// Runs one row: `prepare(run)` gives the job for that run and a check of its result.
    fn row(
        &self,
        tool: Tool,
        mut prepare: impl FnMut(usize) -> Result<(Job, Box<dyn Fn() -> Result<(), String>>), String>,
    ) -> Option<Result<Summary, String>> {
        let (probe, _) = prepare(usize::MAX).ok()?;
        command(tool, &probe, &self.paths)?;
        let mut samples: Vec<Sample> = Vec::new();
        for run in 0..self.args.runs {
            // A row whose runs each take minutes gets 3 of them, not 5.
            if run >= 3 && samples[0].secs > self.args.slow_run_secs {
                break;
            }
            let r = prepare(run).and_then(|(job, check)| {
                let s = self.sample(tool, &job)?;
                check()?;
                Ok(s)
            });
            match r {
                Ok(s) => samples.push(s),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(measure::summarize(&samples)))
    }

    fn fresh_dir(&self) -> Result<PathBuf, String> {
        let d = tempfile::tempdir_in(self.work.path()).map_err(|e| e.to_string())?;
        Ok(d.keep())
    }

    fn bulk(&self, op: Op, tls: bool, rtt: Duration, cap: Option<u64>, bytes: u64) {
        self.link.set(rtt, cap);
        let what = match op {
            Op::Get => "download",
            _ => "upload",
        };
        let cap_s = cap.map_or(String::new(), |c| {
            format!(", capped at {} Mbit/s", c / 1_000_000)
        });
        println!(
            "## {} MiB {what}, {}, {}{cap_s}\n",
            bytes >> 20,
            if tls { "explicit TLS" } else { "plain FTP" },
            rtt_label(rtt)
        );
        let server = self.server(rtt);
        // Uploads read one local copy; it is made once.
        let upload_src = self.work.path().join(format!("upload-{}.bin", bytes >> 20));
        if op == Op::Put && !upload_src.exists() {
            let _ = setup::big_file(&upload_src, bytes);
        }
        let mut rows = Vec::new();
        for &tool in self.tools_for(tls) {
            let r = self.row(tool, |run| {
                let mut job = self.job(op, tls, rtt);
                job.expect = bytes;
                let check: Box<dyn Fn() -> Result<(), String>>;
                if op == Op::Get {
                    job.remote = "/big.bin".into();
                    job.local = self.fresh_dir()?.join("big.bin");
                    let local = job.local.clone();
                    check = Box::new(move || {
                        let n = std::fs::metadata(&local).map(|m| m.len()).unwrap_or(0);
                        let _ = std::fs::remove_file(&local);
                        size_check(n, bytes)
                    });
                } else {
                    job.remote = format!("/up/u{run}.bin");
                    job.local = upload_src.clone();
                    let on_server = server.root().join(format!("up/u{run}.bin"));
                    check = Box::new(move || {
                        let n = std::fs::metadata(&on_server).map(|m| m.len()).unwrap_or(0);
                        let _ = std::fs::remove_file(&on_server);
                        size_check(n, bytes)
                    });
                }
                Ok((job, check))
            });
            if let Some(r) = r {
                rows.push((tool.label(tls), String::new(), r));
            }
        }
        table(Kind::Bulk(bytes), !rtt.is_zero(), &rows);
    }

    fn tools_for(&self, tls: bool) -> &[Tool] {
        // Without TLS the backend makes no difference: one ftpkit row.
        match tls {
            true => &self.tools,
            false => &self.tools[1..],
        }
    }

    fn files(&self, tls: bool, rtt: Duration, files: usize) {
        self.link.set(rtt, None);
        println!(
            "## {files} files of {} bytes downloaded, {}, {}\n",
            self.args.size,
            if tls { "explicit TLS" } else { "plain FTP" },
            rtt_label(rtt)
        );
        let mut rows = Vec::new();
        for &tool in self.tools_for(tls) {
            for sessions in [0, 1, 4, 8] {
                let r = self.row(tool, |_| {
                    let mut job = self.job(Op::Files, tls, rtt);
                    job.remote = "/files".into();
                    job.expect = files as u64;
                    job.sessions = sessions;
                    let dir = self.fresh_dir()?;
                    // Trees land in a directory of their own; the one-session loop and
                    // curl write into the directory itself.
                    job.local = match sessions {
                        0 => dir.clone(),
                        _ => dir.join("files"),
                    };
                    let local = job.local.clone();
                    Ok((job, Box::new(move || count_check(&local, files)) as Box<_>))
                });
                if let Some(r) = r {
                    let label = match sessions {
                        0 => "1 (loop)".to_string(),
                        n => format!("{n} (mirror)"),
                    };
                    rows.push((tool.label(tls), label, r));
                }
            }
        }
        table(Kind::Files(files), !rtt.is_zero(), &rows);
    }

    fn tree(&self, tls: bool, rtt: Duration) {
        self.link.set(rtt, None);
        let files = self.tree_files;
        println!(
            "## The {files}-file tree (10 × 5 directories, 0 B to 3 MiB), downloaded, {}, {}\n",
            if tls { "explicit TLS" } else { "plain FTP" },
            rtt_label(rtt)
        );
        let mut rows = Vec::new();
        for &tool in self.tools_for(tls) {
            // One session over the long link takes minutes per run for every client.
            let sessions: &[usize] = if rtt.is_zero() { &[1, 8] } else { &[8] };
            for &sessions in sessions {
                let r = self.row(tool, |_| {
                    let mut job = self.job(Op::Tree, tls, rtt);
                    job.remote = "/tree".into();
                    job.expect = files as u64;
                    job.sessions = sessions;
                    job.local = self.fresh_dir()?.join("tree");
                    let local = job.local.clone();
                    Ok((job, Box::new(move || count_check(&local, files)) as Box<_>))
                });
                if let Some(r) = r {
                    rows.push((tool.label(tls), sessions.to_string(), r));
                }
            }
        }
        table(Kind::Files(files), !rtt.is_zero(), &rows);
    }

    fn session(&self, tls: bool, rtt: Duration, entries: usize) {
        self.link.set(rtt, None);
        println!(
            "## Connect, log in, list /files, quit, {}, {}\n",
            if tls { "explicit TLS" } else { "plain FTP" },
            rtt_label(rtt)
        );
        let files = match rtt.is_zero() {
            true => self.args.files,
            false => self.args.wan_files,
        };
        let _ = entries;
        let mut rows = Vec::new();
        for &tool in self.tools_for(tls) {
            let r = self.row(tool, |_| {
                let mut job = self.job(Op::List, tls, rtt);
                job.remote = "/files".into();
                job.expect = files as u64;
                Ok((job, Box::new(|| Ok(())) as Box<_>))
            });
            if let Some(r) = r {
                rows.push((tool.label(tls), String::new(), r));
            }
        }
        table(Kind::Session, !rtt.is_zero(), &rows);
    }
}

fn rtt_label(rtt: Duration) -> String {
    match rtt.is_zero() {
        true => "loopback".into(),
        false => format!("RTT {} ms", rtt.as_millis()),
    }
}

fn size_check(got: u64, want: u64) -> Result<(), String> {
    match got == want {
        true => Ok(()),
        false => Err(format!("{got} of {want} bytes arrived")),
    }
}

fn count_files(dir: &Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path()),
            Ok(t) if t.is_file() => 1,
            _ => 0,
        })
        .sum()
}

fn count_check(dir: &Path, want: usize) -> Result<(), String> {
    let got = count_files(dir);
    let _ = std::fs::remove_dir_all(dir);
    match got == want {
        true => Ok(()),
        false => Err(format!("{got} of {want} files arrived")),
    }
}

fn table(kind: Kind, wan: bool, rows: &[(String, String, Result<Summary, String>)]) {
    let curl = rows
        .iter()
        .find(|(c, s, _)| c == "curl" && (s.is_empty() || s.starts_with('1')))
        .and_then(|(_, _, r)| r.as_ref().ok())
        .map(|s| s.secs[0]);
    let (rate, cpu, rt) = match kind {
        Kind::Bulk(_) => ("MB/s", "CPU s/GiB", "round trips"),
        Kind::Files(_) => ("files/s", "CPU s", "round trips/file"),
        Kind::Session => ("", "CPU s", "round trips"),
    };
    let mut head = vec!["client", "sessions", "median s", "min s", "max s"];
    if !rate.is_empty() {
        head.push(rate);
    }
    head.push(cpu);
    if matches!(kind, Kind::Bulk(_)) {
        head.push("user s/GiB");
    }
    head.push("peak RSS MiB");
    if wan {
        head.push(rt);
    }
    let busy = matches!(kind, Kind::Bulk(_))
        && rows
            .iter()
            .any(|(_, _, r)| r.as_ref().is_ok_and(|s| s.server_busy.is_some()));
    if busy {
        head.extend(["client CPU busy", "server CPU busy"]);
    }
    head.extend(["runs", "time vs curl"]);
    if matches!(kind, Kind::Bulk(_) | Kind::Session) {
        head.retain(|h| *h != "sessions");
    }
    println!("| {} |", head.join(" | "));
    println!("|{}", " --- |".repeat(head.len()));
    for (client, sessions, r) in rows {
        let mut cells = vec![client.clone()];
        if !matches!(kind, Kind::Bulk(_) | Kind::Session) {
            cells.push(sessions.clone());
        }
        match r {
            Err(e) => {
                cells.push(format!("failed: {}", e.replace('|', "/")));
                cells.resize(head.len(), String::new());
            }
            Ok(s) => {
                let [med, min, max] = s.secs;
                cells.extend([
                    format!("{med:.3}"),
                    format!("{min:.3}"),
                    format!("{max:.3}"),
                ]);
                match kind {
                    Kind::Bulk(bytes) => {
                        cells.push(format!("{:.0}", bytes as f64 / med / 1e6));
                        cells.push(format!("{:.2}", s.cpu * GIB / bytes as f64));
                        cells.push(format!("{:.2}", s.user * GIB / bytes as f64));
                    }
                    Kind::Files(n) => {
                        cells.push(format!("{:.0}", n as f64 / med));
                        cells.push(format!("{:.2}", s.cpu));
                    }
                    Kind::Session => cells.push(format!("{:.3}", s.cpu)),
                }
                cells.push(format!("{:.1}", s.rss_kib as f64 / 1024.0));
                if wan {
                    cells.push(match kind {
                        Kind::Files(n) => format!("{:.1}", s.round_trips as f64 / n.max(1) as f64),
                        _ => s.round_trips.to_string(),
                    });
                }
                if busy {
                    cells.push(format!("{:.0}%", s.client_busy * 100.0));
                    cells.push(
                        s.server_busy
                            .map_or("".into(), |b| format!("{:.0}%", b * 100.0)),
                    );
                }
                cells.push(s.runs.to_string());
                cells.push(curl.map_or("".into(), |c| format!("{:.2}", med / c)));
            }
        }
        println!("| {} |", cells.join(" | "));
    }
    println!();
}
