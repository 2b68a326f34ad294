//! The session: connect, greet, upgrade to TLS, log in, and every command.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use log::{debug, info};
use socket2::{Domain, Protocol, SockRef, Socket, TcpKeepalive, Type};

use crate::command::{check_arg, Command};
use crate::config::{Config, DataMode, Limits, PasvAddress, Timeouts, TlsMode};
use crate::control::{Control, LineBuf, LineError, Stream};
use crate::data::{self, PassiveKind};
use crate::deadline::{far_instant, Deadline, Wait};
use crate::error::{Error, Phase, Result};
use crate::feat::Features;
use crate::hash::{self, HashAlgorithm, RemoteHash};
use crate::hint::Hint;
use crate::list::{self, ListEntry};
use crate::reply::{expect, Reply};
use crate::tls::{TlsConnector, TlsInfo};
use crate::transfer::{Download, Upload};

/// ASCII or binary transfers (`TYPE A` / `TYPE I`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferType {
    /// `TYPE A`: for text. The server converts line endings to and from its own
    /// convention (when it is configured to: vsftpd is not, by default); this client moves
    /// the bytes unchanged in both directions (no CRLF/LF conversion of its own).
    Ascii,
    /// `TYPE I`: bytes as they are. The default for transfers.
    Binary,
}

/// Progress of a copy: bytes moved so far and the total when known.
pub type ProgressFn<'p> = &'p mut dyn FnMut(u64, Option<u64>);

/// Settings for a new session; [`ClientBuilder::connect`] opens it.
///
/// ```no_run
/// use ftpkit_core::{Client, TlsMode};
/// # fn main() -> Result<(), ftpkit_core::Error> {
/// // Plain FTP must be asked for by name: the default is explicit TLS.
/// let mut ftp = Client::builder("127.0.0.1").port(2121).tls_mode(TlsMode::None).connect()?;
/// ftp.login("anonymous", "guest@")?;
/// let names = ftp.nlst(None)?;
/// println!("{names:?}");
/// ftp.quit()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    host: String,
    port: Option<u16>,
    config: Config,
}

