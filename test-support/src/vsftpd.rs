//! Test harness that runs a real vsftpd (Debian's `/usr/sbin/vsftpd`, 3.0.x)
//! on loopback, with a generated config file and private temp directories.
//!
//! ```ignore
//! use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};
//!
//! #[test]
//! fn something() {
//!     if !require_vsftpd() {
//!         return;
//!     }
//!     let server = Vsftpd::start();
//!     // connect to server.addr(), log in with server.user() / server.password()
//! }
//! ```
//!
//! Every server gets its own temp dir (removed on drop) holding the config,
//! the FTP root (`local_root`, see [`Vsftpd::root`]), an empty
//! `secure_chroot_dir`, the protocol log and vsftpd's own output (fd 0,
//! where vsftpd writes fatal errors, stdout and stderr).
//! All FTP logins use one shared local account ([`TEST_USER`]), which the
//! harness creates if missing and whose password it sets (once per process,
//! under a cross-process `flock`) with `useradd` + `chpasswd`; this needs
//! root.
//!
//! If a test panics while a [`Vsftpd`] is alive, its drop prints the protocol
//! log and vsftpd's output to stderr, so they show up in the failing test's
//! captured output.

use crate::daemon::{
    create_file, free_port, kill_server, read_lossy, set_mode, wait_ready, ProbeError, Readiness,
    POLL_INTERVAL,
};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Where Debian installs the server.
pub const VSFTPD_BIN: &str = "/usr/sbin/vsftpd";
/// The local account every harness server accepts.
pub const TEST_USER: &str = "ftpclient-test";
/// Its password (set with `chpasswd` once per test process).
pub const TEST_PASSWORD: &str = "kV7q-Rz3m-Tw9x-Lp2d";

/// Start attempts (each on a fresh port) before giving up.
const START_ATTEMPTS: usize = 4;

/// Config keys the harness controls itself; overriding them would make
/// [`Vsftpd::addr`], [`Vsftpd::root`] or [`Vsftpd::log`] lie, or would detach
/// the server from the harness.
const MANAGED_KEYS: &[&str] = &[
    "listen",
    "listen_ipv6",
    "background",
    "listen_address",
    "listen_port",
    "local_root",
    "vsftpd_log_file",
];

/// `true` if the vsftpd binary is installed.
pub fn vsftpd_available() -> bool {
    Path::new(VSFTPD_BIN).is_file()
}

/// Call at the top of every vsftpd test: `if !require_vsftpd() { return; }`.
///
/// Returns `true` if vsftpd is installed. If it is missing, panics when the
/// `CI` environment variable is set to a non-empty value, and otherwise prints
/// a loud note to stderr and returns `false` so the test can skip itself.
pub fn require_vsftpd() -> bool {
    if vsftpd_available() {
        return true;
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("vsftpd is required in CI: apt-get install -y vsftpd");
    }
    eprintln!(
        "\n\
         ************************************************************\n\
         * SKIPPING vsftpd integration test: {VSFTPD_BIN} not found.\n\
         * Install it with: apt-get install -y vsftpd\n\
         * (With CI set, this is a hard failure.)\n\
         ************************************************************\n"
    );
    false
}

/// Builder for a [`Vsftpd`] instance; get one with [`Vsftpd::builder`].
#[derive(Debug, Clone, Default)]
pub struct VsftpdBuilder {
    /// Caller overrides, applied on top of the defaults, in insertion order.
    overrides: Vec<(String, String)>,
}

impl VsftpdBuilder {
    /// Adds a config line `key=value`, or replaces the default/earlier value.
    ///
    /// Panics for keys the harness manages itself (`listen*`, `background`,
    /// `local_root`, `vsftpd_log_file`) and for keys/values that cannot be
    /// written to a vsftpd config line.
    pub fn option(mut self, key: &str, value: &str) -> Self {
        check_key(key);
        assert!(
            !value.contains(['\n', '\r']),
            "vsftpd harness: value for {key:?} contains a line break: {value:?}"
        );
        self.set(key, value.to_owned());
        self
    }

