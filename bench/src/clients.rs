//! The clients compared, and the command line each is run with for a job. `None` when a
//! client has no way to do the job (curl and suppaftp have no recursive download).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::job::{Job, Op};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// This library, on a backend, in a worker process.
    Ftpkit(&'static str),
    /// The `ftpc` command (rustls).
    Ftpc,
    Curl,
    Lftp,
    /// suppaftp 12, blocking, rustls (ring), in a worker process.
    Suppaftp,
}

impl Tool {
    pub fn label(self, tls: bool) -> String {
        match self {
            Tool::Ftpkit(b) if tls => format!("ftpkit ({b})"),
            Tool::Ftpkit(_) => "ftpkit".into(),
            Tool::Ftpc => "ftpc".into(),
            Tool::Curl => "curl".into(),
            Tool::Lftp => "lftp".into(),
            Tool::Suppaftp => "suppaftp".into(),
        }
    }
}

/// Where the bench finds its own binary (for workers) and `ftpc` (built next to it).
pub struct Paths {
    pub bench: PathBuf,
    pub ftpc: Option<PathBuf>,
}

impl Paths {
    pub fn find() -> Paths {
        let bench = std::env::current_exe().unwrap_or_else(|_| "ftpkit-bench".into());
        let ftpc = bench
            .parent()
            .map(|d| d.join("ftpc"))
            .filter(|p| p.is_file());
        Paths { bench, ftpc }
    }
}

pub fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

fn url(job: &Job, path: &str) -> String {
    format!("ftp://{}:{}{}", job.host, job.port, path)
}

/// The command that runs `job` with `tool`, or `None` if the tool cannot do it.
pub fn command(tool: Tool, job: &Job, paths: &Paths) -> Option<Command> {
    match tool {
        Tool::Ftpkit(backend) => {
            let mut job = job.clone();
            job.backend = backend.into();
            let mut c = Command::new(&paths.bench);
            c.args(["worker", "ftpkit"]).args(job.to_args());
            Some(c)
        }
        Tool::Suppaftp => {
            if job.op == Op::Tree || job.sessions > 0 {
                return None;
            }
            let mut c = Command::new(&paths.bench);
            c.args(["worker", "suppaftp"]).args(job.to_args());
            Some(c)
        }
        Tool::Curl => curl(job),
        Tool::Lftp => lftp(job),
        Tool::Ftpc => ftpc(job, paths.ftpc.as_deref()?),
    }
}

fn curl(job: &Job) -> Option<Command> {
    let mut c = Command::new("curl");
    c.args(["-s", "-S", "--fail", "-u"])
        .arg(format!("{}:{}", job.user, job.password));
    if job.tls {
        c.arg("--ssl-reqd").arg("--cacert").arg(&job.ca);
    }
    match job.op {
        Op::Get => c.arg(url(job, &job.remote)).arg("-o").arg(&job.local),
        Op::Put => c.arg("-T").arg(&job.local).arg(url(job, &job.remote)),
        // Every URL on one command line: curl reuses the connection.
        Op::Files if job.sessions == 0 => c
            .current_dir(&job.local)
            .arg("--remote-name-all")
            .args((0..job.expect).map(|i| url(job, &format!("{}/f{i}.bin", job.remote)))),
        Op::List => c.arg(url(job, &format!("{}/", job.remote))),
        Op::Files | Op::Tree => return None,
    };
    Some(c)
}

fn lftp(job: &Job) -> Option<Command> {
    let tls = match job.tls {
        true => format!(
            "set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ssl:ca-file {};",
            job.ca.display()
        ),
        false => "set ftp:ssl-allow no;".into(),
    };
    let local = job.local.display();
    let action = match job.op {
        Op::Get => format!("get {} -o {local}", job.remote),
        Op::Put => format!("put {local} -o {}", job.remote),
        Op::Files if job.sessions == 0 => return None,
        Op::Files | Op::Tree => format!(
            "mirror --parallel={} {} {local}",
            job.sessions.max(1),
            job.remote
        ),
        Op::List => format!("ls {}", job.remote),
    };
    let script = format!(
        "set net:max-retries 2; set net:timeout 30; {tls} open -u {},{} {}; {action}; quit",
        job.user,
        job.password,
        url(job, "")
    );
    let mut c = Command::new("lftp");
    c.args(["-e", &script]);
    Some(c)
}

fn ftpc(job: &Job, ftpc: &Path) -> Option<Command> {
    let mut c = Command::new(ftpc);
    c.env("FTPC_PASSWORD", &job.password);
    let common = |c: &mut Command| {
        c.arg("--user").arg(&job.user);
        match job.tls {
            true => c.args(["--tls", "explicit", "--ca-file"]).arg(&job.ca),
            false => c.args(["--tls", "none"]),
        };
    };
    match job.op {
        Op::Get => {
            c.arg("get");
            common(&mut c);
            c.arg(url(job, &job.remote)).arg("-o").arg(&job.local);
        }
        Op::Put => {
            c.arg("put");
            common(&mut c);
            c.arg(&job.local).arg(url(job, &job.remote));
        }
        Op::Files if job.sessions == 0 => {
            c.arg("get").current_dir(&job.local);
            common(&mut c);
            c.arg(url(job, &format!("{}/*.bin", job.remote)));
        }
        Op::Files | Op::Tree => {
            c.args(["get", "-r", "--parallel", &job.sessions.max(1).to_string()]);
            common(&mut c);
            c.arg(url(job, &job.remote)).arg(&job.local);
        }
        Op::List => {
            c.arg("ls");
            common(&mut c);
            c.arg(url(job, &job.remote));
        }
    }
    Some(c)
}