impl ClientBuilder {
    /// Starts from the defaults for `host` (a name, an IPv4 address or an IPv6 address).
    pub fn new(host: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            host: host.into(),
            port: None,
            config: Config::default(),
        }
    }

    /// The port; defaults to 21, or 990 in implicit TLS mode.
    pub fn port(mut self, port: u16) -> ClientBuilder {
        self.port = Some(port);
        self
    }

    /// All deadlines at once.
    pub fn timeouts(mut self, t: Timeouts) -> ClientBuilder {
        self.config.timeouts = t;
        self
    }

    /// The TCP connect deadline.
    pub fn connect_timeout(mut self, d: Duration) -> ClientBuilder {
        self.config.timeouts.connect = d;
        self
    }

    /// The deadline for each whole reply.
    pub fn reply_timeout(mut self, d: Duration) -> ClientBuilder {
        self.config.timeouts.reply = d;
        self
    }

    /// The TLS handshake deadline (control and data connections).
    pub fn handshake_timeout(mut self, d: Duration) -> ClientBuilder {
        self.config.timeouts.handshake = d;
        self
    }

    /// The data connection connect/accept deadline.
    pub fn data_connect_timeout(mut self, d: Duration) -> ClientBuilder {
        self.config.timeouts.data_connect = d;
        self
    }

    /// How long a data connection may stay silent.
    pub fn idle_timeout(mut self, d: Duration) -> ClientBuilder {
        self.config.timeouts.idle = d;
        self
    }

    /// Passive (default) or active data connections.
    pub fn data_mode(mut self, mode: DataMode) -> ClientBuilder {
        self.config.data_mode = mode;
        self
    }

    /// What to do with the address in a PASV reply.
    pub fn pasv_address(mut self, p: PasvAddress) -> ClientBuilder {
        self.config.pasv_address = p;
        self
    }

    /// In active mode, accept data connections from any address, not only the control peer.
    pub fn dangerous_active_accept_any_peer(mut self, yes: bool) -> ClientBuilder {
        self.config.active_accept_any_peer = yes;
        self
    }

    /// The encryption stance. [`TlsMode::Explicit`] by default, which needs a connector.
    pub fn tls_mode(mut self, mode: TlsMode) -> ClientBuilder {
        self.config.tls_mode = mode;
        self
    }

    /// The TLS backend.
    pub fn tls_connector(mut self, c: Arc<dyn TlsConnector>) -> ClientBuilder {
        self.config.tls = Some(c);
        self
    }

    /// The name the certificate must match (and SNI); defaults to the host.
    pub fn tls_server_name(mut self, name: impl Into<String>) -> ClientBuilder {
        self.config.tls_server_name = Some(name.into());
        self
    }

    /// Size limits.
    pub fn limits(mut self, l: Limits) -> ClientBuilder {
        self.config.limits = l;
        self
    }

    /// The settings as they stand.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The host to connect to.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub(crate) fn port_or(&self, default: u16) -> u16 {
        self.port.unwrap_or(default)
    }

    /// An absolute time by which every wait of the session must end (each deadline is cut
    /// to what is left).
    pub fn deadline(mut self, at: Instant) -> ClientBuilder {
        self.config.deadline = Some(at);
        self
    }

    /// Connects, reads the greeting and, unless plain FTP was chosen, completes the TLS
    /// handshake. Log in next with [`Client::login`].
    pub fn connect(self) -> Result<Client> {
        let ClientBuilder { host, port, config } = self;
        let connector = match (config.tls_mode, &config.tls) {
            (TlsMode::None, _) => None,
            (_, Some(c)) => Some(c.clone()),
            (mode, None) => {
                return Err(Error::TlsRequired {
                    phase: Phase::Connect,
                    detail: format!(
                        "TLS mode {mode:?} needs a TLS backend, and none was given; pass a connector (e.g. from ftpkit's Backend), or choose TlsMode::None explicitly for plain FTP"
                    ),
                    hint: None,
                })
            }
        };
        let port = port.unwrap_or(if config.tls_mode == TlsMode::Implicit {
            990
        } else {
            21
        });
        let started = Instant::now();
        let phase = PhaseLog::start(Phase::Connect);
        let tcp = connect_tcp(&host, port, config.wait(Deadline::Connect))?;
        phase.done();
        info!(
            "connected to {} in {:?}",
            tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default(),
            started.elapsed()
        );
        let server_name = config.tls_server_name.clone().unwrap_or_else(|| {
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string()
        });

        let stream = match (&config.tls_mode, &connector) {
            (TlsMode::Implicit, Some(c)) => Stream::Tls(data::tls_handshake(
                c.backend(),
                Phase::TlsUpgrade,
                "performing the TLS handshake (implicit FTPS: TLS from the first byte)",
                config.wait(Deadline::Handshake),
                None,
                tcp,
                |tcp| c.connect(&server_name, tcp),
            )?),
            _ => Stream::Plain(tcp),
        };
        let mut control = Control::new(stream, config.limits, config.timeouts.reply)?;
        control.deadline = config.deadline;

        let phase = PhaseLog::start(Phase::Greeting);
        // 120 ("service ready in nnn minutes") and the 220 after it share one deadline, and
        // their number is bounded, so a server cannot keep us forever.
        let deadline = control.reply_deadline();
        let mut welcome = control.read_reply_by(
            Phase::Greeting,
            "waiting for the server's greeting (220)",
            deadline,
        )?;
        let mut waits = 0;
        while welcome.code() == 120 && waits < 3 {
            waits += 1;
            welcome =
                control.read_reply_by(Phase::Greeting, "waiting for 220 after 120", deadline)?;
        }
        // 230: logged in already, without credentials (some anonymous-only servers).
        let logged_in = welcome.code() == 230;
        if welcome.code() != 220 && !logged_in {
            let hint = match welcome.code() {
                421 | 120 => {
                    Hint::Note("the server is not accepting sessions now; try again later")
                }
                _ => Hint::Note("the server did not greet with 220; is this an FTP server?"),
            };
            return Err(Error::Reply {
                phase: Phase::Greeting,
                command: "(connect)".into(),
                reply: welcome,
                hint: Some(hint),
            });
        }

        phase.done();
        if let (TlsMode::Explicit, Some(c)) = (config.tls_mode, &connector) {
            let reply = control.execute(&Command::bare("AUTH TLS"), Phase::TlsUpgrade)?;
            if reply.code() != 234 {
                let already = if logged_in {
                    "the server logged this session in without credentials (230 greeting) and then "
                } else {
                    "the server "
                };
                return Err(Error::TlsRequired {
                    phase: Phase::TlsUpgrade,
                    detail: format!(
                        "{already}refused AUTH TLS ({reply}), so nothing was sent in clear"
                    ),
                    hint: Some(Hint::TryImplicitTls),
                });
            }
            control.upgrade(c.as_ref(), &server_name, config.wait(Deadline::Handshake))?;
        }
        if let Some(tls) = control.stream().and_then(Stream::tls) {
            log_tls("control", &tls.info());
        }

        Ok(Client {
            control,
            config,
            welcome,
            greeted_logged_in: logged_in,
            size_unsupported: false,
            features: Features::default(),
            passive: PassiveKind::Unknown,
            transfer_type: None,
            protect_data: false,
            last_data_tls: None,
        })
    }
}

/// Logs the start and the end (with its duration) of a protocol phase at debug level, so
/// that `-v` shows where time went and where a session stopped.
struct PhaseLog {
    phase: Phase,
    started: Instant,
    done: bool,
}

impl PhaseLog {
    fn start(phase: Phase) -> PhaseLog {
        debug!("{phase}: start");
        PhaseLog {
            phase,
            started: Instant::now(),
            done: false,
        }
    }

    fn done(mut self) {
        self.done = true;
        debug!("{}: done in {:.1?}", self.phase, self.started.elapsed());
    }
}

impl Drop for PhaseLog {
    fn drop(&mut self) {
        if !self.done {
            debug!(
                "{}: failed after {:.1?}",
                self.phase,
                self.started.elapsed()
            );
        }
    }
}

fn log_tls(what: &str, info: &TlsInfo) {
    info!(
        "{what} TLS via {}: {} {}{}",
        info.backend,
        info.protocol.as_deref().unwrap_or("?"),
        info.cipher.as_deref().unwrap_or("?"),
        info.peer_certificate
            .as_ref()
            .map(|c| format!(
                "; certificate subject [{}] issuer [{}] expires {}",
                c.subject,
                c.issuer,
                c.not_after
                    .and_then(|t| time::OffsetDateTime::from(t)
                        .format(&time::format_description::well_known::Rfc3339)
                        .ok())
                    .unwrap_or_else(|| "?".into())
            ))
            .unwrap_or_default()
    );
}

