//! Running the real `ftpc` binary, shared by the end-to-end tests.

use std::process::{Command, Output};

use ftpkit_test_support::vsftpd::Vsftpd;

/// Runs `ftpc` with no password in the environment.
pub fn ftpc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ftpc"))
        .args(args)
        .env_remove("FTPC_PASSWORD")
        .output()
        .expect("run ftpc")
}

/// Runs `ftpc` with `FTPC_PASSWORD` set, as a script should pass it.
pub fn ftpc_env(args: &[&str], password: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ftpc"))
        .args(args)
        .env("FTPC_PASSWORD", password)
        .output()
        .expect("run ftpc")
}

/// What `ftpc` printed on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `ftp://USER@127.0.0.1:PORT/path` for the harness user.
pub fn url(s: &Vsftpd, path: &str) -> String {
    format!("ftp://{}@127.0.0.1:{}/{path}", s.user(), s.port())
}

/// Each stdout line parsed as JSON.
pub fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}
