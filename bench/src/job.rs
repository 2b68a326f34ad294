//! One client run, described on a command line: the parent builds it, the worker (the
//! bench binary run as `ftpkit-bench worker …`) parses it and does the work with this
//! library or with suppaftp, so that both are measured as processes like curl and lftp.

use std::path::PathBuf;

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Download one file (`remote` to `local`).
    Get,
    /// Upload one file (`local` to `remote`).
    Put,
    /// Download `count` files `remote/f{i}.bin` into the directory `local`.
    Files,
    /// Download the tree under `remote` into `local`.
    Tree,
    /// Connect, log in, list `remote`, quit.
    List,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Get => "get",
            Op::Put => "put",
            Op::Files => "files",
            Op::Tree => "tree",
            Op::List => "list",
        }
    }
    fn parse(s: &str) -> Option<Op> {
        [Op::Get, Op::Put, Op::Files, Op::Tree, Op::List]
            .into_iter()
            .find(|o| o.name() == s)
    }
}

#[derive(Debug, Clone)]
pub struct Job {
    pub op: Op,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    /// Explicit TLS (`AUTH TLS`), trusting `ca`.
    pub tls: bool,
    pub ca: PathBuf,
    /// `rustls` or `openssl` (this library's backend; ignored by suppaftp).
    pub backend: String,
    pub remote: String,
    pub local: PathBuf,
    /// Files expected (Files, Tree, List) or bytes (Get, Put).
    pub expect: u64,
    /// Sessions: 0 = one plain session in a loop, N = a pool of N (Files, Tree).
    pub sessions: usize,
}

impl Job {
    /// The worker's arguments after `worker CLIENT`.
    pub fn to_args(&self) -> Vec<String> {
        vec![
            self.op.name().into(),
            self.host.clone(),
            self.port.to_string(),
            self.user.clone(),
            self.password.clone(),
            (self.tls as u8).to_string(),
            self.ca.display().to_string(),
            self.backend.clone(),
            self.remote.clone(),
            self.local.display().to_string(),
            self.expect.to_string(),
            self.sessions.to_string(),
        ]
    }

    pub fn from_args(a: &[String]) -> Result<Job, String> {
        let [op, host, port, user, password, tls, ca, backend, remote, local, expect, sessions] = a
        else {
            return Err(format!("worker: 12 arguments expected, got {}", a.len()));
        };
        let num = |s: &str| s.parse::<u64>().map_err(|e| format!("worker: {s}: {e}"));
        Ok(Job {
            op: Op::parse(op).ok_or(format!("worker: unknown op {op}"))?,
            host: host.clone(),
            port: num(port)? as u16,
            user: user.clone(),
            password: password.clone(),
            tls: tls == "1",
            ca: ca.into(),
            backend: backend.clone(),
            remote: remote.clone(),
            local: local.into(),
            expect: num(expect)?,
            sessions: num(sessions)? as usize,
        })
    }
}
