//! Data connections: `EPSV`/`PASV` (passive) and `EPRT`/`PORT` (active), each bounded by the
//! data-connect deadline, and the TLS handshake on them.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use log::{debug, info, warn};
use socket2::SockRef;

use crate::command::Command;
use crate::config::{Config, DataMode, PasvAddress};
use crate::control::{Control, Stream};
use crate::deadline::{far_instant, Deadline, Wait, Watchdog};
use crate::error::{is_timeout_kind, Error, Phase, Result};
use crate::hint::Hint;
use crate::proxy::{self, Route};
use crate::reply::{expect, Reply};
use crate::tls::{TlsError, TlsStream};

/// Reads the port out of a `229 Entering Extended Passive Mode (|||6446|)` reply (RFC 2428).
/// The delimiter may be any printable character; the three fields before the port are empty.
pub fn parse_epsv(text: &str) -> Option<u16> {
    // "(" d d d port d ")": read left to right, so that the delimiter may be any printable
    // character, ')' included.
    let inner = &text[text.find('(')? + 1..];
    let mut chars = inner.chars();
    let d = chars.next()?;
    if !d.is_ascii_graphic() || d.is_ascii_digit() {
        return None;
    }
    if chars.next()? != d || chars.next()? != d {
        return None;
    }
    let rest = chars.as_str();
    let digits = rest.find(|c: char| !c.is_ascii_digit())?;
    let after = &rest[digits..];
    if digits == 0 || !after.starts_with(d) || !after[d.len_utf8()..].starts_with(')') {
        return None;
    }
    let port: u16 = rest[..digits].parse().ok()?;
    (port != 0).then_some(port)
}

/// Reads the address out of a `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` reply.
/// Servers vary in the text around the numbers, so the first run of six comma-separated
/// numbers is taken.
pub fn parse_pasv(text: &str) -> Option<SocketAddr> {
    // One pass over the runs of digits and commas; in each, the six numbers are its last
    // six fields (a run of exactly six in practice). Linear in the reply's length.
    text.split(|c: char| !(c.is_ascii_digit() || c == ','))
        .find_map(six_numbers)
}

fn six_numbers(run: &str) -> Option<SocketAddr> {
    let fields: Vec<&str> = run.split(',').collect();
    let last = fields.get(fields.len().checked_sub(6)?..)?;
    let mut nums = [0u8; 6];
    for (n, f) in nums.iter_mut().zip(last) {
        *n = f.parse().ok()?;
    }
    let ip = Ipv4Addr::new(nums[0], nums[1], nums[2], nums[3]);
    let port = u16::from(nums[4]) << 8 | u16::from(nums[5]);
    (port != 0).then_some(SocketAddr::new(IpAddr::V4(ip), port))
}

/// The `EPRT |1|132.235.1.2|6275|` or `PORT 132,235,1,2,24,131` argument for `addr`.
pub(crate) fn active_command(addr: SocketAddr) -> Command {
    match addr {
        SocketAddr::V4(a) => {
            let [a1, a2, a3, a4] = a.ip().octets();
            let p = a.port();
            Command::bare(&format!("PORT {a1},{a2},{a3},{a4},{},{}", p >> 8, p & 0xff))
        }
        SocketAddr::V6(a) => Command::bare(&format!("EPRT |2|{}|{}|", a.ip(), a.port())),
    }
}

/// A data connection that is being set up: connected (passive) or waiting for the server
/// (active).
#[derive(Debug)]
pub(crate) enum Pending {
    Connected(TcpStream),
    Listening(TcpListener),
    /// A passive address not connected yet: the caller connects (and, with TLS, starts
    /// the handshake) while it sends the transfer command.
    Address(DataTarget),
    /// Connected and, with TLS, handshaken while the reply was awaited (or how that
    /// failed).
    Ready(Result<Stream>),
}

/// Ends a data handshake running on another thread: [`Cancel::fire`] shuts the socket the
/// handshake reads from (or stops it before it starts).
#[derive(Debug, Default)]
pub(crate) struct Cancel {
    state: std::sync::Mutex<(bool, Option<TcpStream>)>,
}