    /// Sets `rsa_cert_file` and `rsa_private_key_file` (PEM files, read by
    /// vsftpd as root at startup). Combine with `.option("ssl_enable", "YES")`
    /// and whatever FTPS options the test needs.
    pub fn cert_files(self, cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Self {
        let cert = path_str(cert.as_ref());
        let key = path_str(key.as_ref());
        self.option("rsa_cert_file", &cert)
            .option("rsa_private_key_file", &key)
    }

    /// FTPS as a production server runs it: TLS required for logins and data,
    /// data connections must resume the control session (`require_ssl_reuse`),
    /// strong ciphers; implicit TLS (from the first byte) when `implicit`.
    pub fn ftps(self, cert: impl AsRef<Path>, key: impl AsRef<Path>, implicit: bool) -> Self {
        let b = self
            .cert_files(cert, key)
            .option("ssl_enable", "YES")
            .option("force_local_logins_ssl", "YES")
            .option("force_local_data_ssl", "YES")
            .option("require_ssl_reuse", "YES")
            .option("ssl_ciphers", "HIGH");
        if implicit {
            b.option("implicit_ssl", "YES")
        } else {
            b
        }
    }

    /// Starts the server and waits until it is ready: it greets with `220`
    /// (or, with `implicit_ssl=YES`, it accepted and logged a connection).
    ///
    /// If vsftpd exits because another process took the port in the
    /// meantime, it is retried on a new port (up to 3 times). Panics with
    /// vsftpd's output, the protocol log and the config if it cannot be
    /// started.
    pub fn start(self) -> Vsftpd {
        let user = test_user();

        let dir = tempfile::Builder::new()
            .prefix("vsftpd-harness-")
            .tempdir()
            .unwrap_or_else(|e| panic!("vsftpd harness: cannot create temp dir: {e}"));
        // The FTP session runs as the unprivileged test user and must be able
        // to reach `root/` below this directory.
        set_mode(dir.path(), 0o755);

        let root = dir.path().join("root");
        make_dir(&root, 0o755);
        lchown(&root, user);

        // secure_chroot_dir: an empty directory, owned by root, not writable.
        let empty = dir.path().join("empty");
        make_dir(&empty, 0o755);

        let config_path = dir.path().join("vsftpd.conf");
        let files = Outputs::new(dir.path());

        // A banner nobody else uses, so the readiness probe cannot mistake
        // some other server that grabbed the port for ours.
        let token = dir
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let banner_token = (!self.overrides.iter().any(|(k, _)| k == "ftpd_banner"))
            .then(|| format!("vsftpd test server {token}"));
        // With implicit TLS there is no plain-text greeting to check; then
        // the server is ready once it logs the probe's connection.
        let implicit_tls = self
            .value("implicit_ssl")
            .is_some_and(|v| ["yes", "true", "1"].contains(&v.to_ascii_lowercase().as_str()));
        let probe = match (implicit_tls, &banner_token) {
            (true, _) => Probe::ConnectLogged(&files.log),
            (false, token) => Probe::Greeting(token.as_deref()),
        };

        let mut failures = String::new();
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port();
            let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
            let config = self.render(port, &root, &empty, &files.log, banner_token.as_deref());
            fs::write(&config_path, &config).unwrap_or_else(|e| {
                panic!(
                    "vsftpd harness: cannot write {}: {e}",
                    config_path.display()
                )
            });
            set_mode(&config_path, 0o600);

            // Start each attempt with an empty log: the implicit-TLS probe
            // looks for a CONNECT line in it.
            let _ = fs::remove_file(&files.log);
            let mut child = Command::new(VSFTPD_BIN)
                .arg(&config_path)
                .current_dir(dir.path())
                .stdin(files.open_stdin())
                .stdout(create_file(&files.stdout))
                .stderr(create_file(&files.stderr))
                .spawn()
                .unwrap_or_else(|e| panic!("vsftpd harness: cannot spawn {VSFTPD_BIN}: {e}"));

            match wait_ready(&mut child, |deadline| probe_once(addr, deadline, probe)) {
                Readiness::Ready => {
                    return Vsftpd {
                        child,
                        port,
                        root,
                        config_path,
                        files,
                        user,
                        dir,
                    };
                }
                Readiness::Exited(status) => {
                    let output = files.diagnostics();
                    failures.push_str(&format!(
                        "--- attempt {attempt}: vsftpd on port {port} exited early ({status}) ---\n\
                         {output}"
                    ));
                    // Only a lost race for the port is worth another attempt
                    // ("500 OOPS: could not bind listening IPv4 socket");
                    // config errors fail at once.
                    let errors = files.startup_errors();
                    if !(errors.contains("bind") || errors.trim().is_empty()) {
                        panic!(
                            "vsftpd harness: vsftpd could not start\n\
                             {failures}--- config ---\n{config}"
                        );
                    }
                }
                Readiness::Fatal(reason) => {
                    kill_server(&mut child);
                    panic!(
                        "vsftpd harness: server on {addr} did not become ready: {reason}\n\
                         {failures}--- config ---\n{config}{}",
                        files.diagnostics()
                    );
                }
            }
        }
        let config = fs::read_to_string(&config_path).unwrap_or_default();
        panic!(
            "vsftpd harness: vsftpd failed to start after {START_ATTEMPTS} attempts\n\
             {failures}--- last config ---\n{config}"
        );
    }

