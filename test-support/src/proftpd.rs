//! Test harness that runs a real ProFTPD (Debian 12's 1.3.8, with mod_digest
//! and, for FTPS, mod_tls) on loopback, with a generated config file and
//! private temp directories.
//!
//! ```ignore
//! use ftpkit_test_support::proftpd::{require_proftpd, Proftpd};
//!
//! #[test]
//! fn something() {
//!     if !require_proftpd() {
//!         return;
//!     }
//!     let server = Proftpd::start();
//!     // connect to server.addr(), log in with server.user() / server.password()
//! }
//! ```
//!
//! ProFTPD is not installed as a Debian package: vsftpd, proftpd-core and
//! pure-ftpd all declare `Conflicts: ftp-server`, and the suite needs vsftpd.
//! Instead `scripts/proftpd-unpack` (run by `scripts/test` and `.ci/run`)
//! unpacks `proftpd-core` and `proftpd-mod-crypto` with `dpkg -x` into
//! [`DEFAULT_ROOT`] (or `$PROFTPD_ROOT`) and installs their libraries; the
//! harness runs `ROOT/usr/sbin/proftpd -n` with `ModulePath ROOT/usr/lib/proftpd`.
//! A system-wide install (`/usr/sbin/proftpd`) is used when neither exists.
//!
//! Every server gets its own temp dir (removed on drop) holding the config,
//! the FTP root ([`Proftpd::root`], the login's home, chrooted with
//! `DefaultRoot ~`), the pid and scoreboard files and the logs. Logins use a
//! virtual user from a generated `AuthUserFile` (`AuthOrder mod_auth_file.c`:
//! no PAM, no system account), mapped to the `nobody`/`nogroup` ids, with a
//! SHA-512 crypt hash made by `openssl passwd -6`. The harness must run as
//! root (ProFTPD chroots and switches ids).
//!
//! What ProFTPD 1.3.8 does that tests may trip over (measured here):
//! - After a session process exits, the master sleeps 200 ms (its `select()` was
//!   interrupted by SIGCHLD) before it accepts again, so a session opened right
//!   after another one ended gets its `220` 200-400 ms late. No hang, but it adds
//!   up; the harness's own readiness probe costs the first session up to that.
//!   mod_delay, which pads `USER`/`PASS` replies, is turned off here.
//! - mod_digest answers every hash command in two lines, a progress note first:
//!   `213-Computing SHA-256 digest` / `213 SHA-256 0-<size> <hex> <name>` for
//!   `HASH` (lower-case hex), `250-Computing SHA256 digest` / `250 <HEX>` for
//!   `XSHA256`, `XSHA1`, `XMD5`, `XCRC` (upper case). `FEAT` lists
//!   `HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;` (SHA-1 selected, a trailing `;`).
//! - mod_digest caches digests by path, size and mtime in whole seconds: a file
//!   rewritten behind the server's back within the same second and at the same
//!   size gets the old hash. Uploads through FTP are fine; otherwise the config
//!   needs `DigestCache off`.
//! - The protocol log has `OPTS` twice, as `OPTS_HASH "OPTS_HASH SHA-256" 200`
//!   and as `OPTS "OPTS HASH SHA-256" - "-"`.
//! - A data connection that does not resume the control connection's TLS
//!   session is refused with `425 Unable to build data connection: Operation
//!   not permitted` (the TLS log says "client did not reuse TLS session").
//! - In the foreground (`-n`) ProFTPD writes its system log to stderr.
//!
//! If a test panics while a [`Proftpd`] is alive, its drop prints the
//! protocol log (every command with its final reply), the transfer log, the
//! TLS log and ProFTPD's stdout/stderr (its system log: in the foreground it
//! writes that to stderr), so they show up in the failing test's captured
//! output.

use crate::daemon::{
    create_file, free_port, kill_server, read_lossy, set_mode, wait_ready, ProbeError, Readiness,
};
use std::collections::hash_map::RandomState;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use tempfile::TempDir;