impl Cancel {
    /// Registers the socket to shut; `Err` if the transfer was already refused.
    pub(crate) fn watch(&self, tcp: &TcpStream) -> Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.0 {
            return Err(Error::Broken("the transfer was refused".into()));
        }
        state.1 = tcp.try_clone().ok();
        Ok(())
    }

    pub(crate) fn fire(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 = true;
        if let Some(s) = state.1.take() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// Where a passive data connection goes: straight to an address, or through the session's
/// proxy to a host (the server's host as the proxy knows it) and port.
#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    Direct(SocketAddr),
    Proxied {
        route: Box<Route>,
        host: String,
        port: u16,
    },
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Direct(a) => write!(f, "{a}"),
            Endpoint::Proxied { route, host, port } if host.contains(':') => {
                write!(f, "[{host}]:{port} through {}", route.proxy)
            }
            Endpoint::Proxied { route, host, port } => {
                write!(f, "{host}:{port} through {}", route.proxy)
            }
        }
    }
}

/// Where a passive data connection goes, with its deadline and the reply that named it.
#[derive(Debug)]
pub(crate) struct DataTarget {
    to: Endpoint,
    wait: Wait,
    reply: Reply,
}

impl DataTarget {
    /// The TCP connection (and the proxy's tunnel), under the data-connect deadline.
    pub(crate) fn connect(&self) -> Result<TcpStream> {
        connect_data(&self.to, self.wait, &self.reply)
    }

    /// The error for a connecting thread that did not come back.
    pub(crate) fn lost(&self) -> Error {
        Error::Protocol {
            phase: Phase::DataConnect,
            detail: format!("connecting the data connection to {} failed", self.to),
            last_reply: Some(self.reply.clone()),
        }
    }
}

/// Passive-mode memory: which of EPSV and PASV this server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum PassiveKind {
    #[default]
    Unknown,
    Epsv,
    Pasv,
}

/// Opens the data connection's first half (before the transfer command is sent).
pub(crate) fn prepare(
    control: &mut Control,
    config: &Config,
    passive: &mut PassiveKind,
) -> Result<Pending> {
    match config.data_mode {
        // Refused when the session was opened; kept here for a session whose proxy route
        // and data mode meet some other way.
        DataMode::Active if control.via_proxy.is_some() => {
            Err(crate::client::active_through_proxy())
        }
        DataMode::Active => listen(control, config).map(Pending::Listening),
        DataMode::Passive => connect_passive(control, config, passive),
    }
}

