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

    /// Reaches the server through `proxy` (SOCKS5 or HTTP `CONNECT`): the control
    /// connection and every passive data connection ([`Config::proxy`]).
    ///
    /// ```
    /// use ftpkit_core::{Client, Proxy, Security};
    /// let b = Client::builder("ftp.example.com", Security::Plain)
    ///     .proxy(Proxy::socks5h("127.0.0.1", 1080).with_auth("alice", "secret"));
    /// assert_eq!(b.current_config().proxy.as_ref().unwrap().user(), Some("alice"));
    /// ```
    pub fn proxy(mut self, proxy: Proxy) -> ClientBuilder {
        self.config.proxy = Some(proxy);
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
        if config.proxy.is_some() && config.data_mode == DataMode::Active {
            return Err(active_through_proxy());
        }
        let started = Instant::now();
        let phase = PhaseLog::start(Phase::Connect);
        let wait = config.wait(Deadline::Connect);
        let (tcp, route) = match &config.proxy {
            None => (connect_tcp(&host, port, wait)?, None),
            Some(proxy) => {
                let (tcp, route) = connect_via_proxy(proxy, &host, port, wait, system_resolver)?;
                (tcp, Some(route))
            }
        };
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
        control.via_proxy = route;

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
            system: None,
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

/// The error for active mode through a proxy: the server would have to connect to us, which
/// a proxy does not arrange (nor would most let it).
pub(crate) fn active_through_proxy() -> Error {
    Error::InvalidArgument {
        what: "data mode",
        detail: "active mode (PORT/EPRT) cannot work through a proxy, where the server cannot connect back to us; use passive mode (the default)".into(),
    }
}

/// Resolves a host name; the system's resolver (`getaddrinfo`) unless a test injects one.
type Resolve = fn(&str, u16) -> io::Result<Vec<SocketAddr>>;

fn system_resolver(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    (host, port).to_socket_addrs().map(Iterator::collect)
}

/// `host`'s addresses by `deadline`. `getaddrinfo` takes no timeout, so a name is resolved
/// on a helper thread and waited for no longer than the deadline: a slow resolver then
/// costs the connect deadline, not a hang before it. A thread left behind ends when the
/// resolver answers; it holds nothing but the channel it would answer on. An IP literal
/// needs no thread.
fn resolve(
    host: &str,
    port: u16,
    wait: Wait,
    deadline: Instant,
    resolver: Resolve,
) -> Result<Vec<SocketAddr>> {
    let target = format!("{host}:{port}");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let name = bare.to_string();
    std::thread::Builder::new()
        .name("ftp-resolve".into())
        .spawn(move || {
            let _ = tx.send(resolver(&name, port));
        })
        .map_err(|e| Error::Connect {
            target: target.clone(),
            source: e,
        })?;
    let left = deadline.saturating_duration_since(Instant::now());
    debug!("resolving {bare} (deadline {left:?})");
    match rx.recv_timeout(left) {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(Error::Connect { target, source: e }),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Error::Timeout {
            phase: Phase::Connect,
            deadline: wait.deadline,
            waiting_for: format!("resolving {bare}"),
            after: wait.after,
            backend: None,
            last_reply: None,
        }),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Error::Connect {
            target,
            source: io::Error::other("the resolver thread ended without an answer"),
        }),
    }
}

fn connect_tcp(host: &str, port: u16, wait: Wait) -> Result<TcpStream> {
    connect_tcp_with(host, port, wait, far_instant(wait.after), system_resolver)
}