/// Where `scripts/proftpd-unpack` puts the unpacked packages unless
/// `$PROFTPD_ROOT` says otherwise.
pub const DEFAULT_ROOT: &str = "/opt/ftp-client-test/proftpd";
/// The environment variable naming the unpacked tree.
pub const ROOT_ENV: &str = "PROFTPD_ROOT";
/// The virtual FTP account every harness server accepts.
pub const PROFTPD_USER: &str = "ftpclient-proftpd";
/// Its password.
pub const PROFTPD_PASSWORD: &str = "Hq4w-Nc8e-Yt2r-Bm6k";

/// Start attempts (each on a fresh port) before giving up.
const START_ATTEMPTS: usize = 4;
/// Size of each server's passive port range.
const PASSIVE_PORTS: u16 = 64;

/// An unpacked (or installed) ProFTPD: the binary and its module directory.
#[derive(Debug, Clone)]
pub struct Install {
    /// `.../usr/sbin/proftpd`.
    pub bin: PathBuf,
    /// `.../usr/lib/proftpd` (mod_digest.so, mod_tls.so).
    pub modules: PathBuf,
}

/// Finds a usable ProFTPD, once per process: `$PROFTPD_ROOT` if set, else
/// [`DEFAULT_ROOT`], else the system's `/usr/sbin/proftpd`. `Err` says what
/// is missing or broken (e.g. a shared library not installed).
pub fn install() -> Result<&'static Install, &'static str> {
    static INSTALL: OnceLock<Result<Install, String>> = OnceLock::new();
    INSTALL
        .get_or_init(find_install)
        .as_ref()
        .map_err(String::as_str)
}

fn find_install() -> Result<Install, String> {
    let roots: Vec<PathBuf> = match std::env::var_os(ROOT_ENV).filter(|v| !v.is_empty()) {
        Some(root) => vec![PathBuf::from(root)],
        None => vec![PathBuf::from(DEFAULT_ROOT), PathBuf::from("/")],
    };
    let mut why = Vec::new();
    for root in &roots {
        let bin = root.join("usr/sbin/proftpd");
        let modules = root.join("usr/lib/proftpd");
        if !bin.is_file() {
            why.push(format!("{} not found", bin.display()));
            continue;
        }
        let missing: Vec<String> = ["mod_digest.so", "mod_tls.so"]
            .iter()
            .filter(|m| !modules.join(m).is_file())
            .map(|m| modules.join(m).display().to_string())
            .collect();
        if !missing.is_empty() {
            why.push(format!("{} not found", missing.join(", ")));
            continue;
        }
        // Runs it: a missing shared library shows here, not as a start failure.
        let out = Command::new(&bin)
            .arg("-v")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !out.status.success() {
            why.push(format!(
                "{} -v failed ({}): {}",
                bin.display(),
                out.status,
                text.trim()
            ));
            continue;
        }
        return Ok(Install { bin, modules });
    }
    Err(why.join("; "))
}

/// Call at the top of every ProFTPD test: `if !require_proftpd() { return; }`.
///
/// Returns `true` if ProFTPD is there and runs. If not, panics when the `CI`
/// environment variable is set to a non-empty value, and otherwise prints a
/// loud note to stderr and returns `false` so the test can skip itself.
pub fn require_proftpd() -> bool {
    let why = match install() {
        Ok(_) => return true,
        Err(why) => why,
    };
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!(
            "ProFTPD is required in CI ({why}): run scripts/proftpd-unpack as root \
             (it unpacks proftpd-core and proftpd-mod-crypto into {DEFAULT_ROOT}, \
             or into ${ROOT_ENV})"
        );
    }
    eprintln!(
        "\n\
         ************************************************************\n\
         * SKIPPING ProFTPD integration test: {why}.\n\
         * Unpack it with (as root): scripts/proftpd-unpack\n\
         * (scripts/test does that itself when run as root.)\n\
         * (With CI set, this is a hard failure.)\n\
         ************************************************************\n"
    );
    false
}