/// EPSV (or PASV), then the connection: made here on a session's first data connection,
/// where a failed EPSV connection may still fall back to PASV; left to the caller (as
/// [`Pending::Address`]) once the kind of passive mode is known to work.
fn connect_passive(
    control: &mut Control,
    config: &Config,
    passive: &mut PassiveKind,
) -> Result<Pending> {
    // Through a proxy the control peer is the proxy: the server is the route's host, and
    // whether it speaks IPv6 is known only when that host is an address.
    let route = control.via_proxy.clone().map(Box::new);
    let ipv6 = match &route {
        Some(r) => r.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_ipv6()),
        None => control.peer.is_ipv6(),
    };
    // The server's host with `port`: the control peer, or the route's host.
    let peer = control.peer.ip();
    let at_server = |port: u16| match &route {
        Some(route) => Endpoint::Proxied {
            route: route.clone(),
            host: route.host.clone(),
            port,
        },
        None => Endpoint::Direct(SocketAddr::new(peer, port)),
    };
    if *passive != PassiveKind::Pasv {
        let reply = control.execute(&Command::bare("EPSV"), Phase::DataConnect)?;
        if reply.code() == 229 {
            let port = parse_epsv(reply.text()).ok_or_else(|| Error::Protocol {
                phase: Phase::DataConnect,
                detail: format!("cannot read a port in the EPSV reply {reply}"),
                last_reply: Some(reply.clone()),
            })?;
            let to = at_server(port);
            let wait = config.wait(Deadline::DataConnect);
            if *passive == PassiveKind::Epsv {
                return Ok(Pending::Address(DataTarget { to, wait, reply }));
            }
            match connect_data(&to, wait, &reply) {
                Ok(s) => {
                    *passive = PassiveKind::Epsv;
                    return Ok(Pending::Connected(s));
                }
                // Some NATs and old servers mishandle EPSV; PASV may still work, as long
                // as EPSV was never seen working here. Not after a proxy went silent: PASV
                // would only wait for it a second time.
                Err(e)
                    if *passive == PassiveKind::Unknown
                        && !ipv6
                        && !(control.via_proxy.is_some() && e.is_timeout()) =>
                {
                    warn!("EPSV data connection failed ({e}); trying PASV");
                }
                Err(e) => return Err(e),
            }
        } else if ipv6 || *passive == PassiveKind::Epsv {
            return Err(Error::Reply {
                phase: Phase::DataConnect,
                command: "EPSV".into(),
                reply,
                hint: Some(Hint::UseActiveMode),
            });
        } else {
            debug!("EPSV refused ({}); using PASV from now on", reply.code());
        }
    }
    let reply = control.expect(
        &Command::bare("PASV"),
        Phase::DataConnect,
        expect::code(227),
        Some(Hint::UseActiveMode),
    )?;
    let announced = parse_pasv(reply.text()).ok_or_else(|| Error::Protocol {
        phase: Phase::DataConnect,
        detail: format!("cannot read an address in the PASV reply {reply}"),
        last_reply: Some(reply.clone()),
    })?;
    let to = match (config.pasv_address, &route) {
        // Through a proxy, the announced address is asked of the proxy, or replaced by
        // the server's host as the user named it (never by the proxy's address).
        (PasvAddress::Trust, Some(route)) => Endpoint::Proxied {
            route: route.clone(),
            host: announced.ip().to_string(),
            port: announced.port(),
        },
        (PasvAddress::UseControlPeer, Some(_)) => at_server(announced.port()),
        (PasvAddress::Trust, None) => Endpoint::Direct(announced),
        (PasvAddress::UseControlPeer, None) if announced.ip() != control.peer.ip() => {
            info!(
                "PASV reply names {}, not the control peer {}; connecting to {} instead (set PasvAddress::Trust to use the announced address)",
                announced.ip(),
                control.peer.ip(),
                control.peer.ip()
            );
            Endpoint::Direct(SocketAddr::new(control.peer.ip(), announced.port()))
        }
        (PasvAddress::UseControlPeer, None) => Endpoint::Direct(announced),
    };
    let wait = config.wait(Deadline::DataConnect);
    if *passive == PassiveKind::Pasv {
        return Ok(Pending::Address(DataTarget { to, wait, reply }));
    }
    let s = connect_data(&to, wait, &reply)?;
    *passive = PassiveKind::Pasv;
    Ok(Pending::Connected(s))
}

/// The data connection to `to`, under the data-connect deadline: TCP, and through a proxy
/// its handshake, both within the one deadline.
fn connect_data(to: &Endpoint, wait: Wait, reply: &Reply) -> Result<TcpStream> {
    let deadline = far_instant(wait.after);
    match to {
        Endpoint::Direct(addr) => connect_addr(*addr, wait, reply),
        Endpoint::Proxied { route, host, port } => {
            debug!("data: connecting to {to}");
            let tcp = connect_addr(route.proxy_addr, wait, reply)?;
            proxy::handshake(
                &tcp,
                &route.proxy,
                host,
                *port,
                Phase::DataConnect,
                wait,
                deadline,
                Some(reply.clone()),
            )?;
            Ok(tcp)
        }
    }
}

fn connect_addr(addr: SocketAddr, wait: Wait, reply: &Reply) -> Result<TcpStream> {
    let timeout = wait.after;
    debug!("data: connecting to {addr}");
    TcpStream::connect_timeout(&addr, timeout).map_err(|e| {
        if is_timeout_kind(&e) {
            Error::Timeout {
                phase: Phase::DataConnect,
                deadline: wait.deadline,
                waiting_for: format!("connecting the data connection to {addr} (a firewall may drop it: try active mode)"),
                after: timeout,
                backend: None,
                last_reply: Some(reply.clone()),
            }
        } else {
            Error::Io {
                phase: Phase::DataConnect,
                source: io::Error::new(e.kind(), format!("data connection to {addr}: {e}; try active mode")),
                last_reply: Some(reply.clone()),
            }
        }
    })
}

