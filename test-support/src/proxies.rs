//! Real proxies on loopback for the proxy tests: Dante (`danted`, SOCKS5) and tinyproxy
//! (HTTP `CONNECT`), each with a generated configuration in a temporary directory, an
//! ephemeral port on 127.0.0.1, a readiness probe that checks it is our proxy answering,
//! and its own log, which tests read to see which connections went through it. Stopped on
//! drop by PID (with Dante's worker processes, by PID too), never by name.
//!
//! Dante's `socksmethod: username` checks the system's accounts (`getpwnam` and
//! `/etc/shadow`, read while it still runs as root): [`DanteBuilder::user_auth`] uses the
//! vsftpd harness's account ([`crate::vsftpd::TEST_USER`], [`crate::vsftpd::TEST_PASSWORD`]).
//! Needs root, like the vsftpd harness.

use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::daemon::{
    create_file, free_port, kill_server, read_lossy, set_mode, wait_ready, ProbeError, Readiness,
};

/// Dante's server binary (Debian package `dante-server`).
pub const DANTED_BIN: &str = "/usr/sbin/danted";
/// tinyproxy's binary (Debian package `tinyproxy`).
pub const TINYPROXY_BIN: &str = "/usr/bin/tinyproxy";

const START_ATTEMPTS: usize = 4;

/// True when `binary` is installed. Without it a test skips, except in CI where
/// [`require`] fails it.
fn available(binary: &str) -> bool {
    Path::new(binary).exists()
}

/// Whether a test that needs `binary` (from Debian `package`) may run: true when it is
/// installed; false outside CI (the test then skips, loudly); a panic in CI (`CI` set and
/// not empty), where a missing proxy must fail the run.
fn require(binary: &str, package: &str) -> bool {
    if available(binary) {
        return true;
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{binary} is required in CI: apt-get install -y {package}");
    }
    eprintln!(
        "\n\
         ************************************************************\n\
         * SKIPPING proxy integration test: {binary} not found.\n\
         * Install it with: apt-get install -y {package}\n\
         * (With CI set, this is a hard failure.)\n\
         ************************************************************\n"
    );
    false
}

/// See [`require`]: Dante (`dante-server`).
pub fn require_dante() -> bool {
    require(DANTED_BIN, "dante-server")
}

/// See [`require`]: tinyproxy.
pub fn require_tinyproxy() -> bool {
    require(TINYPROXY_BIN, "tinyproxy")
}

/// A temporary directory the proxy (which drops to `nobody`) can reach, with a log file
/// it can write.
fn proxy_dir(prefix: &str, log_name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .unwrap_or_else(|e| panic!("proxy harness: cannot create temp dir: {e}"));
    set_mode(dir.path(), 0o755);
    let log = dir.path().join(log_name);
    (dir, log)
}

fn spawn(binary: &str, args: &[&Path], dir: &Path, out: &Path) -> Child {
    Command::new(binary)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(create_file(out))
        .stderr(Stdio::from(create_file(&out.with_extension("stderr"))))
        .spawn()
        .unwrap_or_else(|e| panic!("proxy harness: cannot spawn {binary}: {e}"))
}

/// Connects to `port` and checks the answer to `hello` with `ours`.
fn probe(
    port: u16,
    deadline: Instant,
    hello: &[u8],
    ours: impl Fn(&[u8]) -> bool,
) -> Result<(), ProbeError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(ProbeError::Retry("deadline".into()));
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut s = TcpStream::connect_timeout(&addr, left)
        .map_err(|e| ProbeError::Retry(format!("connect: {e}")))?;
    s.set_read_timeout(Some(left)).ok();
    s.write_all(hello)
        .map_err(|e| ProbeError::Retry(format!("write: {e}")))?;
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while got.len() < 4096 {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                if ours(&got) {
                    return Ok(());
                }
            }
            Err(e) => return Err(ProbeError::Retry(format!("read: {e}"))),
        }
    }
    Err(ProbeError::Retry(format!(
        "not our proxy: {:?}",
        String::from_utf8_lossy(&got)
    )))
}