fn connect_tcp(host: &str, port: u16, wait: Wait) -> Result<TcpStream> {
    let timeout = wait.after;
    let target = format!("{host}:{port}");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = (bare, port)
        .to_socket_addrs()
        .map_err(|e| Error::Connect {
            target: target.clone(),
            source: e,
        })?
        .collect();
    let deadline = far_instant(timeout);
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        "the host name resolved to no address",
    );
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        debug!("connecting to {addr} (deadline {left:?})");
        let attempt = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
            .and_then(|s| s.connect_timeout(&addr.into(), left).map(|_| s));
        match attempt {
            Ok(s) => {
                let tcp: TcpStream = s.into();
                // Commands are small and latency-bound.
                tcp.set_nodelay(true).ok();
                // Long transfers leave the control connection idle; keepalive stops NATs
                // from dropping it silently.
                SockRef::from(&tcp)
                    .set_tcp_keepalive(&TcpKeepalive::new().with_time(Duration::from_secs(60)))
                    .ok();
                return Ok(tcp);
            }
            Err(e) => {
                debug!("connect to {addr} failed: {e}");
                last = e;
            }
        }
    }
    if Instant::now() >= deadline {
        return Err(Error::Timeout {
            phase: Phase::Connect,
            deadline: wait.deadline,
            waiting_for: format!("connecting to {target}"),
            after: timeout,
            backend: None,
            last_reply: None,
        });
    }
    Err(Error::Connect {
        target,
        source: last,
    })
}

/// A connected FTP session.
///
/// Transfers borrow the session mutably, so the compiler prevents sending a command while a
/// transfer is open.
#[derive(Debug)]
pub struct Client {
    control: Control,
    config: Config,
    welcome: Reply,
    /// The server greeted with 230: the session is logged in without credentials.
    greeted_logged_in: bool,
    /// `SIZE` was answered 500/502 (not implemented): not asked again this session.
    size_unsupported: bool,
    features: Features,
    passive: PassiveKind,
    transfer_type: Option<TransferType>,
    protect_data: bool,
    last_data_tls: Option<TlsInfo>,
}

impl Client {
    /// Settings for a new session to `host`.
    pub fn builder(host: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(host)
    }

    /// The server's `220` greeting.
    pub fn welcome(&self) -> &Reply {
        &self.welcome
    }