/// Builder for a [`Proftpd`] instance; get one with [`Proftpd::builder`].
#[derive(Debug, Clone, Default)]
pub struct ProftpdBuilder {
    tls: Option<(PathBuf, PathBuf)>,
    tls_required: Option<String>,
    extra: Vec<String>,
}

impl ProftpdBuilder {
    /// Explicit FTPS as a production server runs it: `TLSEngine on`,
    /// `TLSRequired on` (control and data), `TLSProtocol TLSv1.2 TLSv1.3`,
    /// and mod_tls's default that data connections must resume the control
    /// connection's TLS session. The certificate may be EC (rcgen's default)
    /// or RSA.
    pub fn tls(mut self, cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Self {
        self.tls = Some((cert.as_ref().to_owned(), key.as_ref().to_owned()));
        self
    }

    /// Replaces `TLSRequired on` (with [`tls`](Self::tls)), e.g. `auth+data` for a server
    /// that allows `CCC` after the login.
    pub fn tls_required(mut self, value: &str) -> Self {
        self.tls_required = Some(value.to_owned());
        self
    }

    /// Appends configuration text; `{port}` stands for the server's port, `{passwd}` and
    /// `{group}` for the harness's auth files (a `<VirtualHost>` needs its own
    /// `AuthUserFile`).
    pub fn extra(mut self, text: &str) -> Self {
        self.extra.push(text.to_owned());
        self
    }

    /// Starts the server and waits until it greets with `220` and the
    /// harness's own banner token. Retried on a new port if ProFTPD exits
    /// because another process took the port; panics with ProFTPD's output
    /// and the config if it cannot be started.
    pub fn start(self) -> Proftpd {
        let install = install().unwrap_or_else(|why| panic!("proftpd harness: {why}"));
        let (uid, gid) = (id_of("passwd", "nobody"), id_of("group", "nogroup"));

        let dir = tempfile::Builder::new()
            .prefix("proftpd-harness-")
            .tempdir()
            .unwrap_or_else(|e| panic!("proftpd harness: cannot create temp dir: {e}"));
        // Not world-writable (ProFTPD refuses such scoreboard directories),
        // but traversable by the session user.
        set_mode(dir.path(), 0o755);
        let root = dir.path().join("root");
        fs::create_dir(&root)
            .unwrap_or_else(|e| panic!("proftpd harness: cannot create {}: {e}", root.display()));
        set_mode(&root, 0o755);
        chown(&root, uid, gid);

        let files = Files::new(dir.path());
        let hash = crypt_sha512(PROFTPD_PASSWORD);
        write_private(
            &files.passwd,
            &format!(
                "{PROFTPD_USER}:{hash}:{uid}:{gid}:ftpkit test suite:{}:/bin/false\n",
                path_str(&root)
            ),
        );
        write_private(&files.group, &format!("ftpclient-proftpd:x:{gid}:\n"));

        let token = dir
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let banner = format!("proftpd test server {token}");
        let config_path = dir.path().join("proftpd.conf");

        let mut failures = String::new();
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port();
            let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
            let config = self.render(install, port, &banner, &files);
            write_private(&config_path, &config);
            let mut child = Command::new(&install.bin)
                .arg("-n")
                .arg("-c")
                .arg(&config_path)
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(create_file(&files.stdout))
                .stderr(create_file(&files.stderr))
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "proftpd harness: cannot spawn {}: {e}",
                        install.bin.display()
                    )
                });
            match wait_ready(&mut child, |_| {
                probe(addr, &banner).map_err(ProbeError::Retry)
            }) {
                Readiness::Ready => {
                    return Proftpd {
                        child,
                        port,
                        root,
                        files,
                        uid,
                        gid,
                        _dir: dir,
                    };
                }
                Readiness::Exited(status) => {
                    let output = files.diagnostics();
                    failures.push_str(&format!(
                        "--- attempt {attempt}: proftpd on port {port} exited early ({status}) ---\n\
                         {output}"
                    ));
                    // Only a lost race for the port is worth another attempt.
                    if !output.contains("Address already in use") {
                        panic!(
                            "proftpd harness: proftpd could not start\n\
                             {failures}--- config ---\n{config}"
                        );
                    }
                }
                Readiness::Fatal(reason) => {
                    kill_server(&mut child);
                    panic!(
                        "proftpd harness: server on {addr} did not become ready: {reason}\n\
                         {failures}--- config ---\n{config}{}",
                        files.diagnostics()
                    );
                }
            }
        }
        let config = fs::read_to_string(&config_path).unwrap_or_default();
        panic!(
            "proftpd harness: proftpd failed to start after {START_ATTEMPTS} attempts\n\
             {failures}--- last config ---\n{config}"
        );
    }

    fn render(&self, install: &Install, port: u16, banner: &str, files: &Files) -> String {
        let (pasv_lo, pasv_hi) = passive_range();
        let mut c = String::from("# generated by test-support/src/proftpd.rs\n");
        let mut line = |s: String| {
            c.push_str(&s);
            c.push('\n');
        };
        line(format!("ModulePath {}", path_str(&install.modules)));
        line("LoadModule mod_digest.c".into());
        if self.tls.is_some() {
            line("LoadModule mod_tls.c".into());
        }
        line("ServerType standalone".into());
        line("ServerName \"ftpkit test\"".into());
        line(format!("ServerIdent on \"{banner}\""));
        line("DefaultAddress 127.0.0.1".into());
        line("SocketBindTight on".into());
        line("UseIPv6 off".into());
        line(format!("Port {port}"));
        line(format!("PassivePorts {pasv_lo} {pasv_hi}"));
        line("User nobody".into());
        line("Group nogroup".into());
        line(format!("PidFile {}", path_str(&files.pid)));
        line(format!("ScoreboardFile {}", path_str(&files.scoreboard)));
        // mod_delay (compiled in) pads USER/PASS replies against timing
        // attacks; it makes back-to-back logins stall.
        line("<IfModule mod_delay.c>".into());
        line("  DelayEngine off".into());
        line("</IfModule>".into());
        line("UseReverseDNS off".into());
        line("<IfModule mod_ident.c>".into());
        line("  IdentLookups off".into());
        line("</IfModule>".into());
        line("WtmpLog off".into());
        line("RequireValidShell off".into());
        line("AuthOrder mod_auth_file.c".into());
        line(format!("AuthUserFile {}", path_str(&files.passwd)));
        line(format!("AuthGroupFile {}", path_str(&files.group)));
        line("DefaultRoot ~".into());
        line("AllowOverwrite on".into());
        line("Umask 022".into());
        line("TimesGMT on".into());
        line("MaxInstances 30".into());
        line(format!("TransferLog {}", path_str(&files.xfer_log)));
        line("LogFormat proto \"%t %a %m \\\"%r\\\" %s \\\"%S\\\"\"".into());
        line(format!("ExtendedLog {} ALL proto", path_str(&files.log)));
        line("DigestEngine on".into());
        line("DigestAlgorithms all".into());
        if let Some((cert, key)) = &self.tls {
            let kind = if key_is_ec(key) { "EC" } else { "RSA" };
            line("TLSEngine on".into());
            line(format!("TLSLog {}", path_str(&files.tls_log)));
            line(format!(
                "TLSRequired {}",
                self.tls_required.as_deref().unwrap_or("on")
            ));
            line("TLSProtocol TLSv1.2 TLSv1.3".into());
            line(format!("TLS{kind}CertificateFile {}", path_str(cert)));
            line(format!("TLS{kind}CertificateKeyFile {}", path_str(key)));
            line("TLSVerifyClient off".into());
        }
        for text in &self.extra {
            line(
                text.replace("{port}", &port.to_string())
                    .replace("{passwd}", &path_str(&files.passwd))
                    .replace("{group}", &path_str(&files.group)),
            );
        }
        c
    }
}