fn listen(control: &mut Control, config: &Config) -> Result<TcpListener> {
    // The server must reach us on the address it already talks to (or, behind NAT, on the
    // address the router forwards to it: Config::active_address).
    let io_err = |e| Error::Io {
        phase: Phase::DataConnect,
        source: e,
        last_reply: None,
    };
    // Behind NAT the router forwards to whichever local address it knows: listen on all
    // of them (only the control peer is accepted, as always).
    let local = match (config.active_address, control.local.ip()) {
        (None, ip) => ip,
        (Some(_), IpAddr::V4(_)) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        (Some(_), IpAddr::V6(_)) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
    };
    let listener = bind_active(local, config.active_ports).map_err(io_err)?;
    let mut addr = listener.local_addr().map_err(io_err)?;
    if let Some(external) = config.active_address {
        debug!("active mode: announcing {external} for the local {addr}");
        addr.set_ip(external);
    }
    control.expect(
        &active_command(addr),
        Phase::DataConnect,
        expect::positive,
        Some(Hint::Note(
            "the server refused active mode; use passive mode (the default)",
        )),
    )?;
    Ok(listener)
}

/// A listener on `ip`, on any free port or on a free one of `ports` (tried from a varying
/// start, so that sessions side by side do not race for the same one).
fn bind_active(ip: IpAddr, ports: Option<(u16, u16)>) -> io::Result<TcpListener> {
    let Some((lo, hi)) = ports else {
        return TcpListener::bind(SocketAddr::new(ip, 0));
    };
    if lo == 0 || lo > hi {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the active port range {lo}-{hi} is empty or starts at 0"),
        ));
    }
    let span = u32::from(hi - lo) + 1;
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        % span;
    let mut last = None;
    for i in 0..span {
        let port = lo + ((start + i) % span) as u16;
        match TcpListener::bind(SocketAddr::new(ip, port)) {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!(
            "no free port in the active port range {lo}-{hi} ({})",
            last.map_or_else(String::new, |e| e.to_string())
        ),
    ))
}

/// Finishes the data connection once the transfer command was accepted: accepts (active),
/// then runs the TLS handshake when data is protected, and sets the idle deadline.
pub(crate) fn complete(
    pending: Pending,
    control: &mut Control,
    config: &Config,
    protect: bool,
    command: &str,
) -> Result<Stream> {
    let tcp = match pending {
        Pending::Connected(s) => s,
        Pending::Ready(stream) => return with_idle_deadline(stream?, config),
        Pending::Address(target) => target.connect()?,
        Pending::Listening(l) => accept(
            &l,
            control,
            config.active_accept_any_peer,
            config.wait(Deadline::DataConnect),
            command,
        )?,
    };
    let control: &Control = control;
    let _ = tcp.set_nodelay(false);
    let stream = if protect {
        let tls = control
            .stream()
            .and_then(Stream::tls)
            .ok_or_else(|| Error::TlsRequired {
                phase: Phase::DataConnect,
                detail: "data protection is on but the control connection is not encrypted".into(),
                hint: None,
            })?;
        let (backend, resumes) = (tls.info().backend, tls.resumes_sessions());
        let wait = config.wait(Deadline::Handshake);
        let last_reply = control.last_reply.clone();
        handshake_data(backend, resumes, wait, last_reply, command, tcp, |tcp| {
            tls.connect_data(tcp)
        })?
    } else {
        Stream::Plain(tcp)
    };
    with_idle_deadline(stream, config)
}