    /// The value the caller set for `key`, if any.
    fn value(&self, key: &str) -> Option<&str> {
        self.overrides
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn set(&mut self, key: &str, value: String) {
        match self.overrides.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.overrides.push((key.to_owned(), value)),
        }
    }

    fn render(
        &self,
        port: u16,
        root: &Path,
        empty: &Path,
        log: &Path,
        banner: Option<&str>,
    ) -> String {
        let mut lines: Vec<(String, String)> = [
            ("listen", "YES".to_owned()),
            ("listen_ipv6", "NO".to_owned()),
            ("background", "NO".to_owned()),
            ("listen_address", "127.0.0.1".to_owned()),
            ("listen_port", port.to_string()),
            ("ftpd_banner", banner.unwrap_or_default().to_owned()),
            ("anonymous_enable", "NO".to_owned()),
            ("local_enable", "YES".to_owned()),
            ("write_enable", "YES".to_owned()),
            ("local_umask", "022".to_owned()),
            ("pam_service_name", "vsftpd".to_owned()),
            ("userlist_enable", "NO".to_owned()),
            ("tcp_wrappers", "NO".to_owned()),
            ("chroot_local_user", "YES".to_owned()),
            ("allow_writeable_chroot", "YES".to_owned()),
            ("local_root", path_str(root)),
            ("secure_chroot_dir", path_str(empty)),
            ("seccomp_sandbox", "NO".to_owned()),
            ("isolate", "NO".to_owned()),
            ("isolate_network", "NO".to_owned()),
            ("pasv_enable", "YES".to_owned()),
            ("pasv_address", "127.0.0.1".to_owned()),
            ("pasv_addr_resolve", "NO".to_owned()),
            ("port_enable", "YES".to_owned()),
            ("connect_from_port_20", "NO".to_owned()),
            ("dirmessage_enable", "NO".to_owned()),
            ("use_localtime", "NO".to_owned()),
            ("log_ftp_protocol", "YES".to_owned()),
            ("xferlog_enable", "YES".to_owned()),
            ("xferlog_std_format", "NO".to_owned()),
            ("dual_log_enable", "NO".to_owned()),
            ("syslog_enable", "NO".to_owned()),
            ("vsftpd_log_file", path_str(log)),
            ("ssl_enable", "NO".to_owned()),
        ]
        .into_iter()
        .filter(|(k, _)| *k != "ftpd_banner" || banner.is_some())
        .map(|(k, v)| (k.to_owned(), v))
        .collect();

        for (key, value) in &self.overrides {
            match lines.iter_mut().find(|(k, _)| k == key) {
                Some(entry) => entry.1 = value.clone(),
                None => lines.push((key.clone(), value.clone())),
            }
        }

        let mut out = String::from("# generated by test-support/src/vsftpd.rs\n");
        for (key, value) in lines {
            out.push_str(&format!("{key}={value}\n"));
        }
        out
    }
}

/// A running vsftpd; killed (and its temp dir removed) on drop.
#[derive(Debug)]
pub struct Vsftpd {
    child: Child,
    port: u16,
    root: PathBuf,
    config_path: PathBuf,
    files: Outputs,
    user: TestUser,
    // Declared last: removed only after the other fields are gone.
    dir: TempDir,
}

impl Vsftpd {
    /// A builder with the harness defaults (plain FTP, local user login,
    /// chroot to [`Vsftpd::root`], passive and active mode enabled).
    pub fn builder() -> VsftpdBuilder {
        VsftpdBuilder::default()
    }

    /// Starts a server with the plain defaults.
    pub fn start() -> Vsftpd {
        Self::builder().start()
    }

