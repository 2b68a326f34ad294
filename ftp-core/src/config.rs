//! Session settings: deadlines, data-connection mode, TLS stance and limits.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::tls::TlsConnector;

/// Every deadline of a session. None is infinite.
///
/// ```
/// use std::time::Duration;
/// use ftpkit_core::Timeouts;
/// let t = Timeouts::default();
/// assert_eq!(t.connect, Duration::from_secs(15));
/// assert_eq!(t.reply, Duration::from_secs(30));
/// // The final reply after 2 GiB moved may take 30 s + 2 × 30 s.
/// assert_eq!(t.final_reply_per_gib, Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Opening the TCP control connection (all resolved addresses together). Default 15 s.
    pub connect: Duration,
    /// Receiving one whole reply, counted from when we start waiting for it (a server that
    /// trickles bytes does not reset it). Default 30 s.
    pub reply: Duration,
    /// A TLS handshake, on the control or a data connection. Default 15 s.
    pub handshake: Duration,
    /// Opening a data connection (connect in passive mode, accept in active mode). Default 15 s.
    pub data_connect: Duration,
    /// A data connection on which no byte moves for this long is abandoned. Default 60 s.
    pub idle: Duration,
    /// How much longer the final reply of a transfer (the `226` after the data connection
    /// closed) may take per GiB moved, on top of [`Timeouts::reply`]. Servers that checksum,
    /// scan or move a file before they confirm it answer late, the later the larger the
    /// file: a fixed deadline would abort good uploads. Default 30 s per GiB (work done at
    /// about 35 MB/s, a slow disk reading the file back or copying it to another volume),
    /// so the wait is 30 s for a small file, 60 s after 1 GiB and 330 s after 10 GiB.
    /// `Duration::ZERO` turns the scaling off. Counted from the end of the data; still cut
    /// by [`crate::Config::deadline`]; a timeout names [`crate::Deadline::Reply`] with the
    /// scaled wait as its duration. An upload resumed with `REST` counts the whole file.
    pub final_reply_per_gib: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(15),
            reply: Duration::from_secs(30),
            handshake: Duration::from_secs(15),
            data_connect: Duration::from_secs(15),
            idle: Duration::from_secs(60),
            final_reply_per_gib: Duration::from_secs(30),
        }
    }
}

/// How data connections are opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DataMode {
    /// The client connects to the server: `EPSV`, falling back to `PASV`.
    #[default]
    Passive,
    /// The server connects to the client: `EPRT` (IPv6) or `PORT` (IPv4), on the address the
    /// control connection uses locally.
    Active,
}

/// What to do with the address in a `227` (PASV) reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PasvAddress {
    /// Connect to the control connection's peer, whatever address the reply names (the
    /// port is still taken from the reply). Protects against a server that points the
    /// client at another host, and fixes servers behind NAT that announce a private
    /// address. This is what curl does by default.
    #[default]
    UseControlPeer,
    /// Connect to the address the server announced.
    Trust,
}

/// Whether and how the session is encrypted, with the TLS backend that does it.
///
/// The connector travels with the mode, so "TLS without a backend" cannot be written.
/// Plain FTP has to be named: nothing chooses it by default.
///
/// ```
/// use ftpkit_core::{Client, Security, TlsMode};
/// let b = Client::builder("127.0.0.1", Security::Plain).port(2121);
/// assert_eq!(b.current_security().mode(), TlsMode::Plain);
/// ```
///
/// With a backend (the `ftpkit` facade builds one with `Backend::connector`):
///
/// ```no_run
/// # fn f(tls: std::sync::Arc<dyn ftpkit_core::TlsConnector>) -> ftpkit_core::Result<()> {
/// use ftpkit_core::{Client, Security};
/// let ftp = Client::builder("ftp.example.com", Security::Explicit(tls)).connect()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum Security {
    /// Plain FTP: nothing is encrypted, the password included. Chosen only on purpose.
    Plain,
    /// Explicit FTPS: connect in plain, then `AUTH TLS`; refuse to go on if the server
    /// declines. Data connections are protected too (`PBSZ 0`, `PROT P`).
    Explicit(Arc<dyn TlsConnector>),
    /// Implicit FTPS: TLS from the first byte (usually port 990).
    Implicit(Arc<dyn TlsConnector>),
}

impl Security {
    /// The mode without its connector.
    pub fn mode(&self) -> TlsMode {
        match self {
            Security::Plain => TlsMode::Plain,
            Security::Explicit(_) => TlsMode::Explicit,
            Security::Implicit(_) => TlsMode::Implicit,
        }
    }