/// The TLS handshake of a data connection for `command`, under the handshake deadline,
/// with the session-reuse hint on failure; `handshake` is the backend's.
pub(crate) fn handshake_data(
    backend: &'static str,
    resumes: bool,
    wait: Wait,
    last_reply: Option<Reply>,
    command: &str,
    tcp: TcpStream,
    handshake: impl FnOnce(TcpStream) -> Result<Box<dyn TlsStream>, TlsError>,
) -> Result<Stream> {
    let s = tls_handshake(
        backend,
        Phase::DataConnect,
        &format!("performing the TLS handshake on the data connection for {command}"),
        wait,
        last_reply,
        tcp,
        handshake,
    )
    .map_err(|e| session_reuse_hint(e, resumes))?;
    let info = s.info();
    debug!(
        "data TLS via {}: {} {} resumed={}",
        info.backend,
        info.protocol.as_deref().unwrap_or("?"),
        info.cipher.as_deref().unwrap_or("?"),
        info.resumed
            .map_or("unknown".to_string(), |r| r.to_string())
    );
    Ok(Stream::Tls(s))
}

/// From now on a read or write that waits longer than the idle deadline fails.
fn with_idle_deadline(stream: Stream, config: &Config) -> Result<Stream> {
    let idle = Some(config.wait(Deadline::Idle).after);
    let tcp = stream.tcp();
    tcp.set_read_timeout(idle)
        .and_then(|_| tcp.set_write_timeout(idle))
        .map_err(|e| Error::Io {
            phase: Phase::DataConnect,
            source: e,
            last_reply: None,
        })?;
    Ok(stream)
}

/// Recognises a server's refusal of a data connection that did not resume the control TLS
/// session (vsftpd: `522 SSL connection failed: session reuse required`; ProFTPD: `425`/`450`
/// after the handshake), from the reply and from whether the backend can resume at all
/// (`resumes`: `None` for plain FTP, where there is nothing to resume).
pub(crate) fn reuse_diagnosis(reply: &Reply, resumes: Option<bool>) -> Option<Hint> {
    let resumes = resumes?;
    let text = reply.full_text().to_ascii_lowercase();
    let about_reuse = text.contains("reuse") || text.contains("resum") || reply.code() == 522;
    let data_refused = matches!(reply.code(), 425 | 450 | 522);
    match (resumes, about_reuse, data_refused) {
        (false, true, _) | (false, _, true) => Some(Hint::UseResumingBackend),
        (true, true, true) => Some(Hint::TryOtherResumingBackend),
        _ => None,
    }
}

/// A data-connection handshake that failed with a backend that cannot resume sessions:
/// the server may have refused it for that.
fn session_reuse_hint(e: Error, resumes: bool) -> Error {
    match e {
        Error::Tls {
            phase,
            backend,
            detail,
            source,
            ..
        } if !resumes => Error::Tls {
            phase,
            backend,
            detail,
            hint: Some(Hint::UseResumingBackend),
            source,
        },
        other => other,
    }
}

/// Waits for the server to connect to us (active mode), watching the control connection
/// meanwhile: a server that cannot connect says so there (`425`, `421`) and the wait ends
/// at once with its reply, instead of running out the whole data-connect deadline.
fn accept(
    listener: &TcpListener,
    control: &mut Control,
    any_peer: bool,
    wait: Wait,
    command: &str,
) -> Result<TcpStream> {
    let timeout = wait.after;
    /// How often the control connection is looked at while no connection comes.
    const WATCH: Duration = Duration::from_millis(50);
    let peer = control.peer.ip();
    let last_reply = control.last_reply.clone();
    let deadline = far_instant(timeout);
    let mut reply_kept = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Timeout {
                phase: Phase::DataConnect,
                deadline: wait.deadline,
                waiting_for: "waiting for the server to connect to us (active mode; a firewall or NAT may block it: try passive mode)".into(),
                after: timeout,
                backend: None,
                last_reply,
            });
        }
        if let Some(s) = accept_within(listener, peer, any_peer, left.min(WATCH), &last_reply)? {
            return Ok(s);
        }
        if reply_kept || !control.has_input() {
            continue;
        }
        // A small file may be sent and its 226 written in the moment since we looked: a
        // connection waiting in the backlog wins over whatever the control connection says.
        let now = Duration::from_millis(1);
        if let Some(s) = accept_within(listener, peer, any_peer, now, &last_reply)? {
            return Ok(s);
        }
        let reply = control.read_reply(
            Phase::DataConnect,
            &format!(
                "reading the server's reply while waiting for its data connection for {command}"
            ),
        )?;
        if !reply.is_transient_failure() && !reply.is_permanent_failure() {
            // Not a refusal: the connection must be on its way. The reply is read again as
            // the transfer's own.
            control.push_back(reply);
            reply_kept = true;
            continue;
        }
        let hint = match reply.code() {
            425 | 426 => Hint::UsePassiveMode,
            421 => Hint::Note("the server is closing the session; try again later"),
            _ => Hint::Note("the server gave up on the transfer before connecting for the data"),
        };
        return Err(Error::Reply {
            phase: Phase::DataConnect,
            command: command.to_string(),
            reply,
            hint: Some(hint),
        });
    }
}