    /// The control port (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port))
    }

    /// The FTP login name.
    pub fn user(&self) -> &str {
        TEST_USER
    }

    /// The FTP password.
    pub fn password(&self) -> &str {
        TEST_PASSWORD
    }

    /// The server's `local_root`: the FTP user sees this directory as `/`.
    /// Files the test creates here as root are readable by the FTP user;
    /// call [`Vsftpd::chown_tree`] (or use [`Vsftpd::write_file`]) if the
    /// FTP user must also modify them or write into new directories.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The per-instance temp dir (config, log, root, ...).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The generated config file.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The vsftpd process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The protocol log so far (every command and reply, plus transfers).
    /// Empty until the first session has started (the readiness probe is the
    /// first session, so in practice it starts with a `CONNECT` line).
    /// vsftpd logs `PASS` commands as `PASS <password>`.
    pub fn log(&self) -> String {
        read_lossy(&self.files.log)
    }

    /// Gives everything below [`Vsftpd::root`] (including it) to the test
    /// user, e.g. after the test created files or directories there as root.
    pub fn chown_tree(&self) {
        chown_recursive(&self.root, self.user);
    }

    /// Writes `contents` to `ftp_path` below [`Vsftpd::root`] (a leading
    /// `/` is the FTP root; parent directories are created) and chowns the
    /// tree to the test user. Returns the local path.
    pub fn write_file(&self, ftp_path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let relative = ftp_path.as_ref();
        let path = self
            .root
            .join(relative.strip_prefix("/").unwrap_or(relative));
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap_or_else(|e| {
                panic!("vsftpd harness: cannot create {}: {e}", parent.display())
            });
        }
        fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("vsftpd harness: cannot write {}: {e}", path.display()));
        self.chown_tree();
        path
    }
}

impl Drop for Vsftpd {
    fn drop(&mut self) {
        kill_server(&mut self.child);
        if std::thread::panicking() {
            eprintln!(
                "===== vsftpd on {} (pid {}) =====\n{}=====",
                self.addr(),
                self.child.id(),
                self.files.diagnostics()
            );
        }
        // `self.dir` (TempDir) removes the directory when dropped after this.
    }
}

// ---------------------------------------------------------------------------
// readiness

#[derive(Clone, Copy)]
enum Probe<'a> {
    /// Expect a `220` greeting, containing the token if there is one.
    Greeting(Option<&'a str>),
    /// Implicit TLS: expect a `CONNECT` line in our own log file after
    /// connecting (only our server writes that file).
    ConnectLogged(&'a Path),
}

fn probe_once(addr: SocketAddr, deadline: Instant, kind: Probe<'_>) -> Result<(), ProbeError> {
    let remaining = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(10));
    let stream = TcpStream::connect_timeout(&addr, remaining.min(Duration::from_secs(1)))
        .map_err(|e| ProbeError::Retry(format!("connect: {e}")))?;
    let token = match kind {
        Probe::Greeting(token) => token,
        Probe::ConnectLogged(log) => {
            // Keep the connection open until the session has logged it;
            // give up after a second so that the caller checks the child.
            let deadline = deadline.min(Instant::now() + Duration::from_secs(1));
            loop {
                if read_lossy(log).contains("CONNECT: Client") {
                    return Ok(());
                }
                let now = Instant::now();
                if now >= deadline {
                    return Err(ProbeError::Retry(
                        "connected, but the server never logged the connection".to_owned(),
                    ));
                }
                std::thread::sleep(POLL_INTERVAL.min(deadline - now));
            }
        }
    };
    stream
        .set_read_timeout(Some(remaining.min(Duration::from_secs(1))))
        .map_err(|e| ProbeError::Retry(format!("set_read_timeout: {e}")))?;
    let mut line = String::new();
    BufReader::new(stream.take(4096))
        .read_line(&mut line)
        .map_err(|e| ProbeError::Retry(format!("reading greeting: {e}")))?;
    if line.contains("OOPS") {
        // vsftpd reports session setup errors (bad config) this way.
        return Err(ProbeError::Fatal(format!("greeting: {}", line.trim_end())));
    }
    if !line.starts_with("220") {
        return Err(ProbeError::Retry(format!(
            "unexpected greeting {:?}",
            line.trim_end()
        )));
    }
    if let Some(token) = token {
        if !line.contains(token) {
            return Err(ProbeError::Retry(format!(
                "greeting from another server: {:?}",
                line.trim_end()
            )));
        }
    }
    Ok(())
}

/// Where vsftpd's output goes (files in the temp dir, not pipes).
#[derive(Debug)]
struct Outputs {
    /// vsftpd's stdin. vsftpd writes fatal errors ("500 OOPS: ...") to fd 0
    /// (the control connection in inetd mode), so this is a writable file.
    fd0: PathBuf,
    stdout: PathBuf,
    stderr: PathBuf,
    /// The protocol log (`vsftpd_log_file`).
    log: PathBuf,
}