    /// The features from `FEAT`, read after login.
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// The session's settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The server's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.control.peer
    }

    /// What the control connection's TLS negotiated, or `None` for plain FTP.
    pub fn tls_info(&self) -> Option<TlsInfo> {
        self.control
            .stream()
            .and_then(Stream::tls)
            .map(|t| t.info())
    }

    /// What the most recent data connection's TLS negotiated (was the control session
    /// resumed?), or `None` when no protected data connection was opened yet.
    pub fn last_data_tls_info(&self) -> Option<&TlsInfo> {
        self.last_data_tls.as_ref()
    }

    /// The last reply received.
    pub fn last_reply(&self) -> Option<&Reply> {
        self.control.last_reply.as_ref()
    }

    /// Logs in; with TLS, then protects data connections (`PBSZ 0`, `PROT P`). Reads the
    /// server's features and turns on UTF-8 paths when offered.
    pub fn login(&mut self, user: &str, password: &str) -> Result<()> {
        self.login_with_account(user, password, None)
    }

    /// Logs in, answering a `332` (account needed) with `ACCT account`.
    pub fn login_with_account(
        &mut self,
        user: &str,
        password: &str,
        account: Option<&str>,
    ) -> Result<()> {
        let phase = PhaseLog::start(Phase::Login);
        let user_cmd = Command::with_arg("USER", "user name", user)?;
        let pass_cmd = Command::with_arg("PASS", "password", password)?.secret();
        let acct_cmd = account
            .map(|a| Command::with_arg("ACCT", "account", a).map(Command::secret))
            .transpose()?;
        if self.greeted_logged_in && self.tls_info().is_none() {
            // The greeting said 230: credentials would at best be ignored, and in plain FTP
            // they would cross the network in clear for nothing.
            info!("the server logged the session in with its greeting; not sending USER/PASS");
            phase.done();
            return self.after_login();
        }
        let mut reply = self.control.execute(&user_cmd, Phase::Login)?;
        if self.greeted_logged_in && reply.code() == 503 {
            // Over TLS the login is done again (AUTH may reset the session, RFC 2228); a
            // server that says "already logged in" keeps the greeting's login.
            info!("USER after a 230 greeting: {reply}; the session stays logged in");
            phase.done();
            return self.after_login();
        }
        let mut last_cmd = user_cmd.display();
        if reply.code() == 331 {
            reply = self.control.execute(&pass_cmd, Phase::Login)?;
            last_cmd = pass_cmd.display();
        }
        if reply.code() == 332 {
            let Some(acct) = &acct_cmd else {
                return Err(Error::Reply {
                    phase: Phase::Login,
                    command: last_cmd,
                    reply,
                    hint: Some(Hint::NeedAccount),
                });
            };
            reply = self.control.execute(acct, Phase::Login)?;
            last_cmd = acct.display();
        }
        // Any 2xx after USER, PASS or ACCT means logged in (230, 202, or a "200 proceed").
        if !reply.is_positive_completion() {
            let hint = login_hint(&reply);
            return Err(Error::Reply {
                phase: Phase::Login,
                command: last_cmd,
                reply,
                hint,
            });
        }
        phase.done();
        info!("logged in as {user}");
        self.after_login()
    }

    fn after_login(&mut self) -> Result<()> {
        if self.tls_info().is_some() {
            let phase = PhaseLog::start(Phase::DataProtection);
            self.control.expect(
                &Command::bare("PBSZ 0"),
                Phase::DataProtection,
                expect::positive,
                None,
            )?;
            let reply = self
                .control
                .execute(&Command::bare("PROT P"), Phase::DataProtection)?;
            if reply.code() / 100 != 2 {
                return Err(Error::TlsRequired {
                    phase: Phase::DataProtection,
                    detail: format!(
                        "the server refused to protect data connections (PROT P: {reply}); refusing to transfer files in plaintext over a TLS session"
                    ),
                    hint: None,
                });
            }
            self.protect_data = true;
            phase.done();
        }
        let feat = self
            .control
            .execute(&Command::bare("FEAT"), Phase::Command)?;
        self.features = Features::from_reply(&feat);
        if self.features.has("UTF8") {
            // Failure is harmless: the server may have UTF-8 on already.
            let _ = self
                .control
                .execute(&Command::bare("OPTS UTF8 ON"), Phase::Command)?;
        }
        Ok(())
    }

    fn simple(
        &mut self,
        verb: &str,
        what: &'static str,
        arg: &str,
        ok: impl Fn(u16) -> bool,
        hint: Option<Hint>,
    ) -> Result<Reply> {
        let cmd = Command::with_arg(verb, what, arg)?;
        self.control.expect(&cmd, Phase::Command, ok, hint)
    }

    /// `SYST`: the server's system type (e.g. `UNIX Type: L8`).
    pub fn system(&mut self) -> Result<String> {
        let r = self.control.expect(
            &Command::bare("SYST"),
            Phase::Command,
            expect::code(215),
            None,
        )?;
        Ok(r.text().to_string())
    }

    /// `PWD`: the current directory.
    pub fn pwd(&mut self) -> Result<String> {
        let r = self.control.expect(
            &Command::bare("PWD"),
            Phase::Command,
            expect::code(257),
            None,
        )?;
        parse_257(r.text()).ok_or_else(|| Error::Protocol {
            phase: Phase::Command,
            detail: format!("cannot read a path in the PWD reply {r}"),
            last_reply: Some(r.clone()),
        })
    }

    /// `CWD path`.
    pub fn cwd(&mut self, path: &str) -> Result<()> {
        self.simple(
            "CWD",
            "path",
            path,
            expect::positive,
            Some(Hint::Note("check that the directory exists")),
        )
        .map(drop)
    }

    /// `CDUP`: to the parent directory.
    pub fn cdup(&mut self) -> Result<()> {
        self.control
            .expect(
                &Command::bare("CDUP"),
                Phase::Command,
                expect::positive,
                None,
            )
            .map(drop)
    }

    /// `MKD path`; returns the created directory's path as the server names it.
    pub fn mkdir(&mut self, path: &str) -> Result<String> {
        let r = self.simple(
            "MKD",
            "path",
            path,
            expect::positive,
            Some(Hint::Note(
                "the directory may exist already, or the parent may be missing",
            )),
        )?;
        Ok(parse_257(r.text()).unwrap_or_else(|| path.to_string()))
    }

    /// `RMD path`.
    pub fn rmdir(&mut self, path: &str) -> Result<()> {
        self.simple(
            "RMD",
            "path",
            path,
            expect::positive,
            Some(Hint::Note("the directory must exist and be empty")),
        )
        .map(drop)
    }

    /// `DELE path`.
    pub fn delete(&mut self, path: &str) -> Result<()> {
        self.simple(
            "DELE",
            "path",
            path,
            expect::positive,
            Some(Hint::CheckPath),
        )
        .map(drop)
    }

    /// `RNFR from` then `RNTO to`.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let rnto = Command::with_arg("RNTO", "path", to)?;
        self.simple(
            "RNFR",
            "path",
            from,
            expect::code(350),
            Some(Hint::Note("check that the source exists")),
        )?;
        self.control
            .expect(&rnto, Phase::Command, expect::positive, None)
            .map(drop)
    }

    /// `SIZE path`: the size in bytes (in the current transfer type; binary is exact).
    pub fn size(&mut self, path: &str) -> Result<u64> {
        let r = self.simple("SIZE", "path", path, expect::code(213), None)?;
        r.text().trim().parse().map_err(|_| Error::Protocol {
            phase: Phase::Command,
            detail: format!("cannot read a size in the SIZE reply {r}"),
            last_reply: Some(r.clone()),
        })
    }

    /// The size of `path` when the server can tell (`SIZE`), asked whatever `FEAT` said;
    /// `None` when the server does not implement it (500/502, remembered for the session)
    /// or will not say for this file.
    fn size_if_known(&mut self, path: &str) -> Result<Option<u64>> {
        if self.size_unsupported {
            return Ok(None);
        }
        match self.size(path) {
            Ok(n) => Ok(Some(n)),
            Err(Error::Reply { reply, .. }) => {
                if matches!(reply.code(), 500 | 502) {
                    debug!("SIZE is not implemented here ({reply}); not asking again");
                    self.size_unsupported = true;
                }
                Ok(None)
            }
            Err(Error::Protocol { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `MDTM path`: the modification time (UTC).
    pub fn mdtm(&mut self, path: &str) -> Result<SystemTime> {
        let r = self.simple("MDTM", "path", path, expect::code(213), None)?;
        list::parse_mlsd_time(r.text().trim()).ok_or_else(|| Error::Protocol {
            phase: Phase::Command,
            detail: format!("cannot read a time in the MDTM reply {r}"),
            last_reply: Some(r.clone()),
        })
    }

    /// The server's hash of a file, for verifying a transfer: `HASH` (with SHA-256 chosen
    /// when offered) or else `XSHA256`, `XSHA1`, `XMD5`, `XCRC`, whichever the server
    /// announces in `FEAT`. `None` when it offers none.
    pub fn remote_hash(&mut self, path: &str) -> Result<Option<RemoteHash>> {
        check_arg("path", path)?;
        if let Some(params) = self.features.params("HASH").map(str::to_string) {
            let offered: Vec<String> = params.split(';').map(|a| a.trim().to_string()).collect();
            let pick = ["SHA-256", "SHA-512", "SHA-1", "MD5", "CRC32"]
                .into_iter()
                .find_map(|want| {
                    offered
                        .iter()
                        .find(|o| o.trim_end_matches('*').eq_ignore_ascii_case(want))
                        .map(|o| (want, o.ends_with('*')))
                });
            if let Some((algo, selected)) = pick {
                if !selected {
                    self.control.expect(
                        &Command::bare(&format!("OPTS HASH {algo}")),
                        Phase::Command,
                        expect::code(200),
                        None,
                    )?;
                }
                let r = self.simple("HASH", "path", path, expect::code(213), None)?;
                return hash::parse_hash_reply(&r).map(Some);
            }
        }
        for (cmd, algo) in [
            ("XSHA256", HashAlgorithm::Sha256),
            ("XSHA1", HashAlgorithm::Sha1),
            ("XMD5", HashAlgorithm::Md5),
            ("XCRC", HashAlgorithm::Crc32),
        ] {
            if self.features.has(cmd) {
                let r = self.simple(cmd, "path", path, expect::positive, None)?;
                return hash::parse_x_reply(cmd, algo, &r).map(Some);
            }
        }
        Ok(None)
    }

    /// `TYPE A` or `TYPE I`.
    pub fn transfer_type(&mut self, t: TransferType) -> Result<()> {
        let cmd = match t {
            TransferType::Ascii => "TYPE A",
            TransferType::Binary => "TYPE I",
        };
        self.control
            .expect(&Command::bare(cmd), Phase::Command, expect::positive, None)?;
        self.transfer_type = Some(t);
        Ok(())
    }

    /// `NOOP`: keeps the session alive and checks it still answers.
    pub fn noop(&mut self) -> Result<()> {
        self.control
            .expect(
                &Command::bare("NOOP"),
                Phase::Command,
                expect::positive,
                None,
            )
            .map(drop)
    }

    /// `STAT` (server status) or `STAT path` (a listing over the control connection).
    pub fn stat(&mut self, path: Option<&str>) -> Result<Reply> {
        let cmd = match path {
            Some(p) => Command::with_arg("STAT", "path", p)?,
            None => Command::bare("STAT"),
        };
        self.control
            .expect(&cmd, Phase::Command, |c| (211..=213).contains(&c), None)
    }

    /// `SITE args`: server-specific commands (e.g. `CHMOD 644 file`).
    pub fn site(&mut self, args: &str) -> Result<Reply> {
        self.simple("SITE", "SITE argument", args, expect::positive, None)
    }

    /// Sends any command line and returns the reply, whatever its code. Commands that open
    /// a data connection are not supported here; use the transfer methods.
    pub fn raw(&mut self, line: &str) -> Result<Reply> {
        let cmd = Command::raw(line)?;
        const DATA: [&str; 9] = [
            "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD", "PASV", "EPSV",
        ];
        if DATA.iter().any(|d| cmd.verb().eq_ignore_ascii_case(d)) {
            return Err(Error::InvalidArgument {
                what: "raw command",
                detail: format!(
                    "{} opens or needs a data connection, which raw() does not manage; use the transfer and listing methods",
                    cmd.verb()
                ),
            });
        }
        self.control.execute(&cmd, Phase::Command)
    }

    /// `QUIT`, then closes the connection.
    pub fn quit(mut self) -> Result<()> {
        let r = self.control.execute(&Command::bare("QUIT"), Phase::Quit);
        self.control.shutdown();
        r.map(drop)
    }

    fn ensure_binary(&mut self) -> Result<()> {
        if self.transfer_type.is_none() {
            self.transfer_type(TransferType::Binary)?;
        }
        Ok(())
    }

    /// Opens a data connection and runs `cmd` over it. Returns the data stream (absent if
    /// the server completed at once) and the first reply.
    fn open_data(&mut self, cmd: &Command, rest: Option<u64>) -> Result<(Option<Stream>, Reply)> {
        let phase = PhaseLog::start(Phase::DataConnect);
        let pending = data::prepare(&mut self.control, &self.config, &mut self.passive)?;
        if let Some(offset) = rest {
            self.control.expect(
                &Command::bare(&format!("REST {offset}")),
                Phase::DataConnect,
                expect::code(350),
                Some(Hint::Note("the server cannot resume transfers")),
            )?;
        }
        self.control.send(cmd, Phase::Transfer)?;
        let reply = self.read_data_command_reply(cmd)?;
        if reply.is_positive_completion() {
            debug!("{} completed without a data transfer: {reply}", cmd.verb());
            return Ok((None, reply));
        }
        if !reply.is_preliminary() {
            let reuse = data::reuse_diagnosis(&reply, self.control.tls_resumes());
            let hint = match reply.code() {
                _ if reuse.is_some() => reuse,
                550 | 553 => Some(Hint::CheckPath),
                425 => Some(Hint::UseActiveModeOrAnotherBackend),
                _ => None,
            };
            // An active-mode listener or a passive connection is simply dropped.
            drop(pending);
            return Err(Error::Reply {
                phase: Phase::Transfer,
                command: cmd.display(),
                reply,
                hint,
            });
        }
        let protect = self.protect_data;
        match data::complete(
            pending,
            &mut self.control,
            &self.config,
            protect,
            cmd.verb(),
        ) {
            Ok(s) => {
                phase.done();
                self.last_data_tls = s.tls().map(|t| t.info());
                Ok((Some(s), reply))
            }
            Err(e) if e.is_timeout() => {
                self.control
                    .mark_broken(format!("the data connection for {} timed out", cmd.verb()));
                Err(e)
            }
            // The server already gave its answer (it refused to connect to us in active
            // mode): nothing more to read.
            Err(e @ Error::Reply { .. }) => Err(e),
            Err(e) => {
                // The server answers the failed data connection on the control connection
                // (425/426/522…); read it so the session stays in step and show it in the log.
                match self.control.read_reply(
                    Phase::DataConnect,
                    "waiting for the reply after the failed data connection",
                ) {
                    Ok(r) => info!("server after the failed data connection: {r}"),
                    Err(e2) => debug!("no reply after the failed data connection: {e2}"),
                }
                Err(e)
            }
        }
    }

    /// The first reply that answers a data command: `1yz` (the transfer starts), a failure,
    /// or `226`/`250` (done without data, e.g. an empty listing). Any other `2yz` cannot
    /// answer it (a duplicated `229` after EPSV, say): it is logged and skipped, never
    /// taken for the end of the transfer. All of them share one reply deadline.
    fn read_data_command_reply(&mut self, cmd: &Command) -> Result<Reply> {
        const MAX_STRAY: usize = 4;
        let waiting_for = format!("waiting for the reply to {}", cmd.verb());
        let deadline = self.control.reply_deadline();
        for _ in 0..MAX_STRAY {
            let reply = self
                .control
                .read_reply_by(Phase::Transfer, &waiting_for, deadline)?;
            if !reply.is_positive_completion() || matches!(reply.code(), 226 | 250) {
                return Ok(reply);
            }
            log::warn!(
                "{}: ignoring the reply {reply}, which does not answer it (a stray or duplicated reply)",
                cmd.verb()
            );
        }
        self.control.mark_broken("stray replies");
        Err(Error::Protocol {
            phase: Phase::Transfer,
            detail: format!(
                "more than {MAX_STRAY} replies that do not answer {} while {waiting_for}",
                cmd.verb()
            ),
            last_reply: self.control.last_reply.clone(),
        })
    }

    /// Starts downloading `path` (binary unless [`Client::transfer_type`] said otherwise).
    ///
    /// When the server supports `SIZE`, the size is asked first so that a transfer that ends
    /// early is detected even if the server then claims success.
    pub fn retr(&mut self, path: &str) -> Result<Download<'_>> {
        self.retr_from(path, 0)
    }

    /// Starts downloading `path` from byte `offset` (`REST offset`, then `RETR`).
    pub fn retr_from(&mut self, path: &str, offset: u64) -> Result<Download<'_>> {
        let cmd = Command::with_arg("RETR", "path", path)?;
        self.ensure_binary()?;
        let mut expected = None;
        if self.transfer_type == Some(TransferType::Binary) {
            // Asked whatever FEAT said: servers that answer FEAT with 500 may still have
            // SIZE, and without it a cut transfer cannot be told from a complete one.
            if let Some(size) = self.size_if_known(path)? {
                if offset > size {
                    return Err(Error::ResumePastEnd {
                        path: path.to_string(),
                        offset,
                        remote_size: size,
                    });
                }
                if offset == size && offset > 0 {
                    info!(
                        "{path}: the local part already has all {size} bytes; nothing to download"
                    );
                    let reply = self
                        .control
                        .last_reply
                        .clone()
                        .unwrap_or_else(|| Reply::new(213, vec![format!("213 {size}")]));
                    return Ok(Download::already_complete(
                        &mut self.control,
                        reply,
                        cmd.display(),
                    ));
                }
                expected = Some(size - offset);
            }
        }
        let (data, reply) = self.open_data(&cmd, (offset > 0).then_some(offset))?;
        if data.is_none() {
            // A download with no data connection at all cannot have "ended cleanly".
            return Err(Error::Protocol {
                phase: Phase::Transfer,
                detail: format!(
                    "the server completed RETR without opening a data connection ({reply})"
                ),
                last_reply: Some(reply),
            });
        }
        if expected.is_none() && self.transfer_type == Some(TransferType::Binary) && offset == 0 {
            expected = announced_size(reply.text());
        }
        let idle = self.config.wait(Deadline::Idle).after;
        Ok(Download::new(
            &mut self.control,
            data,
            None,
            expected,
            idle,
            cmd.display(),
        ))
    }

    /// Starts uploading to `path` (`STOR`).
    pub fn stor(&mut self, path: &str) -> Result<Upload<'_>> {
        self.upload_cmd("STOR", path, None)
    }

    /// Starts appending to `path` (`APPE`).
    pub fn appe(&mut self, path: &str) -> Result<Upload<'_>> {
        self.upload_cmd("APPE", path, None)
    }

    /// Starts uploading to `path` from byte `offset` (`REST offset`, then `STOR`): resumes an
    /// interrupted upload. Write only the bytes from `offset` on.
    pub fn stor_from(&mut self, path: &str, offset: u64) -> Result<Upload<'_>> {
        self.upload_cmd("STOR", path, (offset > 0).then_some(offset))
    }

    fn upload_cmd(&mut self, verb: &str, path: &str, rest: Option<u64>) -> Result<Upload<'_>> {
        let cmd = Command::with_arg(verb, "path", path)?;
        self.ensure_binary()?;
        let (data, reply) = self.open_data(&cmd, rest)?;
        let Some(data) = data else {
            return Err(Error::Protocol {
                phase: Phase::Transfer,
                detail: format!("the server completed {verb} before any data was sent ({reply})"),
                last_reply: Some(reply),
            });
        };
        let idle = self.config.wait(Deadline::Idle).after;
        Ok(Upload::new(&mut self.control, data, idle, cmd.display()))
    }

    /// Starts a listing command and returns its lines as they arrive.
    fn open_lines(&mut self, verb: &str, path: Option<&str>) -> Result<DataLines<'_>> {
        let cmd = match path {
            Some(p) if !p.is_empty() => Command::with_arg(verb, "path", p)?,
            _ => Command::bare(verb),
        };
        let max_line = self.config.limits.max_line;
        let (data, reply) = self.open_data(&cmd, None)?;
        let early = reply.is_positive_completion().then_some(reply);
        let idle = self.config.wait(Deadline::Idle).after;
        let dl = Download::new(&mut self.control, data, early, None, idle, cmd.display());
        Ok(DataLines::new(dl, max_line))
    }

    /// Runs a listing command and collects its lines, at most `Limits::max_list_entries`.
    fn data_lines(&mut self, verb: &str, path: Option<&str>) -> Result<Vec<String>> {
        let max = self.config.limits.max_list_entries;
        let mut lines = Vec::new();
        for line in self.open_lines(verb, path)? {
            if lines.len() >= max {
                // Dropping the iterator aborts the transfer and keeps the session in step.
                return Err(too_many_entries(max));
            }
            lines.push(line?);
        }
        Ok(lines)
    }

    /// The best listing the server offers (`MLSD` when announced, else `LIST`), entry by
    /// entry as it arrives: memory stays constant whatever the directory size, and no
    /// entry cap applies. `.` and `..` are left out. The final check (clean end, 2xx reply)
    /// surfaces as the last item when it fails.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> ftpkit_core::Result<()> {
    /// let mut total = 0;
    /// for entry in ftp.list_stream(Some("/big/dir"))? {
    ///     total += entry?.size.unwrap_or(0);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_stream(&mut self, path: Option<&str>) -> Result<ListStream<'_>> {
        let mlsd = self.features.has("MLST");
        let lines = self.open_lines(if mlsd { "MLSD" } else { "LIST" }, path)?;
        Ok(ListStream {
            lines,
            mlsd,
            now: SystemTime::now(),
        })
    }

    /// `NLST`: names only.
    pub fn nlst(&mut self, path: Option<&str>) -> Result<Vec<String>> {
        let lines = self.data_lines("NLST", path)?;
        Ok(lines.into_iter().filter(|l| !l.is_empty()).collect())
    }

    /// `LIST`: the raw lines, as the server formats them.
    pub fn list_raw(&mut self, path: Option<&str>) -> Result<Vec<String>> {
        self.data_lines("LIST", path)
    }

    /// `LIST`, parsed (Unix and DOS styles; unparsable lines come back as
    /// [`crate::EntryKind::Unknown`] with the raw line).
    pub fn list(&mut self, path: Option<&str>) -> Result<Vec<ListEntry>> {
        let now = SystemTime::now();
        let lines = self.data_lines("LIST", path)?;
        Ok(lines
            .iter()
            .filter_map(|l| list::parse_list_line(l, now))
            .collect())
    }

    /// `MLSD`: machine-readable listing (RFC 3659).
    pub fn mlsd(&mut self, path: Option<&str>) -> Result<Vec<ListEntry>> {
        let lines = self.data_lines("MLSD", path)?;
        Ok(lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| list::parse_mlsd_line(l).unwrap_or_else(|| ListEntry::unknown(l)))
            .collect())
    }

    /// The best listing the server offers: `MLSD` when announced in `FEAT`, else `LIST`,
    /// collected (at most `Limits::max_list_entries`). `.` and `..` entries are left out.
    pub fn list_entries(&mut self, path: Option<&str>) -> Result<Vec<ListEntry>> {
        let max = self.config.limits.max_list_entries;
        let mut out = Vec::new();
        for entry in self.list_stream(path)? {
            if out.len() >= max {
                return Err(too_many_entries(max));
            }
            out.push(entry?);
        }
        Ok(out)
    }

    /// `MLST path`: facts about one file, over the control connection.
    pub fn mlst(&mut self, path: Option<&str>) -> Result<ListEntry> {
        let cmd = match path {
            Some(p) => Command::with_arg("MLST", "path", p)?,
            None => Command::bare("MLST"),
        };
        let r = self
            .control
            .expect(&cmd, Phase::Command, expect::code(250), None)?;
        r.lines()
            .iter()
            .skip(1)
            .find(|l| l.starts_with(' '))
            .and_then(|l| list::parse_mlsd_line(l))
            .ok_or_else(|| Error::Protocol {
                phase: Phase::Command,
                detail: format!("no fact line in the MLST reply {r}"),
                last_reply: Some(r.clone()),
            })
    }

    /// Downloads `path` into `out`, calling `progress` as bytes arrive; returns the byte count.
    pub fn download_to<W: Write + ?Sized>(
        &mut self,
        path: &str,
        out: &mut W,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        self.download_from_offset(path, 0, out, progress)
    }

    /// Like [`Client::download_to`], starting at byte `offset` of the remote file (resume).
    pub fn download_from_offset<W: Write + ?Sized>(
        &mut self,
        path: &str,
        offset: u64,
        out: &mut W,
        mut progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        let mut dl = self.retr_from(path, offset)?;
        let total = dl.expected().map(|e| e + offset);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = dl
                .read(&mut buf)
                .map_err(|e| Error::from_io(e, Phase::Transfer))?;
            if n == 0 {
                break;
            }
            if let Err(e) = out.write_all(&buf[..n]) {
                let _ = dl.abort();
                return Err(Error::Io {
                    phase: Phase::Transfer,
                    source: io::Error::new(e.kind(), format!("writing the local copy: {e}")),
                    last_reply: None,
                });
            }
            if let Some(p) = progress.as_mut() {
                p(offset + dl.received(), total);
            }
        }
        let received = dl.received();
        dl.finish()?;
        Ok(received)
    }

    /// Uploads everything `input` yields to `path`; returns the byte count.
    pub fn upload_from<R: Read + ?Sized>(
        &mut self,
        input: &mut R,
        path: &str,
        total: Option<u64>,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        let up = self.stor(path)?;
        copy_up(up, input, 0, total, progress)
    }

    /// Resumes an upload: `REST offset` + `STOR`, sending what `input` yields (which must
    /// start at `offset` of the local file).
    pub fn upload_from_offset<R: Read + ?Sized>(
        &mut self,
        input: &mut R,
        path: &str,
        offset: u64,
        total: Option<u64>,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        let up = self.stor_from(path, offset)?;
        copy_up(up, input, offset, total, progress)
    }
}