/// A running ProFTPD; killed (and its temp dir removed) on drop.
#[derive(Debug)]
pub struct Proftpd {
    child: Child,
    port: u16,
    root: PathBuf,
    files: Files,
    uid: u32,
    gid: u32,
    // Declared last: removed only after the other fields are gone.
    _dir: TempDir,
}

impl Proftpd {
    /// A builder with the harness defaults (plain FTP, mod_digest on).
    pub fn builder() -> ProftpdBuilder {
        ProftpdBuilder::default()
    }

    /// Starts a plain-FTP server with the defaults.
    pub fn start() -> Proftpd {
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
        PROFTPD_USER
    }

    /// The FTP password.
    pub fn password(&self) -> &str {
        PROFTPD_PASSWORD
    }

    /// The login's home, which it sees as `/`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The protocol log so far: one line per command, with its final reply
    /// (`127.0.0.1 HASH "HASH big.bin" 213 "SHA-256 0-... big.bin"`).
    /// Passwords appear as `PASS (hidden)`.
    pub fn log(&self) -> String {
        read_lossy(&self.files.log)
    }

    /// ProFTPD's stdout and stderr (run with `-n`, it writes its system log, session
    /// openings, logins and errors, to stderr) and the TLS log.
    pub fn output(&self) -> String {
        self.files.output()
    }

