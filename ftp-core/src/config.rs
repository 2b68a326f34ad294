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
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(15),
            reply: Duration::from_secs(30),
            handshake: Duration::from_secs(15),
            data_connect: Duration::from_secs(15),
            idle: Duration::from_secs(60),
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

/// Whether and how the session is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TlsMode {
    /// Plain FTP: nothing is encrypted, the password included. Chosen only on purpose.
    None,
    /// Explicit FTPS: connect in plain, then `AUTH TLS`; refuse to go on if the server
    /// declines. Data connections are protected too (`PBSZ 0`, `PROT P`).
    #[default]
    Explicit,
    /// Implicit FTPS: TLS from the first byte (usually port 990).
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

/// All the settings of a session. Built through [`crate::ClientBuilder`].
#[derive(Clone, Default)]
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
    /// Encryption stance.
    pub tls_mode: TlsMode,
    /// The TLS backend, required unless `tls_mode` is [`TlsMode::None`].
    pub tls: Option<Arc<dyn TlsConnector>>,
    /// The name to verify the certificate against and send as SNI; defaults to the host.
    pub tls_server_name: Option<String>,
    /// Size limits.
    pub limits: Limits,
    /// An absolute time by which every wait must end: each deadline above is cut to what is
    /// left. AutoConnect uses it to hold its whole time budget.
    pub deadline: Option<std::time::Instant>,
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

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("timeouts", &self.timeouts)
            .field("data_mode", &self.data_mode)
            .field("pasv_address", &self.pasv_address)
            .field("active_accept_any_peer", &self.active_accept_any_peer)
            .field("tls_mode", &self.tls_mode)
            .field("tls", &self.tls.as_ref().map(|t| t.backend()))
            .field("tls_server_name", &self.tls_server_name)
            .field("limits", &self.limits)
            .field("deadline", &self.deadline)
            .finish()
    }
}
