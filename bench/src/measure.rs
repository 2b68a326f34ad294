//! Running one client once as a child process and reading what it cost: wall time, CPU
//! (user + sys) and peak resident memory from `wait4`, and the round trips the link counted.
//! Every client, this library included, runs as its own process, so that the figures are
//! the client's alone (the bench's servers and proxy threads live in the parent).
//!
//! Linux folds the memory high-water mark of the process that calls `exec` into the new
//! program's peak RSS, and a child spawned from the bench starts as a copy of the bench
//! (tens of MiB of test data touched). So each client is started through `ftpkit-spawn`
//! (`src/spawn.rs`), a tiny program of its own that starts the client, waits for it with
//! `wait4` and writes its usage to a file. The floor this leaves is the launcher's own
//! start-up RSS, which the bench prints.

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

/// The CPUs of the servers and of every client, when the bench pins (see `pin`).
static PINNED: OnceLock<(usize, usize)> = OnceLock::new();

/// Pins every client started from now on to `clients`, and measures how busy `servers`
/// (the servers' CPU) is during each run.
pub fn pinned(servers: usize, clients: usize) {
    let _ = PINNED.set((servers, clients));
}

/// (busy, total) ticks of one CPU so far, from `/proc/stat`.
fn cpu_ticks(cpu: usize) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let name = format!("cpu{cpu} ");
    let line = stat.lines().find(|l| l.starts_with(&name))?;
    let t: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …
    let total: u64 = t.iter().take(8).sum();
    let idle = t.get(3)? + t.get(4)?;
    Some((total - idle, total))
}

/// One run of one client.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub secs: f64,
    /// User + system CPU seconds of the client process (and its children).
    pub cpu: f64,
    /// The user-space part of `cpu`: the client's own code, without the kernel's (on
    /// loopback the sender's system time also carries the delivery to the receiver).
    pub user: f64,
    /// Peak resident set of the client, KiB.
    pub rss_kib: u64,
    /// Round trips the link counted during the run (0 without a delayed link).
    pub round_trips: u64,
    /// How busy the servers' CPU was during the run (0 to 1), when the bench pins: near 1,
    /// the server, not the client, set the pace.
    pub server_busy: Option<f64>,
}

/// Runs `cmd` to completion through the launcher; `Err` with its standard error when it
/// fails.
pub fn run(cmd: Command, round_trips: &dyn Fn() -> u64) -> Result<Sample, String> {
    let usage_file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let mut launcher = Command::new(launcher_path());
    if let Some((_, cpu)) = PINNED.get() {
        launcher.arg("--cpu").arg(cpu.to_string());
    }
    launcher
        .arg(usage_file.path())
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        launcher.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => launcher.env(k, v),
            None => launcher.env_remove(k),
        };
    }
    launcher
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let before = round_trips();
    let server_cpu = PINNED.get().map(|&(servers, _)| servers);
    let ticks_before = server_cpu.and_then(cpu_ticks);
    let t = Instant::now();
    let mut child = launcher
        .spawn()
        .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    // Read standard error while it runs (a full pipe would block the child).
    let mut stderr = child.stderr.take();
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = std::io::Read::read_to_string(e, &mut s);
        }
        s
    });
    let status = child.wait().map_err(|e| e.to_string())?;
    let secs = t.elapsed().as_secs_f64();
    let server_busy = match (ticks_before, server_cpu.and_then(cpu_ticks)) {
        (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => Some((b1 - b0) as f64 / (t1 - t0) as f64),
        _ => None,
    };
    let errors = errors.join().unwrap_or_default();
    if !status.success() {
        let tail: String = errors.lines().rev().take(3).collect::<Vec<_>>().join(" / ");
        return Err(format!("{status}: {tail}"));
    }
    let usage = std::fs::read_to_string(usage_file.path()).map_err(|e| e.to_string())?;
    let mut f = usage
        .split_whitespace()
        .map(|x| x.parse::<f64>().unwrap_or(0.0));
    let (cpu, rss) = (f.next().unwrap_or(0.0), f.next().unwrap_or(0.0));
    let user = f.next().unwrap_or(0.0);
    Ok(Sample {
        secs,
        cpu,
        user,
        rss_kib: rss as u64,
        round_trips: round_trips() - before,
        server_busy,
    })
}

/// Median, min and max of several samples, per figure.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub secs: [f64; 3],
    pub cpu: f64,
    pub user: f64,
    /// How busy the client kept its own core (CPU over wall time, the median): well below
    /// 1 while the server's core is near 1, the client was waiting for the server.
    pub client_busy: f64,
    pub rss_kib: u64,
    pub round_trips: u64,
    pub server_busy: Option<f64>,
    pub runs: usize,
}

pub fn summarize(samples: &[Sample]) -> Summary {
    let med = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        [v[v.len() / 2], v[0], v[v.len() - 1]]
    };
    let mut rt: Vec<u64> = samples.iter().map(|s| s.round_trips).collect();
    rt.sort();
    Summary {
        secs: med(samples.iter().map(|s| s.secs).collect()),
        cpu: med(samples.iter().map(|s| s.cpu).collect())[0],
        user: med(samples.iter().map(|s| s.user).collect())[0],
        client_busy: med(samples.iter().map(|s| s.cpu / s.secs.max(1e-9)).collect())[0],
        rss_kib: samples.iter().map(|s| s.rss_kib).max().unwrap_or(0),
        round_trips: rt[rt.len() / 2],
        server_busy: samples
            .iter()
            .map(|s| s.server_busy)
            .collect::<Option<Vec<f64>>>()
            .map(|v| med(v)[0]),
        runs: samples.len(),
    }
}

/// `ftpkit-spawn`, built next to the bench.
pub fn launcher_path() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.with_file_name("ftpkit-spawn")
}