    /// Writes `contents` to `ftp_path` below [`Proftpd::root`] (a leading
    /// `/` is the FTP root; parent directories are created) and gives the
    /// new file and directories to the login's uid. Returns the local path.
    pub fn write_file(&self, ftp_path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let relative = ftp_path.as_ref();
        let relative = relative.strip_prefix("/").unwrap_or(relative);
        let path = self.root.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap_or_else(|e| {
                panic!("proftpd harness: cannot create {}: {e}", parent.display())
            });
        }
        fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("proftpd harness: cannot write {}: {e}", path.display()));
        let mut p = self.root.clone();
        for part in relative.components() {
            p.push(part);
            chown(&p, self.uid, self.gid);
        }
        path
    }
}

impl Drop for Proftpd {
    fn drop(&mut self) {
        kill_server(&mut self.child);
        if std::thread::panicking() {
            eprintln!(
                "===== proftpd on {} (pid {}) =====\n{}=====",
                self.addr(),
                self.child.id(),
                self.files.diagnostics()
            );
        }
    }
}

// ---------------------------------------------------------------------------
// readiness

/// Connects, expects `220 <banner>`, and says `QUIT` (so that the probe's
/// session ends at once instead of idling until the server is killed).
fn probe(addr: SocketAddr, banner: &str) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))
        .map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| format!("set_read_timeout: {e}"))?;
    let mut line = String::new();
    BufReader::new((&stream).take(4096))
        .read_line(&mut line)
        .map_err(|e| format!("reading greeting: {e}"))?;
    let _ = stream.write_all(b"QUIT\r\n");
    if !line.starts_with("220") {
        return Err(format!("unexpected greeting {:?}", line.trim_end()));
    }
    if !line.contains(banner) {
        return Err(format!(
            "greeting from another server: {:?}",
            line.trim_end()
        ));
    }
    Ok(())
}

/// A random window of [`PASSIVE_PORTS`] ports in 49152..=60999. ProFTPD
/// tries another port of the window when one is taken (and falls back to any
/// port if all are), so overlapping windows of parallel servers are harmless.
fn passive_range() -> (u16, u16) {
    let span = u64::from(60999 - 49152 - PASSIVE_PORTS);
    let lo = 49152 + (RandomState::new().build_hasher().finish() % span) as u16;
    (lo, lo + PASSIVE_PORTS - 1)
}