fn copy_up<R: Read + ?Sized>(
    mut up: Upload<'_>,
    input: &mut R,
    offset: u64,
    total: Option<u64>,
    mut progress: Option<ProgressFn<'_>>,
) -> Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // Dropping `up` resets the data connection: the server sees an abort.
                drop(up);
                return Err(Error::Io {
                    phase: Phase::Transfer,
                    source: io::Error::new(e.kind(), format!("reading the local file: {e}")),
                    last_reply: None,
                });
            }
        };
        up.write_all(&buf[..n])
            .map_err(|e| Error::from_io(e, Phase::Transfer))?;
        if let Some(p) = progress.as_mut() {
            p(offset + up.sent(), total);
        }
    }
    let sent = up.sent();
    up.finish()?;
    Ok(sent)
}

fn too_many_entries(max: usize) -> Error {
    Error::Protocol {
        phase: Phase::Transfer,
        detail: format!(
            "the listing has more than {max} entries (Limits::max_list_entries); use Client::list_stream for listings of any size"
        ),
        last_reply: None,
    }
}

/// A listing read entry by entry; see [`Client::list_stream`].
#[derive(Debug)]
pub struct ListStream<'a> {
    lines: DataLines<'a>,
    mlsd: bool,
    now: SystemTime,
}

impl Iterator for ListStream<'_> {
    type Item = Result<ListEntry>;

    fn next(&mut self) -> Option<Result<ListEntry>> {
        loop {
            let line = match self.lines.next()? {
                Ok(l) => l,
                Err(e) => return Some(Err(e)),
            };
            let entry = if self.mlsd {
                if line.trim().is_empty() {
                    continue;
                }
                list::parse_mlsd_line(&line).unwrap_or_else(|| ListEntry::unknown(&line))
            } else {
                match list::parse_list_line(&line, self.now) {
                    Some(e) => e,
                    None => continue,
                }
            };
            if matches!(entry.name.as_str(), "." | "..") {
                continue;
            }
            return Some(Ok(entry));
        }
    }
}

