//! Running a test server daemon as a child process: stopping it and its session processes
//! by PID (never by name), a free port, and small file helpers, shared by the vsftpd and
//! ProFTPD harnesses.

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Kills our server child and its session processes, then reaps the child.
///
/// The servers' per-connection session processes call `setsid()` and survive
/// the listener (until the client disconnects or the idle timeout), so they
/// are killed explicitly, by id: the listener is stopped (so it cannot fork
/// any more), its direct children are looked up in `/proc` and killed with
/// their process groups (each session is its own group, holding the
/// privileged and the unprivileged process), then the listener itself is
/// killed with `Child::kill` and reaped.
pub fn kill_server(child: &mut Child) {
    let pid = child.id();
    // Our child is not reaped yet, so its pid cannot have been reused.
    signal(&["-STOP".to_owned(), pid.to_string()]);
    let sessions = children_of(pid);
    if !sessions.is_empty() {
        let mut args = vec!["-KILL".to_owned(), "--".to_owned()];
        for session in sessions {
            // The process itself (in case it has not called setsid() yet)
            // and its process group.
            args.push(session.to_string());
            args.push(format!("-{session}"));
        }
        signal(&args);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `kill ARGS` (procps); errors such as "no such process" are ignored.
fn signal(args: &[String]) {
    let _ = Command::new("kill")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Pids of the direct children of `parent`, from `/proc/*/stat`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = fs::read_to_string(entry.path().join("stat")).ok()?;
            // "pid (comm) state ppid ...": comm may contain spaces and ')'.
            let rest = &stat[stat.rfind(')')? + 1..];
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent).then_some(pid)
        })
        .collect()
}

/// An ephemeral port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap_or_else(|e| panic!("test harness: cannot bind 127.0.0.1:0: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("test harness: local_addr: {e}"))
        .port()
}

pub fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("test harness: cannot chmod {}: {e}", path.display()));
}

pub fn create_file(path: &Path) -> fs::File {
    fs::File::create(path)
        .unwrap_or_else(|e| panic!("test harness: cannot create {}: {e}", path.display()))
}

pub fn read_lossy(path: &Path) -> String {
    fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// Upper bound for one start attempt's readiness wait.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between readiness polls (the only sleep in the harnesses).
pub const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// How a start attempt ended.
pub enum Readiness {
    Ready,
    Exited(ExitStatus),
    Fatal(String),
}

/// Why one readiness probe did not succeed.
pub enum ProbeError {
    /// Not ready yet (or the port belongs to someone else for now): poll again.
    Retry(String),
    /// It will not get ready: stop.
    Fatal(String),
}

/// Polls `probe` (given the attempt's deadline) until it succeeds, the child exits, or
/// [`READY_TIMEOUT`] elapses.
pub fn wait_ready(
    child: &mut Child,
    mut probe: impl FnMut(Instant) -> Result<(), ProbeError>,
) -> Readiness {
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut last_error;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Readiness::Exited(status),
            Ok(None) => {}
            Err(e) => return Readiness::Fatal(format!("try_wait failed: {e}")),
        }
        match probe(deadline) {
            Ok(()) => {
                // The greeting was ours, but re-check the child anyway.
                return match child.try_wait() {
                    Ok(Some(status)) => Readiness::Exited(status),
                    _ => Readiness::Ready,
                };
            }
            Err(ProbeError::Fatal(e)) => return Readiness::Fatal(e),
            Err(ProbeError::Retry(e)) => last_error = e,
        }
        let now = Instant::now();
        if now >= deadline {
            return Readiness::Fatal(format!(
                "timed out after {READY_TIMEOUT:?}; last probe: {last_error}"
            ));
        }
        std::thread::sleep(POLL_INTERVAL.min(deadline - now));
    }
}