impl Outputs {
    fn new(dir: &Path) -> Self {
        Outputs {
            fd0: dir.join("vsftpd.fd0"),
            stdout: dir.join("vsftpd.stdout"),
            stderr: dir.join("vsftpd.stderr"),
            log: dir.join("vsftpd.log"),
        }
    }

    /// A fresh, empty, read-write file for vsftpd's fd 0.
    fn open_stdin(&self) -> fs::File {
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&self.fd0)
            .unwrap_or_else(|e| panic!("vsftpd harness: cannot create {}: {e}", self.fd0.display()))
    }

    /// Everything vsftpd itself printed (fd 0, stdout, stderr).
    fn startup_errors(&self) -> String {
        [&self.fd0, &self.stdout, &self.stderr]
            .into_iter()
            .map(|p| read_lossy(p))
            .collect()
    }

    fn output(&self) -> String {
        format!(
            "--- vsftpd fd 0 (fatal errors) ---\n{}\n--- vsftpd stdout ---\n{}\n\
             --- vsftpd stderr ---\n{}\n",
            read_lossy(&self.fd0).trim_end(),
            read_lossy(&self.stdout).trim_end(),
            read_lossy(&self.stderr).trim_end()
        )
    }

    fn diagnostics(&self) -> String {
        format!(
            "{}--- vsftpd protocol log ---\n{}",
            self.output(),
            read_lossy(&self.log)
        )
    }
}

// ---------------------------------------------------------------------------
// the shared test user

#[derive(Debug, Clone, Copy)]
struct TestUser {
    uid: u32,
    gid: u32,
}

/// Creates (if needed) the test account and sets its password, once per
/// process. Panics with the reason if that is impossible.
fn test_user() -> TestUser {
    static USER: OnceLock<Result<TestUser, String>> = OnceLock::new();
    match USER.get_or_init(setup_test_user) {
        Ok(user) => *user,
        Err(e) => panic!("vsftpd harness: cannot set up FTP test user {TEST_USER:?}: {e}"),
    }
}

/// Makes sure the test account exists with its password, for the SOCKS5 proxy harness,
/// whose user/password method checks system accounts.
pub(crate) fn ensure_test_user() {
    test_user();
}

fn setup_test_user() -> Result<TestUser, String> {
    // Serialize with other test processes (e.g. nextest, or several test
    // binaries at once): two concurrent `useradd`s of the same name can both
    // "succeed", the second replacing the first entry with a new uid and a
    // locked password.
    let _lock = UserSetupLock::acquire();

    // pam_shells (in Debian's /etc/pam.d/vsftpd) rejects users whose shell is
    // not listed in /etc/shells.
    let shells_text = fs::read_to_string("/etc/shells").unwrap_or_default();
    let shells: Vec<&str> = shells_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();

    if passwd_entry().is_none() {
        let shell = ["/bin/bash", "/bin/sh", "/usr/bin/bash", "/usr/bin/sh"]
            .into_iter()
            .find(|s| shells.contains(s) && Path::new(s).exists())
            .ok_or_else(|| format!("no usable shell listed in /etc/shells: {shells:?}"))?;
        // -M: don't create a home. vsftpd chdir()s to the home directory
        // before it switches to local_root and fails the login ("500 OOPS:
        // cannot change directory") if that fails, so the home must exist: "/".
        let result = run(
            Command::new("useradd")
                .args(["-M", "-d", "/", "-s", shell])
                .args(["-c", "ftpkit test suite (vsftpd harness)", TEST_USER]),
            None,
        );
        // Should another process have created the user meanwhile (without
        // the lock), useradd fails; fine as long as the user exists now.
        if passwd_entry().is_none() {
            return Err(format!(
                "useradd failed: {}",
                result.err().unwrap_or_default()
            ));
        }
    }
    let mut entry = passwd_entry().ok_or("user vanished after creation")?;

    let home = entry.get(5).map(String::as_str).unwrap_or_default();
    if !Path::new(home).is_dir() {
        run(Command::new("usermod").args(["-d", "/", TEST_USER]), None)
            .map_err(|e| format!("home {home:?} does not exist and usermod failed: {e}"))?;
        entry = passwd_entry().ok_or("user vanished after usermod")?;
    }

    let shell = entry.get(6).map(String::as_str).unwrap_or_default();
    if !shells.contains(&shell) {
        return Err(format!(
            "its shell {shell:?} is not listed in /etc/shells, so pam_shells would refuse \
             the login; fix with: usermod -s /bin/bash {TEST_USER}"
        ));
    }
    let ftpusers = fs::read_to_string("/etc/ftpusers").unwrap_or_default();
    if ftpusers.lines().any(|l| l.trim() == TEST_USER) {
        return Err(
            "it is listed in /etc/ftpusers, so PAM (pam_listfile) would refuse \
                    the login; remove it from there"
                .to_owned(),
        );
    }

    // Always (re)set the password: idempotent, and repairs a user whose
    // password was never set. chpasswd waits for the shadow lock itself;
    // retry a few times in case it still lost.
    let input = format!("{TEST_USER}:{TEST_PASSWORD}\n");
    let mut last = Ok(());
    for _ in 0..3 {
        last = run(&mut Command::new("chpasswd"), Some(input.as_bytes()));
        if last.is_ok() {
            break;
        }
    }
    last.map_err(|e| format!("chpasswd failed: {e}"))?;

    let parse = |i: usize| {
        entry
            .get(i)
            .and_then(|s| s.parse::<u32>().ok())
            .ok_or_else(|| format!("bad passwd entry {entry:?}"))
    };
    Ok(TestUser {
        uid: parse(2)?,
        gid: parse(3)?,
    })
}