/// A proxy daemon we started on 127.0.0.1: stopped by PID on drop, its log printed when
/// the test that used it failed.
#[derive(Debug)]
struct Running {
    name: &'static str,
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Running {
    fn log(&self) -> String {
        read_lossy(&self.log)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        kill_server(&mut self.child);
        if std::thread::panicking() {
            eprintln!(
                "===== {} on 127.0.0.1:{} =====\n{}=====",
                self.name,
                self.port,
                self.log()
            );
        }
    }
}

/// Starts the proxy `name` (at most [`START_ATTEMPTS`] times, each on a port that was free
/// a moment ago, the child checked to be alive after): `launch(port, out)` writes its
/// configuration and spawns it with its output in `out`; `hello` and `ours` are the
/// readiness probe's greeting and its check of the answer (see [`probe`]).
fn start_proxy(
    name: &'static str,
    dir: tempfile::TempDir,
    log: PathBuf,
    mut launch: impl FnMut(u16, &Path) -> Child,
    hello: &[u8],
    ours: impl Fn(&[u8]) -> bool,
) -> Running {
    let out = dir.path().join(format!("{name}.out"));
    let mut failures = String::new();
    for attempt in 1..=START_ATTEMPTS {
        let port = free_port();
        let mut child = launch(port, &out);
        let ready = wait_ready(&mut child, |deadline| probe(port, deadline, hello, &ours));
        match ready {
            Readiness::Ready => {
                return Running {
                    name,
                    child,
                    port,
                    log,
                    _dir: dir,
                }
            }
            Readiness::Exited(status) => failures.push_str(&format!(
                "attempt {attempt} on port {port}: {name} exited with {status}: {}{}\n",
                read_lossy(&log),
                read_lossy(&out.with_extension("stderr"))
            )),
            Readiness::Fatal(e) => {
                kill_server(&mut child);
                failures.push_str(&format!(
                    "attempt {attempt} on port {port}: {e}: {}\n",
                    read_lossy(&log)
                ));
            }
        }
    }
    panic!("proxy harness: {name} did not start:\n{failures}");
}

// ---------------------------------------------------------------------------
// Dante

/// Builder for a [`Dante`]; get one with [`Dante::builder`].
#[derive(Debug, Clone, Default)]
pub struct DanteBuilder {
    user_auth: bool,
    block: Vec<u16>,
}

impl DanteBuilder {
    /// Requires SOCKS5 user/password (RFC 1929), checked against the system's accounts:
    /// [`crate::vsftpd::TEST_USER`] with [`crate::vsftpd::TEST_PASSWORD`] (created if
    /// needed).
    pub fn user_auth(mut self) -> Self {
        self.user_auth = true;
        self
    }

    /// Refuses connections to `port` on 127.0.0.1 with a `socks block` rule (reply 2,
    /// "connection not allowed by ruleset").
    pub fn block_port(mut self, port: u16) -> Self {
        self.block.push(port);
        self
    }

    fn render(&self, port: u16, log: &Path) -> String {
        let method = if self.user_auth { "username" } else { "none" };
        let mut conf = format!(
            "logoutput: {log}\n\
             internal: 127.0.0.1 port = {port}\n\
             external: 127.0.0.1\n\
             socksmethod: {method}\n\
             clientmethod: none\n\
             user.privileged: root\n\
             user.unprivileged: nobody\n\
             client pass {{\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  log: error\n}}\n",
            log = log.display()
        );
        for p in &self.block {
            conf.push_str(&format!(
                "socks block {{\n  from: 0.0.0.0/0 to: 127.0.0.1/32 port = {p}\n  log: connect error\n}}\n"
            ));
        }
        // Only loopback destinations: nothing a test does leaves the machine.
        conf.push_str(
            "socks pass {\n  from: 127.0.0.0/8 to: 127.0.0.0/8\n  command: connect\n  log: connect disconnect error\n}\n\
             socks block {\n  from: 0.0.0.0/0 to: 0.0.0.0/0\n  log: connect error\n}\n",
        );
        conf
    }

    /// Starts Dante and waits until it answers a SOCKS5 greeting.
    pub fn start(self) -> Dante {
        if self.user_auth {
            crate::vsftpd::ensure_test_user();
        }
        let (dir, log) = proxy_dir("dante-harness-", "danted.log");
        let config = dir.path().join("danted.conf");
        let (cwd, log_path) = (dir.path().to_path_buf(), log.clone());
        let launch = |port, out: &Path| {
            fs::write(&config, self.render(port, &log_path))
                .unwrap_or_else(|e| panic!("dante harness: cannot write config: {e}"));
            let _ = fs::remove_file(&log_path);
            // -N 1: one mother process; no -D: it stays in the foreground, our child.
            let args = [Path::new("-f"), &config, Path::new("-N"), Path::new("1")];
            spawn(DANTED_BIN, &args, &cwd, out)
        };
        // Any SOCKS5 method answer (0x00, 0x02 or 0xFF) starts with version 5.
        let ours = |got: &[u8]| got.len() >= 2 && got[0] == 5;
        Dante(start_proxy("danted", dir, log, launch, &[5, 1, 0], ours))
    }
}

/// A running Dante SOCKS5 server on 127.0.0.1, stopped on drop.
#[derive(Debug)]
pub struct Dante(Running);

impl Dante {
    /// A builder (no authentication, no blocked port by default).
    pub fn builder() -> DanteBuilder {
        DanteBuilder::default()
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.0.port
    }

