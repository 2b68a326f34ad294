//! The session: one file per phase.
//!
//! - `connect.rs`: [`ClientBuilder`], TCP connect, greeting, TLS upgrade.
//! - `login.rs`: `USER`/`PASS`/`ACCT`, data protection, features.
//! - `commands.rs`: commands answered on the control connection (`PWD`, `SIZE`, `HASH`…).
//! - `transfers.rs`: data commands (`RETR`, `STOR`, `APPE`) and the copy helpers.
//! - `listing.rs`: `LIST`, `MLSD`, `NLST`, `MLST`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime};

use log::{debug, info};
use socket2::{Domain, Protocol, SockRef, Socket, TcpKeepalive, Type};

use crate::command::{check_arg, Command};
use crate::config::{Config, DataMode, Limits, PasvAddress, Security, Timeouts};
use crate::control::{Control, LineBuf, LineError, Stream};
use crate::data::{self, PassiveKind};
use crate::deadline::{far_instant, Deadline, Wait};
use crate::error::{Error, Phase, Result};
use crate::feat::Features;
use crate::hash::{self, HashAlgorithm, RemoteHash};
use crate::hint::Hint;
use crate::list::{self, ListEntry};
use crate::path::RemotePath;
use crate::proxy::{self, Proxy, ProxyKind, Route};
use crate::reply::{expect, Reply};
use crate::tls::{TlsConnector, TlsInfo};
use crate::transfer::{Download, Upload};

mod commands;
mod connect;
mod listing;
mod login;
mod transfers;

pub(crate) use connect::active_through_proxy;
pub use connect::ClientBuilder;
use connect::PhaseLog;
pub use listing::ListStream;

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
    /// The `150` replies to `RETR` announce the file's size ("(4096 bytes)", as vsftpd and
    /// ProFTPD do), and the announcement agreed with `SIZE` or the listing: later
    /// downloads rely on it instead of spending a round trip on `SIZE` first. A `150`
    /// without a size turns it off again.
    announces_size: bool,
    features: Features,
    passive: PassiveKind,
    /// The `SYST` reply, once [`Client::system`] asked: a hint for the listing parsers.
    pub(crate) system: Option<String>,
    transfer_type: Option<TransferType>,
    protect_data: bool,
    last_data_tls: Option<TlsInfo>,
}

impl Client {
    /// Settings for a new session to `host`, encrypted as `security` says (see
    /// [`ClientBuilder`]).
    pub fn builder(host: impl Into<String>, security: Security) -> ClientBuilder {
        ClientBuilder::new(host, security)
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

    /// The local address of the control connection.
    pub fn local_addr(&self) -> SocketAddr {
        self.control.local
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

    /// False once a failure left the session unusable (a reply that never came, a
    /// transfer that could not be aborted cleanly…): every command would fail with
    /// [`Error::Broken`](crate::Error::Broken), and only a new session helps. A
    /// [`crate::Pool`] drops such sessions instead of reusing them.
    pub fn is_usable(&self) -> bool {
        !self.control.is_broken()
    }

    /// Replaces the session's absolute end ([`Config::deadline`]) for every wait from now on.
    pub(crate) fn set_session_deadline(&mut self, at: Option<Instant>) {
        self.config.deadline = at;
        self.control.deadline = at;
    }

    /// `QUIT`, then closes the connection.
    pub fn quit(mut self) -> Result<()> {
        let r = self.control.execute(&Command::bare("QUIT"), Phase::Quit);
        self.control.shutdown();
        r.map(drop)
    }
}
