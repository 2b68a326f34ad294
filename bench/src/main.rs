//! `ftpkit-bench`: many small files downloaded by ftpkit (a pool of 1 and N sessions), curl
//! (every URL on one command line, reusing the connection) and `lftp mirror --parallel=N`,
//! from a vsftpd the bench starts on loopback, optionally behind a latency proxy
//! (`ftpkit_test_support::delay`) that adds `--rtt-ms`. Prints a Markdown table: median, min
//! and max of `--runs` runs.
//!
//! This is the first workload of the performance issue (small files over a long link); the
//! bulk, TLS, tree and round-trip-count workloads come next.
//!
//! ```text
//! cargo run --release -p ftpkit-bench -- --files 200 --size 4096 --rtt-ms 20 --runs 5
//! ```
//! Needs vsftpd and root (the harness makes a local test user); curl and lftp are measured
//! when installed.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ftpkit::{Client, Credentials, Pool, Security, TreeSync};
use ftpkit_test_support::data::prng_bytes;
use ftpkit_test_support::delay::{free_port_range, ftp_rtt, DelayProxy, PROXY_ADDR};
use ftpkit_test_support::vsftpd::Vsftpd;

struct Args {
    files: usize,
    size: usize,
    rtt_ms: u64,
    runs: usize,
    parallel: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        files: 200,
        size: 4096,
        rtt_ms: 20,
        runs: 5,
        parallel: 8,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || -> Result<u64, String> {
            it.next()
                .ok_or(format!("{flag} needs a value"))?
                .parse()
                .map_err(|e| format!("{flag}: {e}"))
        };
        match flag.as_str() {
            "--files" => a.files = value()? as usize,
            "--size" => a.size = value()? as usize,
            "--rtt-ms" => a.rtt_ms = value()?,
            "--runs" => a.runs = value()?.max(1) as usize,
            "--parallel" => a.parallel = value()?.max(1) as usize,
            "-h" | "--help" => {
                return Err(
                    "usage: ftpkit-bench [--files N] [--size BYTES] [--rtt-ms MS] [--runs R] [--parallel N]"
                        .into(),
                )
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(a)
}

/// Runs `f` `runs` times and returns (median, min, max) in seconds; `None` if any run failed.
fn measure(runs: usize, mut f: impl FnMut() -> Result<(), String>) -> Result<[f64; 3], String> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok([times[times.len() / 2], times[0], times[times.len() - 1]])
}

fn installed(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|r| r.count()).unwrap_or(0)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("ftpkit-bench: {e}");
        std::process::exit(1);
    }
}

