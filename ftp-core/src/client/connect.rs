//! Opening a session: TCP to every resolved address under one deadline, the greeting, and
//! the TLS upgrade (`AUTH TLS`, or TLS from the first byte).

use super::*;

/// Settings for a new session; [`ClientBuilder::connect`] opens it.
///
/// ```no_run
/// use ftpkit_core::{Client, Security};
/// # fn main() -> Result<(), ftpkit_core::Error> {
/// // The security stance is part of the builder's creation: plain FTP is asked for by name.
/// let mut ftp = Client::builder("127.0.0.1", Security::Plain).port(2121).connect()?;
/// ftp.login("anonymous", "guest@")?;
/// let names = ftp.nlst("")?; // "": the current directory
/// println!("{names:?}");
/// ftp.quit()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    host: String,
    port: Option<u16>,
    security: Security,
    config: Config,
}

impl ClientBuilder {
    /// Starts from the default [`Config`] for `host` (a name, an IPv4 address or an IPv6
    /// address), encrypted as `security` says.
    pub fn new(host: impl Into<String>, security: Security) -> ClientBuilder {
        ClientBuilder {
            host: host.into(),
            port: None,
            security,
            config: Config::default(),
        }
    }

    /// Replaces every setting at once with `config` (the setters below change one field
    /// each). Host, port and security stay as they are.
    pub fn config(mut self, config: Config) -> ClientBuilder {
        self.config = config;
        self
    }

    /// The port; defaults to 21, or 990 for implicit TLS.
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

    /// How much longer the final reply of a transfer may take per GiB moved
    /// ([`Timeouts::final_reply_per_gib`]; `Duration::ZERO`: not at all).
    pub fn final_reply_per_gib(mut self, d: Duration) -> ClientBuilder {
        self.config.timeouts.final_reply_per_gib = d;
        self
    }