    /// The mother process's PID.
    pub fn pid(&self) -> u32 {
        self.0.child.id()
    }

    /// Its log so far (with `log: connect`, one line per connection it made for a
    /// client, naming the destination as `127.0.0.1.PORT`).
    pub fn log(&self) -> String {
        self.0.log()
    }

    /// The destinations of the tunnels it opened, in order, as it logs them
    /// (`127.0.0.1.PORT`): the last field of each `pass(N): tcp/connect [: client proxy ->
    /// external destination` line.
    pub fn tunnels(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains("pass(") && l.contains("tcp/connect [:"))
            .filter_map(|l| l.split_whitespace().last().map(str::to_string))
            .collect()
    }

    /// How many tunnels it opened to 127.0.0.1:`port`.
    pub fn tunnels_to(&self, port: u16) -> usize {
        let dest = format!("127.0.0.1.{port}");
        self.tunnels().iter().filter(|d| **d == dest).count()
    }
}

// ---------------------------------------------------------------------------
// tinyproxy

/// Builder for a [`Tinyproxy`]; get one with [`Tinyproxy::builder`].
#[derive(Debug, Clone, Default)]
pub struct TinyproxyBuilder {
    basic_auth: Option<(String, String)>,
    connect_ports: Vec<u16>,
}

impl TinyproxyBuilder {
    /// Requires HTTP Basic authentication with this user and password.
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        self.basic_auth = Some((user.into(), password.into()));
        self
    }

    /// Allows `CONNECT` only to these ports (`ConnectPort`); without any, to every port.
    pub fn connect_port(mut self, port: u16) -> Self {
        self.connect_ports.push(port);
        self
    }

    fn render(&self, port: u16, log: &Path) -> String {
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 60\nLogFile \"{}\"\nLogLevel Connect\n\
             MaxClients 50\nAllow 127.0.0.1\nUser nobody\nGroup nogroup\n",
            log.display()
        );
        if let Some((u, p)) = &self.basic_auth {
            conf.push_str(&format!("BasicAuth {u} {p}\n"));
        }
        for p in &self.connect_ports {
            conf.push_str(&format!("ConnectPort {p}\n"));
        }
        conf
    }

    /// Starts tinyproxy and waits until it answers as tinyproxy.
    pub fn start(self) -> Tinyproxy {
        let (dir, log) = proxy_dir("tinyproxy-harness-", "tinyproxy.log");
        let config = dir.path().join("tinyproxy.conf");
        let (cwd, log_path) = (dir.path().to_path_buf(), log.clone());
        let launch = |port, out: &Path| {
            fs::write(&config, self.render(port, &log_path))
                .unwrap_or_else(|e| panic!("tinyproxy harness: cannot write config: {e}"));
            // It writes its log as `nobody`.
            drop(create_file(&log_path));
            set_mode(&log_path, 0o666);
            // -d: in the foreground, our child.
            let args = [Path::new("-d"), Path::new("-c"), &config];
            spawn(TINYPROXY_BIN, &args, &cwd, out)
        };
        // A request it refuses, answered with its name in the Server header.
        let ours = |got: &[u8]| String::from_utf8_lossy(got).contains("tinyproxy");
        let hello = b"GET / HTTP/1.0\r\n\r\n";
        Tinyproxy(start_proxy("tinyproxy", dir, log, launch, hello, ours))
    }
}

/// A running tinyproxy on 127.0.0.1, stopped on drop.
#[derive(Debug)]
pub struct Tinyproxy(Running);

impl Tinyproxy {
    /// A builder (no authentication, every port allowed by default).
    pub fn builder() -> TinyproxyBuilder {
        TinyproxyBuilder::default()
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.0.port
    }

    /// Its PID.
    pub fn pid(&self) -> u32 {
        self.0.child.id()
    }

    /// Its log so far (`LogLevel Connect`: a `Request ... CONNECT host:port` line per
    /// tunnel asked for).
    pub fn log(&self) -> String {
        self.0.log()
    }

    /// How many `CONNECT` requests for `host:port` it logged.
    pub fn connects_to(&self, host: &str, port: u16) -> usize {
        let needle = format!("CONNECT {host}:{port} ");
        self.log().lines().filter(|l| l.contains(&needle)).count()
    }
}