/// A lock shared by all test processes on the machine, held while the test
/// user is set up: a `flock(1)` child that holds the lock until its stdin is
/// closed. Best effort: without `flock` the setup runs unlocked.
struct UserSetupLock(Option<Child>);

impl UserSetupLock {
    fn acquire() -> Self {
        let lock_file = std::env::temp_dir().join("ftpclient-test-user.lock");
        let child = Command::new("flock")
            .args(["-w", "120"])
            .arg(&lock_file)
            .args(["sh", "-c", "echo locked && read _"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = child else {
            return UserSetupLock(None);
        };
        // Blocks until flock has the lock (or gave up: then EOF).
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        UserSetupLock(Some(child))
    }
}

impl Drop for UserSetupLock {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            // Closing its stdin ends `read`, which releases the lock.
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

/// The test user's `/etc/passwd` fields (via `getent`), if it exists.
fn passwd_entry() -> Option<Vec<String>> {
    let out = Command::new("getent")
        .args(["passwd", TEST_USER])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<String> = line.trim_end().split(':').map(str::to_owned).collect();
    (fields.len() == 7).then_some(fields)
}

/// Runs a command to completion, feeding `input` to its stdin.
fn run(cmd: &mut Command, input: Option<&[u8]>) -> Result<(), String> {
    let mut child = cmd
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin
            .write_all(input)
            .map_err(|e| format!("{cmd:?}: writing stdin: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?}: {}: {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

// ---------------------------------------------------------------------------
// file system helpers

fn check_key(key: &str) {
    assert!(
        !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "vsftpd harness: invalid config key {key:?}"
    );
    assert!(
        !MANAGED_KEYS.contains(&key),
        "vsftpd harness: config key {key:?} is managed by the harness and cannot be overridden"
    );
}

fn path_str(path: &Path) -> String {
    let s = path
        .to_str()
        .unwrap_or_else(|| panic!("vsftpd harness: path is not UTF-8: {}", path.display()));
    assert!(
        !s.contains(['\n', '\r']),
        "vsftpd harness: path contains a line break: {s:?}"
    );
    s.to_owned()
}

fn make_dir(path: &Path, mode: u32) {
    fs::create_dir(path)
        .unwrap_or_else(|e| panic!("vsftpd harness: cannot create {}: {e}", path.display()));
    set_mode(path, mode);
}

fn lchown(path: &Path, user: TestUser) {
    std::os::unix::fs::lchown(path, Some(user.uid), Some(user.gid))
        .unwrap_or_else(|e| panic!("vsftpd harness: cannot chown {}: {e}", path.display()));
}

fn chown_recursive(path: &Path, user: TestUser) {
    lchown(path, user);
    let meta = fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("vsftpd harness: cannot stat {}: {e}", path.display()));
    if meta.is_dir() {
        let entries = fs::read_dir(path)
            .unwrap_or_else(|e| panic!("vsftpd harness: cannot list {}: {e}", path.display()));
        for entry in entries {
            let entry = entry
                .unwrap_or_else(|e| panic!("vsftpd harness: cannot list {}: {e}", path.display()));
            chown_recursive(&entry.path(), user);
        }
    }
}