// ---------------------------------------------------------------------------
// files

#[derive(Debug)]
struct Files {
    passwd: PathBuf,
    group: PathBuf,
    pid: PathBuf,
    scoreboard: PathBuf,
    stdout: PathBuf,
    stderr: PathBuf,
    xfer_log: PathBuf,
    tls_log: PathBuf,
    /// The protocol log (`ExtendedLog ... ALL`).
    log: PathBuf,
}

impl Files {
    fn new(dir: &Path) -> Self {
        Files {
            passwd: dir.join("passwd"),
            group: dir.join("group"),
            pid: dir.join("proftpd.pid"),
            scoreboard: dir.join("proftpd.scoreboard"),
            stdout: dir.join("proftpd.stdout"),
            stderr: dir.join("proftpd.stderr"),
            xfer_log: dir.join("xfer.log"),
            tls_log: dir.join("tls.log"),
            log: dir.join("proto.log"),
        }
    }

    fn output(&self) -> String {
        format!(
            "--- proftpd stdout ---\n{}\n--- proftpd stderr (its system log) ---\n{}\n\
             --- TLS log ---\n{}\n",
            read_lossy(&self.stdout).trim_end(),
            read_lossy(&self.stderr).trim_end(),
            read_lossy(&self.tls_log).trim_end(),
        )
    }

    fn diagnostics(&self) -> String {
        format!(
            "{}--- protocol log ---\n{}\n--- transfer log ---\n{}\n",
            self.output(),
            read_lossy(&self.log).trim_end(),
            read_lossy(&self.xfer_log).trim_end()
        )
    }
}

/// A SHA-512 crypt(3) hash (`$6$...`) of `password`, from `openssl passwd`.
fn crypt_sha512(password: &str) -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let mut child = Command::new("openssl")
            .args(["passwd", "-6", "-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("proftpd harness: cannot run openssl passwd (apt-get install openssl): {e}")
            });
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{password}\n").as_bytes())
            .expect("proftpd harness: writing to openssl passwd");
        let out = child.wait_with_output().expect("openssl passwd");
        let hash = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(
            out.status.success() && hash.starts_with("$6$"),
            "proftpd harness: openssl passwd -6 failed: {}{}",
            hash,
            String::from_utf8_lossy(&out.stderr)
        );
        hash
    })
    .clone()
}

/// Whether the PEM private key is an EC key (rcgen's default) rather than RSA.
fn key_is_ec(key: &Path) -> bool {
    let pem = fs::read(key)
        .unwrap_or_else(|e| panic!("proftpd harness: cannot read {}: {e}", key.display()));
    let key = openssl::pkey::PKey::private_key_from_pem(&pem)
        .unwrap_or_else(|e| panic!("proftpd harness: bad key {}: {e}", key.display()));
    key.id() == openssl::pkey::Id::EC
}

/// The numeric id of `name` in the `passwd` or `group` database (65534, the
/// usual nobody/nogroup id, if it has none).
fn id_of(db: &str, name: &str) -> u32 {
    Command::new("getent")
        .args([db, name])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split(':')
                .nth(2)
                .and_then(|s| s.trim().parse().ok())
        })
        .unwrap_or(65534)
}

fn path_str(path: &Path) -> String {
    let s = path
        .to_str()
        .unwrap_or_else(|| panic!("proftpd harness: path is not UTF-8: {}", path.display()));
    assert!(
        !s.contains(['\n', '\r', '"', ' ']),
        "proftpd harness: path unfit for a config line: {s:?}"
    );
    s.to_owned()
}

fn write_private(path: &Path, contents: &str) {
    fs::write(path, contents)
        .unwrap_or_else(|e| panic!("proftpd harness: cannot write {}: {e}", path.display()));
    set_mode(path, 0o600);
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("proftpd harness: cannot chown {}: {e}", path.display()));
}