/// TCP to `host:port`, resolution and every resolved address within `deadline`.
fn connect_tcp_with(
    host: &str,
    port: u16,
    wait: Wait,
    deadline: Instant,
    resolver: Resolve,
) -> Result<TcpStream> {
    let timeout = wait.after;
    let target = format!("{host}:{port}");
    let addrs = resolve(host, port, wait, deadline, resolver)?;
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

/// The control connection through `proxy`: for `socks5://` the server's name resolved here
/// first, then TCP to the proxy and its handshake, all under the one connect deadline.
fn connect_via_proxy(
    proxy: &Proxy,
    host: &str,
    port: u16,
    wait: Wait,
    resolver: Resolve,
) -> Result<(TcpStream, Route)> {
    let deadline = far_instant(wait.after);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let target_host = match proxy.kind() {
        ProxyKind::Socks5 => {
            let addrs = resolve(bare, port, wait, deadline, resolver)?;
            // IPv4 first: what the proxy can most likely reach.
            let addr = addrs
                .iter()
                .find(|a| a.is_ipv4())
                .or(addrs.first())
                .ok_or_else(|| Error::Connect {
                    target: format!("{host}:{port}"),
                    source: io::Error::new(
                        io::ErrorKind::NotFound,
                        "the host name resolved to no address",
                    ),
                })?;
            addr.ip().to_string()
        }
        _ => bare.to_string(),
    };
    info!("connecting to {host}:{port} through {proxy}");
    let tcp = connect_tcp_with(proxy.host(), proxy.port(), wait, deadline, resolver)?;
    let proxy_addr = tcp.peer_addr().map_err(|e| Error::Io {
        phase: Phase::Connect,
        source: e,
        last_reply: None,
    })?;
    proxy::handshake(
        &tcp,
        proxy,
        &target_host,
        port,
        Phase::Connect,
        wait,
        deadline,
        None,
    )?;
    Ok((
        tcp,
        Route {
            proxy: proxy.clone(),
            proxy_addr,
            host: target_host,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::sync::mpsc::{channel, Receiver};
    use std::sync::Mutex;

    /// The test resolver's gate: a resolution answers only when the test lets it, or after
    /// 10 s (so a client that waited for it without a deadline fails the test instead of
    /// hanging it).
    static GATE: Mutex<Option<Receiver<()>>> = Mutex::new(None);

    fn gated_resolver(_host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        let gate = GATE.lock().unwrap().take();
        if let Some(gate) = gate {
            let _ = gate.recv_timeout(Duration::from_secs(10));
        }
        Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
    }

    fn quick_resolver(_host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
    }

    fn no_resolver(host: &str, _port: u16) -> io::Result<Vec<SocketAddr>> {
        panic!("{host} is an IP literal: nothing to resolve")
    }

    fn wait(ms: u64) -> Wait {
        Wait {
            after: Duration::from_millis(ms),
            deadline: Deadline::Connect,
        }
    }

    #[test]
    fn a_slow_resolver_costs_the_connect_deadline_not_a_hang() {
        // A listener the name would resolve to: without the deadline, the connection
        // would succeed once the resolver answered.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let (open, gate) = channel::<()>();
        *GATE.lock().unwrap() = Some(gate);
        let started = Instant::now();
        let w = wait(300);
        let e = connect_tcp_with(
            "slow.invalid",
            port,
            w,
            far_instant(w.after),
            gated_resolver,
        )
        .unwrap_err();
        let took = started.elapsed();
        drop(open);
        assert!(took < Duration::from_secs(3), "took {took:?}");
        assert_eq!(e.phase(), Phase::Connect);
        assert_eq!(e.deadline(), Some(Deadline::Connect));
        assert!(
            matches!(&e, Error::Timeout { waiting_for, .. } if waiting_for == "resolving slow.invalid"),
            "{e:?}"
        );
    }

    /// A SOCKS5 proxy for one connection (no authentication) that hands back the CONNECT
    /// request it got and then refuses it (reply 5), so that no server is needed.
    fn socks_once() -> (u16, std::thread::JoinHandle<Vec<u8>>) {
        use std::io::{Read, Write};
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut greeting = [0u8; 3];
            s.read_exact(&mut greeting).unwrap();
            s.write_all(&[5, 0]).unwrap();
            let mut head = [0u8; 5];
            s.read_exact(&mut head).unwrap();
            let rest = match head[3] {
                1 => 3 + 2,
                4 => 15 + 2,
                _ => usize::from(head[4]) + 2,
            };
            let mut tail = vec![0u8; rest];
            s.read_exact(&mut tail).unwrap();
            s.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).unwrap();
            [&head[..], &tail].concat()
        });
        (port, t)
    }

    #[test]
    fn socks5_resolves_here_and_socks5h_sends_the_name() {
        let w = wait(5000);
        let (port, t) = socks_once();
        let e = connect_via_proxy(
            &Proxy::socks5("127.0.0.1", port),
            "ftp.invalid",
            21,
            w,
            quick_resolver,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("connection refused (reply 5)"),
            "{e}"
        );
        // ATYP 1: the address the name resolved to here.
        assert_eq!(t.join().unwrap(), [5, 1, 0, 1, 127, 0, 0, 1, 0, 21]);

        let (port, t) = socks_once();
        // The proxy's host is an address: nothing at all is resolved here.
        let e = connect_via_proxy(
            &Proxy::socks5h("127.0.0.1", port),
            "ftp.invalid",
            21,
            w,
            no_resolver,
        )
        .unwrap_err();
        assert!(matches!(e, Error::Proxy { .. }), "{e:?}");
        let mut want = vec![5, 1, 0, 3, 11];
        want.extend_from_slice(b"ftp.invalid");
        want.extend_from_slice(&[0, 21]);
        assert_eq!(t.join().unwrap(), want);
    }

    #[test]
    fn socks5_resolution_is_under_the_connect_deadline_too() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let started = Instant::now();
        let e = connect_via_proxy(
            &Proxy::socks5("127.0.0.1", port),
            "slow.invalid",
            21,
            wait(300),
            hanging_resolver,
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(
            matches!(&e, Error::Timeout { waiting_for, .. } if waiting_for == "resolving slow.invalid"),
            "{e:?}"
        );
        // Nothing reached the proxy: resolution comes first.
        l.set_nonblocking(true).unwrap();
        assert!(l.accept().is_err());
    }

    /// Answers after 10 s: a deadline must end the wait first.
    fn hanging_resolver(_host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        let (_keep, never) = channel::<()>();
        let _ = never.recv_timeout(Duration::from_secs(10));
        Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
    }

    #[test]
    fn a_prompt_resolver_and_ip_literals() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let w = wait(5000);
        connect_tcp_with(
            "quick.invalid",
            port,
            w,
            far_instant(w.after),
            quick_resolver,
        )
        .unwrap();
        connect_tcp_with("127.0.0.1", port, w, far_instant(w.after), no_resolver).unwrap();
        let addrs = resolve("[::1]", 21, w, far_instant(w.after), no_resolver).unwrap();
        assert_eq!(addrs, vec!["[::1]:21".parse().unwrap()]);
    }
}