/// One `accept` that waits at most `wait`: the connection when one came from the allowed
/// peer, `None` when none came (or one from another host was refused).
fn accept_within(
    listener: &TcpListener,
    peer: IpAddr,
    any_peer: bool,
    wait: Duration,
    last_reply: &Option<Reply>,
) -> Result<Option<TcpStream>> {
    let io_err = |e| Error::Io {
        phase: Phase::DataConnect,
        source: e,
        last_reply: last_reply.clone(),
    };
    // SO_RCVTIMEO bounds accept() on Linux and the BSDs.
    SockRef::from(listener)
        .set_read_timeout(Some(wait))
        .map_err(io_err)?;
    match listener.accept() {
        Ok((s, from)) if any_peer || from.ip() == peer => {
            debug!("data: accepted connection from {from}");
            s.set_nonblocking(false).ok();
            Ok(Some(s))
        }
        Ok((_, from)) => {
            warn!("active mode: refused a data connection from {from}, which is not the control peer {peer}");
            Ok(None)
        }
        Err(e) if is_timeout_kind(&e) || e.kind() == io::ErrorKind::Interrupted => Ok(None),
        Err(e) => Err(io_err(e)),
    }
}

/// Runs a backend's handshake under the handshake deadline and turns its failure into an
/// [`Error`] that names the phase and the backend.
pub(crate) fn tls_handshake(
    backend: &'static str,
    phase: Phase,
    waiting_for: &str,
    wait: Wait,
    last_reply: Option<Reply>,
    tcp: TcpStream,
    handshake: impl FnOnce(TcpStream) -> Result<Box<dyn TlsStream>, TlsError>,
) -> Result<Box<dyn TlsStream>> {
    let io_err = |e| Error::Io {
        phase,
        source: e,
        last_reply: last_reply.clone(),
    };
    let timeout = wait.after;
    tcp.set_read_timeout(Some(timeout)).map_err(io_err)?;
    tcp.set_write_timeout(Some(timeout)).map_err(io_err)?;
    let started = Instant::now();
    debug!("{phase}: TLS handshake via {backend} (deadline {timeout:?})");
    // The socket timeouts bound each read; the watchdog bounds the whole handshake, so a
    // peer that trickles one byte at a time cannot stretch it without limit.
    let watchdog = Watchdog::arm(&tcp, timeout).map_err(io_err)?;
    let result = handshake(tcp);
    let result = match (watchdog.disarm(), result) {
        (true, Ok(_)) | (true, Err(_)) => Err(TlsError::Timeout(format!(
            "the whole handshake took longer than {timeout:?}"
        ))),
        (false, r) => r,
    };
    match result {
        Ok(s) => {
            let info = s.info();
            debug!(
                "{phase}: TLS via {backend} established in {:?}: {} {}",
                started.elapsed(),
                info.protocol.as_deref().unwrap_or("?"),
                info.cipher.as_deref().unwrap_or("?")
            );
            Ok(s)
        }
        Err(TlsError::Timeout(detail)) => {
            debug!(
                "{phase}: TLS via {backend} timed out after {:?}: {detail}",
                started.elapsed()
            );
            Err(Error::Timeout {
                deadline: wait.deadline,
                phase,
                waiting_for: waiting_for.to_string(),
                after: timeout,
                backend: Some(backend),
                last_reply,
            })
        }
        // The advice depends on the cause: trusting a CA fixes an unknown issuer, not an
        // expired certificate or a wrong name; turning verification off fixes none of them.
        Err(e @ TlsError::Certificate(..)) => Err(Error::Tls {
            phase,
            backend,
            detail: e.to_string(),
            hint: match &e {
                TlsError::Certificate(problem, _) => Some(Hint::Certificate(problem.clone())),
                _ => None,
            },
            source: Some(Box::new(e)),
        }),
        Err(e) => Err(Error::Tls {
            phase,
            backend,
            detail: e.to_string(),
            hint: Some(Hint::TryAnotherBackend),
            source: Some(Box::new(e)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epsv_replies() {
        assert_eq!(
            parse_epsv("Entering Extended Passive Mode (|||6446|)"),
            Some(6446)
        );
        assert_eq!(
            parse_epsv("Entering Extended Passive Mode (!!!6446!)"),
            Some(6446)
        );
        assert_eq!(parse_epsv("EPSV ok (|||65535|)."), Some(65535));
        assert_eq!(parse_epsv("(|||0|)"), None);
        assert_eq!(parse_epsv("(|||70000|)"), None);
        assert_eq!(parse_epsv("(|1|6446|)"), None);
        assert_eq!(parse_epsv("no parens"), None);
        assert_eq!(parse_epsv("(||||)"), None);
        assert_eq!(parse_epsv("("), None);
        assert_eq!(parse_epsv("(é)"), None);
    }

    #[test]
    fn pasv_replies() {
        assert_eq!(
            parse_pasv("Entering Passive Mode (127,0,0,1,195,80)."),
            Some("127.0.0.1:50000".parse().unwrap())
        );
        // No parentheses (some servers), and trailing text.
        assert_eq!(
            parse_pasv("Entering Passive Mode 10,1,2,3,4,1"),
            Some("10.1.2.3:1025".parse().unwrap())
        );
        assert_eq!(
            parse_pasv("=192,168,0,1,4,0 ok"),
            Some("192.168.0.1:1024".parse().unwrap())
        );
        assert_eq!(parse_pasv("(256,0,0,1,1,1)"), None);
        assert_eq!(parse_pasv("(1,2,3,4,5)"), None);
        assert_eq!(parse_pasv("(1,2,3,4,0,0)"), None);
        assert_eq!(parse_pasv(""), None);
    }

    #[test]
    fn session_reuse_refusals_are_diagnosed() {
        let vsftpd = Reply::new(
            522,
            vec!["522 SSL connection failed: session reuse required".into()],
        );
        let proftpd = Reply::new(
            425,
            vec!["425 Unable to build data connection: Operation not permitted".into()],
        );
        let missing = Reply::new(550, vec!["550 Failed to open file.".into()]);
        // A backend that cannot resume: every data refusal is put down to that.
        assert_eq!(
            reuse_diagnosis(&vsftpd, Some(false)),
            Some(Hint::UseResumingBackend)
        );
        assert_eq!(
            reuse_diagnosis(&proftpd, Some(false)),
            Some(Hint::UseResumingBackend)
        );
        // One that resumes: only a refusal that speaks of reuse.
        assert_eq!(
            reuse_diagnosis(&vsftpd, Some(true)),
            Some(Hint::TryOtherResumingBackend)
        );
        assert_eq!(reuse_diagnosis(&proftpd, Some(true)), None);
        assert_eq!(reuse_diagnosis(&missing, Some(false)), None);
        assert_eq!(reuse_diagnosis(&vsftpd, None), None);
    }

    #[test]
    fn active_commands() {
        let c = active_command("10.0.0.1:6275".parse().unwrap());
        assert_eq!(c.display(), "PORT 10,0,0,1,24,131");
        let c = active_command("[::1]:6275".parse().unwrap());
        assert_eq!(c.display(), "EPRT |2|::1|6275|");
    }
}