    /// The keep-alive interval during transfers ([`Config::keepalive`]): a `NOOP` on the
    /// control connection whenever it has been quiet that long; `None` turns it off.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ftpkit_core::{Client, Security};
    /// let b = Client::builder("127.0.0.1", Security::Plain).keepalive(Some(Duration::from_secs(20)));
    /// assert_eq!(b.current_config().keepalive, Some(Duration::from_secs(20)));
    /// ```
    pub fn keepalive(mut self, interval: Option<Duration>) -> ClientBuilder {
        self.config.keepalive = interval;
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

    /// Replaces the security stance (and its TLS backend).
    pub fn security(mut self, security: Security) -> ClientBuilder {
        self.security = security;
        self
    }

    /// Asks for this virtual host with `HOST` before logging in; see
    /// [`Config::virtual_host`].
    ///
    /// ```
    /// use ftpkit_core::{Client, Security};
    /// let b = Client::builder("203.0.113.7", Security::Plain).virtual_host("ftp.example.net");
    /// assert_eq!(b.current_config().virtual_host.as_deref(), Some("ftp.example.net"));
    /// ```
    pub fn virtual_host(mut self, name: impl Into<String>) -> ClientBuilder {
        self.config.virtual_host = Some(name.into());
        self
    }

    /// Ends TLS on the control connection after login (`CCC`); see
    /// [`Config::clear_command_channel`] for the security trade-off.
    pub fn clear_command_channel(mut self, on: bool) -> ClientBuilder {
        self.config.clear_command_channel = on;
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
    pub fn current_config(&self) -> &Config {
        &self.config
    }

    /// The security stance as it stands.
    pub fn current_security(&self) -> &Security {
        &self.security
    }

    /// The host to connect to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port that will be used: the one given, else the default for the security stance.
    pub fn current_port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.security.default_port())
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
        let port = self.current_port();
        let ClientBuilder {
            host,
            security,
            config,
            ..
        } = self;
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

        let stream = match &security {
            Security::Implicit(c) => Stream::Tls(data::tls_handshake(
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
        let mut control = Control::new(stream, &config)?;

        let welcome = greet(&mut control)?;
        // 230: logged in already, without credentials (some anonymous-only servers).
        let logged_in = welcome.code() == 230;
        if let Some(vhost) = &config.virtual_host {
            ask_virtual_host(&mut control, vhost)?;
        }
        if let Security::Explicit(c) = &security {
            auth_tls(&mut control, c.as_ref(), &server_name, &config, logged_in)?;
        }
        if let Some(tls) = control.stream().and_then(Stream::tls) {
            log_tls("control", &tls.info());
        }

        // Without EPSV, PASV is the only kind there is to try.
        let passive = match config.use_epsv {
            true => PassiveKind::Unknown,
            false => PassiveKind::Pasv,
        };
        Ok(Client {
            control,
            config,
            welcome,
            greeted_logged_in: logged_in,
            size_unsupported: false,
            features: Features::default(),
            passive,
            transfer_type: None,
            protect_data: false,
            last_data_tls: None,
            announces_size: false,
        })
    }
}

/// Reads the greeting: `220`, or `230` (logged in without credentials). `120` ("service
/// ready in nnn minutes") and the reply after it share one deadline, and their number is
/// bounded, so a server cannot keep us forever.
fn greet(control: &mut Control) -> Result<Reply> {
    let phase = PhaseLog::start(Phase::Greeting);
    let deadline = control.reply_deadline();
    let mut welcome = control.read_reply_by(
        Phase::Greeting,
        "waiting for the server's greeting (220)",
        deadline,
    )?;
    let mut waits = 0;
    while welcome.code() == 120 && waits < 3 {
        waits += 1;
        welcome = control.read_reply_by(Phase::Greeting, "waiting for 220 after 120", deadline)?;
    }
    if !matches!(welcome.code(), 220 | 230) {
        let hint = match welcome.code() {
            421 | 120 => Hint::Note("the server is not accepting sessions now; try again later"),
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
    Ok(welcome)
}

/// `HOST name` (RFC 7151): `220` selects that site. Anything else is an error, because the
/// session would go on in the server's default site, which is not the one asked for.
fn ask_virtual_host(control: &mut Control, vhost: &str) -> Result<()> {
    let cmd = Command::with_arg("HOST", "virtual host", vhost)?;
    let reply = control.execute(&cmd, Phase::Login)?;
    if reply.code() / 100 == 2 {
        info!("virtual host {vhost}: {reply}");
        return Ok(());
    }
    let hint = match reply.code() {
        // vsftpd answers a command it does not know, before login, with 530.
        500 | 502 | 530 => "the server does not support HOST (RFC 7151): it serves one site on this address, or tells its sites apart another way (by user name, or by address)",
        _ => "check the virtual host name: the server does not serve that site here",
    };
    Err(Error::Reply {
        phase: Phase::Login,
        command: cmd.display(),
        reply,
        hint: Some(Hint::Note(hint)),
    })
}

/// Explicit FTPS: `AUTH TLS`, then the handshake. A refusal is an error, never a quiet
/// fall back to plaintext; nothing secret was sent before it.
fn auth_tls(
    control: &mut Control,
    connector: &dyn TlsConnector,
    server_name: &str,
    config: &Config,
    logged_in: bool,
) -> Result<()> {
    let reply = control.execute(&Command::bare("AUTH TLS"), Phase::TlsUpgrade)?;
    if reply.code() != 234 {
        let already = if logged_in {
            "the server logged this session in without credentials (230 greeting) and then "
        } else {
            "the server "
        };
        return Err(Error::TlsRequired {
            phase: Phase::TlsUpgrade,
            detail: format!("{already}refused AUTH TLS ({reply}), so nothing was sent in clear"),
            hint: Some(Hint::TryImplicitTls),
        });
    }
    control.upgrade(connector, server_name, config.wait(Deadline::Handshake))
}

/// Logs the start and the end (with its duration) of a protocol phase at debug level, so
/// that `-v` shows where time went and where a session stopped.
pub(super) struct PhaseLog {
    phase: Phase,
    started: Instant,
    done: bool,
}

impl PhaseLog {
    pub(super) fn start(phase: Phase) -> PhaseLog {
        debug!("{phase}: start");
        PhaseLog {
            phase,
            started: Instant::now(),
            done: false,
        }
    }

    pub(super) fn done(mut self) {
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