    /// The TLS backend, `None` for plain FTP.
    pub fn connector(&self) -> Option<&Arc<dyn TlsConnector>> {
        match self {
            Security::Plain => None,
            Security::Explicit(c) | Security::Implicit(c) => Some(c),
        }
    }

    /// `mode` with `connector`; `None` when `mode` is [`TlsMode::Plain`] (no connector is
    /// needed) and a connector is given all the same, or when TLS is asked for without one.
    ///
    /// ```
    /// use ftpkit_core::{Security, TlsMode};
    /// assert!(matches!(Security::with_mode(TlsMode::Plain, None), Some(Security::Plain)));
    /// assert!(Security::with_mode(TlsMode::Explicit, None).is_none());
    /// ```
    pub fn with_mode(mode: TlsMode, connector: Option<Arc<dyn TlsConnector>>) -> Option<Security> {
        match (mode, connector) {
            (TlsMode::Plain, None) => Some(Security::Plain),
            (TlsMode::Explicit, Some(c)) => Some(Security::Explicit(c)),
            (TlsMode::Implicit, Some(c)) => Some(Security::Implicit(c)),
            _ => None,
        }
    }

    /// The port a URL without one means: 990 for implicit TLS, 21 otherwise.
    pub fn default_port(&self) -> u16 {
        match self {
            Security::Implicit(_) => 990,
            _ => 21,
        }
    }
}

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.connector() {
            None => f.write_str("Plain"),
            Some(c) => write!(f, "{:?}({})", self.mode(), c.backend()),
        }
    }
}

/// The encryption stance without its connector: what a report or a command line names.
/// [`Security`] is what a session is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsMode {
    /// Plain FTP.
    Plain,
    /// Explicit FTPS (`AUTH TLS`).
    Explicit,
    /// Implicit FTPS (TLS from the first byte).
    Implicit,
}

/// Size limits that protect memory against a hostile or broken server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest accepted line of a reply or a listing, in bytes. Default 64 KiB.
    pub max_line: usize,
    /// Longest accepted reply (all lines of a multi-line reply, each line counted with
    /// what storing it costs). Default 4 MiB.
    pub max_reply: usize,
    /// Most lines in one reply. Default 65,536.
    pub max_reply_lines: usize,
    /// Most listing entries collected into a `Vec`. Default 1,000,000.
    pub max_list_entries: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_line: 64 * 1024,
            max_reply: 4 * 1024 * 1024,
            max_reply_lines: 65_536,
            max_list_entries: 1_000_000,
        }
    }
}

