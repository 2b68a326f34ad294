//! `ftpkit-spawn FILE PROGRAM ARGS…`: runs PROGRAM, writes "CPU-seconds peak-RSS-KiB
//! user-CPU-seconds" of it to FILE, and exits with its status. A separate, dependency-light binary so that the
//! memory high-water mark Linux carries across `exec` (the launcher's own) stays small: the
//! bench measures every client through it.
//!
//! `ftpkit-spawn --cpu N FILE PROGRAM ARGS…` first pins itself, and so the client, to CPU N
//! (see `pin.rs`).

#[allow(dead_code)] // the launcher only pins
#[path = "pin.rs"]
mod pin;

use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(spawn_main(&args));
}

/// Runs the program, writes its CPU seconds (user + system), peak RSS (KiB) and user CPU
/// seconds to FILE, and returns its exit status.
fn spawn_main(mut args: &[String]) -> i32 {
    if let [flag, cpu, rest @ ..] = args {
        if flag == "--cpu" {
            let pinned = cpu
                .parse()
                .map_err(|e| format!("{e}"))
                .and_then(|c| pin::to(c).map_err(|e| format!("{e}")));
            if let Err(e) = pinned {
                eprintln!("spawn: --cpu {cpu}: {e}");
                return 2;
            }
            args = rest;
        }
    }
    let [file, program, rest @ ..] = args else {
        eprintln!("spawn: [--cpu N] FILE PROGRAM [ARGS…]");
        return 2;
    };
    let child = match Command::new(program).args(rest).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("spawn {program}: {e}");
            return 127;
        }
    };
    let (status, usage) = match wait4(child.id() as libc::pid_t) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let cpu = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let line = format!(
        "{} {} {}\n",
        cpu(usage.ru_utime) + cpu(usage.ru_stime),
        usage.ru_maxrss,
        cpu(usage.ru_utime)
    );
    if std::fs::write(file, line).is_err() {
        return 1;
    }
    match libc::WIFEXITED(status) {
        true => libc::WEXITSTATUS(status),
        false => 128 + libc::WTERMSIG(status),
    }
}

fn wait4(pid: libc::pid_t) -> Result<(i32, libc::rusage), String> {
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our child, status and usage are valid for writes.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {e}"));
        }
    }
}