/// The lines of a listing's data connection, as they arrive.
#[derive(Debug)]
struct DataLines<'a> {
    dl: Option<Download<'a>>,
    buf: LineBuf,
    max_line: usize,
}

impl<'a> DataLines<'a> {
    fn new(dl: Download<'a>, max_line: usize) -> DataLines<'a> {
        DataLines {
            dl: Some(dl),
            buf: LineBuf::default(),
            max_line,
        }
    }
}

impl Iterator for DataLines<'_> {
    type Item = Result<String>;

    fn next(&mut self) -> Option<Result<String>> {
        let dl = self.dl.as_mut()?;
        match self.buf.read_line(dl, self.max_line, |_| Ok(())) {
            Ok(Some(line)) => Some(Ok(String::from_utf8_lossy(&line).into_owned())),
            Ok(None) => {
                // The end of the data: the final reply decides.
                let dl = self.dl.take()?;
                dl.finish().err().map(Err)
            }
            Err(LineError::TooLong(max)) => {
                if let Some(dl) = self.dl.take() {
                    let _ = dl.abort();
                }
                Some(Err(Error::Protocol {
                    phase: Phase::Transfer,
                    detail: format!("a listing line is longer than {max} bytes"),
                    last_reply: None,
                }))
            }
            Err(LineError::Io(e)) => {
                self.dl = None;
                Some(Err(Error::from_io(e, Phase::Transfer)))
            }
        }
    }
}