fn run(a: &Args) -> Result<(), String> {
    let (lo, hi) = free_port_range(64).ok_or("no free passive port range")?;
    let server = Vsftpd::builder()
        .option("pasv_address", "127.0.0.2")
        .option("pasv_min_port", &lo.to_string())
        .option("pasv_max_port", &hi.to_string())
        .option("max_per_ip", "0")
        .option("max_clients", "0")
        .start();
    for i in 0..a.files {
        server.write_file(format!("/files/f{i}.bin"), prng_bytes(i as u64, a.size));
    }
    let one_way = Duration::from_micros(a.rtt_ms * 500);
    let ports = std::iter::once(server.port()).chain(lo..=hi);
    let _proxy = DelayProxy::loopback(ports, one_way).map_err(|e| format!("proxy: {e}"))?;
    let target = SocketAddr::new(PROXY_ADDR, server.port());
    let direct = ftp_rtt(server.addr()).map_err(|e| e.to_string())?;
    let through = ftp_rtt(target).map_err(|e| e.to_string())?;
    println!(
        "{} files of {} bytes; one command's round trip: {:.1} ms direct, {:.1} ms through the proxy (asked: {} ms); {} runs each\n",
        a.files,
        a.size,
        direct.as_secs_f64() * 1e3,
        through.as_secs_f64() * 1e3,
        a.rtt_ms,
        a.runs
    );
    println!("### {} files of {} bytes, downloaded\n", a.files, a.size);
    println!("| client | sessions | median s | min s | max s | files/s |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let row = |client: &str, sessions: usize, r: Result<[f64; 3], String>| match r {
        Ok([med, min, max]) => println!(
            "| {client} | {sessions} | {med:.2} | {min:.2} | {max:.2} | {:.0} |",
            a.files as f64 / med
        ),
        Err(e) => println!("| {client} | {sessions} | failed: {e} | | | |"),
    };
    let (user, password, port) = (server.user(), server.password(), server.port());
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    for n in [1, a.parallel] {
        let r = measure(a.runs, || {
            let out = tempfile::tempdir_in(work.path()).map_err(|e| e.to_string())?;
            let builder = Client::builder("127.0.0.2", Security::Plain).port(port);
            let pool = Pool::new(builder, Credentials::new(user, password), n);
            let sync = TreeSync::download("/files", out.path().join("files"));
            let plan = sync.plan(&pool).map_err(|e| e.to_string())?;
            let report = sync.run(&pool, &plan, None);
            match report.transferred().0 == a.files {
                true => Ok(()),
                false => Err(format!("{} of {} files", report.transferred().0, a.files)),
            }
        });
        row("ftpkit (TreeSync, plain)", n, r);
    }
    if installed("lftp") {
        let r = measure(a.runs, || {
            let out = tempfile::tempdir_in(work.path()).map_err(|e| e.to_string())?;
            let script = format!(
                "set ftp:ssl-allow no; open -u {user},{password} ftp://127.0.0.2:{port}; mirror --parallel={} /files {}; quit",
                a.parallel,
                out.path().join("files").display()
            );
            let o = Command::new("lftp")
                .args(["-e", &script])
                .output()
                .map_err(|e| e.to_string())?;
            match o.status.success() && count_files(&out.path().join("files")) == a.files {
                true => Ok(()),
                false => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
            }
        });
        row("lftp mirror", a.parallel, r);
    }
    if installed("curl") {
        let r = measure(a.runs, || {
            let out = tempfile::tempdir_in(work.path()).map_err(|e| e.to_string())?;
            let urls: Vec<String> = (0..a.files)
                .map(|i| format!("ftp://127.0.0.2:{port}/files/f{i}.bin"))
                .collect();
            let o = Command::new("curl")
                .current_dir(out.path())
                .args([
                    "-s",
                    "-u",
                    &format!("{user}:{password}"),
                    "--remote-name-all",
                ])
                .args(&urls)
                .output()
                .map_err(|e| e.to_string())?;
            match o.status.success() && count_files(out.path()) == a.files {
                true => Ok(()),
                false => Err(format!("curl exit {:?}", o.status.code())),
            }
        });
        row("curl (one process, reuse)", 1, r);
    }
    // Connect, log in, list one directory, quit: the round trips every session pays.
    let rtt = through.as_secs_f64();
    println!("\n### Connect, log in, list /files, quit\n");
    println!("| client | median s | min s | max s | round trips (median / RTT) |");
    println!("| --- | --- | --- | --- | --- |");
    let row = |client: &str, r: Result<[f64; 3], String>| match r {
        Ok([med, min, max]) => println!(
            "| {client} | {med:.3} | {min:.3} | {max:.3} | {:.1} |",
            med / rtt.max(1e-6)
        ),
        Err(e) => println!("| {client} | failed: {e} | | | |"),
    };
    let r = measure(a.runs, || {
        let mut ftp = Client::builder("127.0.0.2", Security::Plain)
            .port(port)
            .connect()
            .map_err(|e| e.to_string())?;
        ftp.login(user, password).map_err(|e| e.to_string())?;
        let n = ftp.list("/files").map_err(|e| e.to_string())?.len();
        let _ = ftp.quit();
        match n == a.files {
            true => Ok(()),
            false => Err(format!("{n} entries")),
        }
    });
    row("ftpkit", r);
    if installed("curl") {
        let r = measure(a.runs, || {
            let o = Command::new("curl")
                .args(["-s", "-u", &format!("{user}:{password}")])
                .arg(format!("ftp://127.0.0.2:{port}/files/"))
                .output()
                .map_err(|e| e.to_string())?;
            match o.status.success() {
                true => Ok(()),
                false => Err(format!("curl exit {:?}", o.status.code())),
            }
        });
        row("curl", r);
    }
    if installed("lftp") {
        let r = measure(a.runs, || {
            let script = format!(
                "set ftp:ssl-allow no; open -u {user},{password} ftp://127.0.0.2:{port}; ls /files; quit"
            );
            let o = Command::new("lftp")
                .args(["-e", &script])
                .output()
                .map_err(|e| e.to_string())?;
            match o.status.success() {
                true => Ok(()),
                false => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
            }
        });
        row("lftp", r);
    }
    Ok(())
}
