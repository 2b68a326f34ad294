//! The TLS abstraction that backends implement.
//!
//! `ftp-core` depends on no TLS library. A backend crate (`ftp-tls-rustls`,
//! `ftp-tls-openssl`, `ftp-tls-native`) implements [`TlsConnector`]; the core hands it a
//! connected [`TcpStream`] whose read and write timeouts are already set to the handshake
//! deadline, so a backend that performs the handshake with blocking I/O cannot hang: a
//! silent peer makes a socket read fail with `WouldBlock`/`TimedOut`, which the backend
//! reports as [`TlsError::Timeout`].
//!
//! Data connections must be able to resume the control connection's TLS session (vsftpd
//! and ProFTPD refuse them otherwise), so the control stream itself opens them:
//! [`TlsStream::connect_data`].

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::SystemTime;

/// Opens TLS client sessions over connected TCP streams.
pub trait TlsConnector: Send + Sync + fmt::Debug {
    /// The backend's name: `rustls`, `openssl` or `native-tls`.
    fn backend(&self) -> &'static str;

    /// Performs a complete TLS handshake over `tcp` for `server_name` (a DNS name or an IP
    /// address literal) and returns the stream. The handshake must be finished when this
    /// returns (no lazy handshake on first write), so that its deadline applies here.
    fn connect(&self, server_name: &str, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError>;
}

/// An established TLS client stream.
///
/// `read` must report a peer that closed the TCP connection without close_notify as an
/// error of kind [`io::ErrorKind::UnexpectedEof`], not as a clean end (`Ok(0)`): the core then
/// lets the byte count and the server's final reply decide whether the transfer is complete.
pub trait TlsStream: Read + Write + Send + fmt::Debug {
    /// The TCP socket underneath (for timeouts and addresses).
    fn tcp(&self) -> &TcpStream;

    /// Sends close_notify. Called before an upload waits for the server's final reply, so
    /// the server can tell a complete upload from a truncated one.
    fn close_notify(&mut self) -> io::Result<()>;

    /// What was negotiated.
    fn info(&self) -> TlsInfo;

    /// Opens a TLS session for a data connection over `tcp`, resuming this (control)
    /// session where the backend can.
    ///
    /// With TLS 1.3, session tickets arrive after the handshake; the core always reads a
    /// reply over the control connection before it opens a data connection, so by then the
    /// backend has seen them.
    fn connect_data(&self, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError>;
}

/// What a TLS handshake negotiated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsInfo {
    /// The backend's name.
    pub backend: &'static str,
    /// Protocol version, e.g. `TLSv1.3`.
    pub protocol: Option<String>,
    /// Cipher suite name.
    pub cipher: Option<String>,
    /// Whether the session was resumed; `None` when the backend cannot tell.
    pub resumed: Option<bool>,
    /// The server's leaf certificate, when the backend exposes it.
    pub peer_certificate: Option<CertificateInfo>,
}

/// A summary of a certificate, for logs and diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// End of validity.
    pub not_after: Option<SystemTime>,
}

impl TlsInfo {
    /// An empty description for `backend`.
    pub fn new(backend: &'static str) -> TlsInfo {
        TlsInfo {
            backend,
            ..TlsInfo::default()
        }
    }
}

impl CertificateInfo {
    /// Builds a certificate summary.
    pub fn new(subject: String, issuer: String, not_after: Option<SystemTime>) -> CertificateInfo {
        CertificateInfo {
            subject,
            issuer,
            not_after,
        }
    }
}

/// A backend's failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The peer did not answer within the socket timeout set by the core.
    #[error("the TLS handshake did not complete in time: {0}")]
    Timeout(String),
    /// The certificate was rejected (unknown issuer, expired, wrong name, …).
    #[error("certificate rejected: {0}")]
    Certificate(String),
    /// Any other handshake failure (alert, protocol mismatch, garbage from the peer…).
    #[error("handshake failed: {0}")]
    Handshake(String),
    /// The options cannot be honoured by this backend.
    #[error("configuration: {0}")]
    Config(String),
}

impl TlsError {
    /// Classifies an I/O error that surfaced during a handshake: a timeout if the socket's
    /// deadline fired, otherwise a handshake failure.
    pub fn from_io(e: &io::Error) -> TlsError {
        if crate::error::is_timeout_kind(e) {
            TlsError::Timeout(e.to_string())
        } else {
            TlsError::Handshake(e.to_string())
        }
    }
}

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.0 (obsolete; refused unless asked for, and only some backends can).
    Tls10,
    /// TLS 1.1 (obsolete; likewise).
    Tls11,
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

/// The TLS options every backend understands. A backend that cannot honour one of them
/// refuses it when the connector is built ([`TlsError::Config`]), never silently.
///
/// ```
/// use ftp_core::tls::{TlsOptions, TlsVersion};
/// let opts = TlsOptions::default();
/// assert_eq!(opts.min_version, TlsVersion::Tls12);
/// assert!(!opts.dangerous_accept_invalid_certs);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsOptions {
    /// Trust the operating system's root certificates. Default `true`.
    pub system_roots: bool,
    /// Also trust the CA certificates in these PEM files.
    pub ca_files: Vec<std::path::PathBuf>,
    /// Accept any certificate and any host name. Anyone on the network path can then read
    /// and change the session: for diagnosis only.
    pub dangerous_accept_invalid_certs: bool,
    /// Lowest version offered. Default TLS 1.2.
    pub min_version: TlsVersion,
    /// Highest version offered. Default TLS 1.3.
    pub max_version: TlsVersion,
    /// Send the server name (SNI) in the handshake. Default `true`; ignored for IP addresses,
    /// which SNI cannot carry.
    pub sni: bool,
    /// A client certificate chain and its private key, both PEM files.
    pub client_identity: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

impl Default for TlsOptions {
    fn default() -> TlsOptions {
        TlsOptions {
            system_roots: true,
            ca_files: Vec::new(),
            dangerous_accept_invalid_certs: false,
            min_version: TlsVersion::Tls12,
            max_version: TlsVersion::Tls13,
            sni: true,
            client_identity: None,
        }
    }
}

impl TlsOptions {
    /// Checks the version range.
    pub fn check_versions(&self) -> Result<(), TlsError> {
        if self.min_version > self.max_version {
            return Err(TlsError::Config(format!(
                "the minimum TLS version {:?} is above the maximum {:?}",
                self.min_version, self.max_version
            )));
        }
        Ok(())
    }
}