/// What to try after a login reply that is not a success, fitted to the reply.
fn login_hint(reply: &Reply) -> Option<Hint> {
    match reply.code() {
        530 | 430 => Some(Hint::CheckCredentials),
        331 | 332 => Some(Hint::Note(
            "the server asked for more credentials than it was given",
        )),
        421 => Some(Hint::Note(
            "the server is closing the session (busy, or too many connections); try again later",
        )),
        500..=504 => Some(Hint::Note(
            "the server does not accept this login command sequence",
        )),
        534 | 533 => Some(Hint::MayRequireTls),
        c if c / 100 == 4 => Some(Hint::TryLater),
        _ => None,
    }
}

/// Reads the quoted path of a `257` reply: `"/a ""quoted"" dir" created`.
fn parse_257(text: &str) -> Option<String> {
    let start = text.find('"')?;
    let mut out = String::new();
    let mut chars = text[start + 1..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                out.push('"');
            } else {
                return Some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

/// Reads "(1234 bytes)" out of a 150 reply, which many servers include.
fn announced_size(text: &str) -> Option<u64> {
    let end = text.rfind(" bytes)")?;
    let start = text[..end].rfind('(')?;
    text[start + 1..end].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pwd_paths() {
        assert_eq!(
            parse_257("\"/home/ftp\" is the current directory").as_deref(),
            Some("/home/ftp")
        );
        assert_eq!(
            parse_257("\"/a \"\"b\"\" c\" created").as_deref(),
            Some("/a \"b\" c")
        );
        assert_eq!(parse_257("\"/unterminated"), None);
        assert_eq!(parse_257("no quotes"), None);
    }

    #[test]
    fn sizes_in_150() {
        assert_eq!(
            announced_size("Opening BINARY mode data connection for a.bin (67108864 bytes)."),
            Some(67108864)
        );
        assert_eq!(announced_size("Opening data connection"), None);
        assert_eq!(announced_size("weird (x bytes)"), None);
    }
}