/// The settings of a session apart from its host, port and [`Security`]: one value that
/// can be kept, changed field by field and given whole to [`crate::ClientBuilder::config`]
/// (or to many builders, one per connection).
///
/// ```
/// use std::time::Duration;
/// use ftpkit_core::{Client, Config, DataMode, Security};
/// let mut config = Config::default();
/// config.timeouts.reply = Duration::from_secs(120);
/// config.data_mode = DataMode::Active;
/// let b = Client::builder("127.0.0.1", Security::Plain).config(config.clone());
/// assert_eq!(b.current_config().timeouts.reply, Duration::from_secs(120));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Deadlines.
    pub timeouts: Timeouts,
    /// Passive or active data connections.
    pub data_mode: DataMode,
    /// What to do with the address in a PASV reply.
    pub pasv_address: PasvAddress,
    /// In active mode, accept data connections from any address, not only the control peer.
    pub active_accept_any_peer: bool,
    /// The name to verify the certificate against and send as SNI; defaults to the host.
    pub tls_server_name: Option<String>,
    /// A proxy for the control connection and every passive data connection (SOCKS5 or
    /// HTTP `CONNECT`); `None` (the default) connects directly. Active mode cannot work
    /// through a proxy and is refused before anything is sent.
    ///
    /// ```
    /// use ftpkit_core::{Config, Proxy};
    /// let mut config = Config::default();
    /// config.proxy = Some(Proxy::socks5h("127.0.0.1", 1080));
    /// ```
    pub proxy: Option<crate::proxy::Proxy>,
    /// Size limits.
    pub limits: Limits,
    /// Set modification times with `MDTM YYYYMMDDHHMMSS path` where the server has no
    /// `MFMT` (vsftpd understands it). Off by default, as in lftp
    /// (`ftp:use-mdtm-overloaded`): a server that does not would read the time as part of
    /// the file name.
    pub mdtm_sets_time: bool,
    /// An absolute time by which every wait must end: each deadline above is cut to what is
    /// left. AutoConnect uses it to hold its whole time budget.
    pub deadline: Option<std::time::Instant>,
    /// Keep-alive during transfers: while a download is read or an upload written, a `NOOP`
    /// goes out on the control connection whenever it has been quiet for this long, so that
    /// a firewall, NAT or load balancer that tracks the control connection (or a server
    /// that times it out) does not drop it while a long transfer runs. `None` turns it off.
    /// Default 60 s.
    ///
    /// The NOOPs are counted and exactly as many replies are read when the transfer ends,
    /// whether the server answers them during the transfer (ProFTPD), after its `226`
    /// (vsftpd reads nothing during a transfer) or late: they are never taken for the
    /// transfer's reply nor left behind to shift later ones. A server that never answers
    /// them leaves the session unusable after the transfer (the transfer's own result
    /// stands); turn keep-alive off for such a server, or for one that misbehaves when it
    /// gets a command during a transfer.
    ///
    /// The NOOP is sent between reads or writes of the data, so a data connection that
    /// stalls completely gets none ([`Timeouts::idle`] governs it). Transfers shorter than
    /// the interval send none. 60 s is well under the idle limits of common middleboxes
    /// (4 to 6 minutes) and costs one short command a minute; lftp uses 120 s
    /// (`ftp:nop-interval`), FluentFTP ships it off with 3 to 4.5 minutes when on.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ftpkit_core::Config;
    /// let mut config = Config::default();
    /// assert_eq!(config.keepalive, Some(Duration::from_secs(60)));
    /// config.keepalive = None; // a server that aborts transfers on NOOP
    /// ```
    pub keepalive: Option<Duration>,
    /// The virtual host to ask for with `HOST` (RFC 7151) before logging in, for servers
    /// that serve several sites on one address (ProFTPD `<VirtualHost>` with `ServerAlias`,
    /// IIS). Sent right after the greeting, before `AUTH TLS`, so that the server can
    /// also pick that site's certificate. A server that does not know `HOST` is an error:
    /// it would log the session into its default site instead. `None` (the default):
    /// no `HOST`.
    pub virtual_host: Option<String>,
    /// After login, end TLS on the control connection with `CCC` (RFC 4217 §6), for
    /// firewalls that must read the commands (to open the ports of active mode, say), while
    /// data connections stay encrypted (`PROT P`).
    ///
    /// The trade-off: every command after the login, with its file names, then crosses the
    /// network in clear and can be changed by anyone on the path (a `DELE` inserted, a reply
    /// forged); the password and the data stay protected. Only with servers that allow it
    /// (ProFTPD `TLSOptions AllowClearCommandChannel`… refuse it by default). Default off.
    pub clear_command_channel: bool,
    /// Passive mode: ask with `EPSV` first (the default), or only ever with `PASV`, for
    /// servers and middleboxes that mishandle `EPSV` (curl's `--disable-epsv`).
    pub use_epsv: bool,
    /// Active mode: the address announced in `PORT`/`EPRT` instead of the control
    /// connection's local one, for a client behind NAT whose router forwards the ports
    /// (curl's `--ftp-port ADDRESS`). The listener then binds every local address (only the
    /// control peer's connection is accepted).
    pub active_address: Option<std::net::IpAddr>,
    /// Active mode: listen on a port of this inclusive range (the ones the NAT or firewall
    /// forwards) instead of any free port.
    pub active_ports: Option<(u16, u16)>,
    /// The charset of a server that names files in a legacy charset without saying so
    /// (no `UTF8` in `FEAT`): listing lines are decoded from it, so names read right, and
    /// the names parsed out of them are its bytes again. Paths given as text must be
    /// encoded with [`crate::Charset::path`]. Without it, names that are not UTF-8 still
    /// keep their exact bytes (see [`crate::RemotePath`]); only their display is lossy.
    pub charset: Option<crate::Charset>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            timeouts: Timeouts::default(),
            data_mode: DataMode::default(),
            pasv_address: PasvAddress::default(),
            active_accept_any_peer: false,
            tls_server_name: None,
            proxy: None,
            limits: Limits::default(),
            mdtm_sets_time: false,
            deadline: None,
            keepalive: Some(Duration::from_secs(60)),
            virtual_host: None,
            clear_command_channel: false,
            use_epsv: true,
            active_address: None,
            active_ports: None,
            charset: None,
        }
    }
}

impl Config {
    /// The next wait for deadline `kind`, cut to [`Config::deadline`].
    pub(crate) fn wait(&self, kind: crate::Deadline) -> crate::deadline::Wait {
        let t = &self.timeouts;
        let d = match kind {
            crate::Deadline::Connect => t.connect,
            crate::Deadline::Reply => t.reply,
            crate::Deadline::Handshake => t.handshake,
            crate::Deadline::DataConnect => t.data_connect,
            _ => t.idle,
        };
        crate::deadline::next_wait(d, kind, self.deadline)
    }
}
