//! The TLS abstraction that backends implement.
//!
//! `ftpkit-core` depends on no TLS library. A backend crate (`ftpkit-rustls`,
//! `ftpkit-openssl`, `ftpkit-native-tls`) implements [`TlsConnector`]; the core hands it a
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

use crate::pin::{CertificatePin, Fingerprints};

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

    /// Whether [`TlsStream::connect_data`] resumes this session. Servers that require it
    /// (vsftpd `require_ssl_reuse=YES`, ProFTPD by default) refuse the data connections
    /// of a backend that cannot, and the core then says so instead of guessing.
    fn resumes_sessions(&self) -> bool;

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

    /// What [`TlsStream::connect_data`] does, detached from this stream so that it can run
    /// on another thread: the core then starts a data connection's handshake while it
    /// still waits for the reply to the transfer command, which saves a round trip per
    /// transfer (servers read the early ClientHello once they accept). `None`, the
    /// default, keeps the handshake after the reply.
    fn data_connector(&self) -> Option<Box<dyn DataConnector>> {
        None
    }
}

/// Opens one data connection's TLS session for a control session, from any thread; see
/// [`TlsStream::data_connector`].
pub trait DataConnector: Send {
    /// The handshake over `tcp`, resuming the control session where the backend can.
    fn connect(self: Box<Self>, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError>;
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
    /// Start of validity.
    pub not_before: Option<SystemTime>,
    /// The DNS names and IP addresses of its subjectAltName, in order.
    pub names: Vec<String>,
    /// Its fingerprints, for pinning ([`TlsOptions::pinned`]).
    pub fingerprints: Option<Fingerprints>,
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
            ..CertificateInfo::default()
        }
    }

    /// Adds the start of validity, the subjectAltName entries and the fingerprints of the
    /// certificate `der`.
    pub fn with_details(
        mut self,
        not_before: Option<SystemTime>,
        names: Vec<String>,
        der: &[u8],
    ) -> CertificateInfo {
        self.not_before = not_before;
        self.names = names;
        self.fingerprints = Some(Fingerprints::of_der(der));
        self
    }
}

/// Several lines for a person deciding whether to trust the certificate: subject, issuer,
/// validity, names and fingerprints.
impl fmt::Display for CertificateInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or_unknown = |s: &str| match s.is_empty() {
            true => "(not known to this backend)".to_owned(),
            false => s.to_owned(),
        };
        writeln!(f, "subject:     {}", or_unknown(&self.subject))?;
        writeln!(f, "issuer:      {}", or_unknown(&self.issuer))?;
        let when = |t: Option<SystemTime>| t.map_or("(unknown)".to_owned(), utc);
        writeln!(f, "valid from:  {}", when(self.not_before))?;
        writeln!(f, "valid until: {}", when(self.not_after))?;
        match self.names.is_empty() {
            true => writeln!(f, "names:       (no subjectAltName)")?,
            false => writeln!(f, "names:       {}", self.names.join(", "))?,
        }
        if let Some(fp) = &self.fingerprints {
            writeln!(f, "certificate: {}", fp.certificate_pin())?;
            if let Some(key) = fp.public_key_pin() {
                writeln!(f, "public key:  {key}")?;
            }
        }
        Ok(())
    }
}

/// A backend's failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The peer did not answer within the socket timeout set by the core.
    #[error("the TLS handshake did not complete in time: {0}")]
    Timeout(String),
    /// The server's certificate was rejected; the problem says why (unknown issuer, expired,
    /// wrong name, not the pinned one, …), and what to do about it
    /// ([`CertificateProblem::advice`]). The fingerprints are those of the certificate the
    /// server presented (`None` when the backend did not get that far), so that a user can
    /// compare them with the administrator's and pin it.
    #[error("certificate rejected: {problem}{seen}", problem = .0, seen = presented(.1))]
    Certificate(CertificateProblem, Option<Fingerprints>),
    /// Any other handshake failure (alert, protocol mismatch, garbage from the peer…): a
    /// description, and the TLS library's own error as the [`source`](std::error::Error::source)
    /// when the backend has one (an `openssl::error::ErrorStack`, a `rustls::Error`…).
    #[error("handshake failed: {0}")]
    Handshake(String, #[source] Option<BoxError>),
    /// The options cannot be honoured by this backend.
    #[error("configuration: {0}")]
    Config(String),
}

/// Why a server certificate was rejected: filled in by each backend from its own error, so
/// that the words (and the advice) are the same whichever TLS library found the problem.
///
/// `Display` gives one plain sentence about the server's certificate;
/// [`advice`](CertificateProblem::advice) what to do about it.
///
/// ```
/// use ftpkit_core::CertificateProblem;
/// let p = CertificateProblem::NameMismatch {
///     expected: "10.0.0.7".into(),
///     presented: Some(vec!["ftp.example.com".into()]),
/// };
/// assert_eq!(
///     p.to_string(),
///     "the server's certificate is not valid for \"10.0.0.7\": it carries only the name \"ftp.example.com\""
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// The certificate is self-signed and is not one of the trusted certificates.
    SelfSigned,
    /// The certificate was issued by a certificate authority that is not trusted, or the
    /// server did not send the intermediate certificates that lead to a trusted one.
    UnknownIssuer,
    /// The certificate's validity period is over.
    Expired {
        /// Its end, when the backend knows it.
        not_after: Option<SystemTime>,
    },
    /// The certificate's validity period has not begun.
    NotYetValid {
        /// Its start, when the backend knows it.
        not_before: Option<SystemTime>,
    },
    /// The certificate does not carry the name (or IP address) the client connected to.
    NameMismatch {
        /// The name checked: the host connected to, or the TLS server name set instead.
        expected: String,
        /// The DNS names and IP addresses the certificate carries; `None` when the backend
        /// cannot tell.
        presented: Option<Vec<String>>,
    },
    /// The server presents a certificate authority's certificate (`CA:TRUE`) as its own.
    CaUsedAsServerCertificate,
    /// The certificate is not meant for TLS servers (its extended key usage lacks
    /// serverAuth).
    NotForServers,
    /// The certificate has been revoked.
    Revoked,
    /// A certificate of the chain is not allowed to issue certificates, or breaks a
    /// constraint of the chain (path length, name constraints).
    InvalidChain,
    /// A signature of the certificate chain does not verify.
    BadSignature,
    /// A key or signature algorithm that is too weak, or not supported by the backend.
    WeakOrUnsupportedAlgorithm,
    /// The certificate cannot be parsed, or has an invalid or unsupported field.
    Malformed,
    /// Certificates are pinned ([`TlsOptions::pinned`]) and this one matches none of the
    /// pins (its fingerprints are in the [`TlsError::Certificate`] beside this problem).
    NotPinned {
        /// The pins it was compared with.
        pinned: Vec<CertificatePin>,
    },
    /// Anything else, in the backend's own plain words.
    Other(String),
}

impl CertificateProblem {
    /// What the user can do about it, in one clause.
    pub fn advice(&self) -> &'static str {
        match self {
            CertificateProblem::SelfSigned => {
                "if you trust this server, trust exactly this certificate with TlsOptions::ca_files, using a copy you got from the server's administrator, not one fetched over this connection"
            }
            CertificateProblem::UnknownIssuer => {
                "if you trust this server, trust the certificate authority that issued its certificate with TlsOptions::ca_files"
            }
            CertificateProblem::Expired { .. } => {
                "the server's administrator must renew the certificate (if it should still be valid, check this computer's clock)"
            }
            CertificateProblem::NotYetValid { .. } => {
                "check this computer's clock; if it is right, the server's administrator installed a certificate that starts in the future"
            }
            CertificateProblem::NameMismatch { .. } => {
                "connect with one of the names the certificate carries, or set the TLS server name to one of them (ClientBuilder::tls_server_name)"
            }
            CertificateProblem::CaUsedAsServerCertificate => {
                "if this is the server's own self-signed certificate, trust exactly that certificate with TlsOptions::ca_files; otherwise the server's administrator must install a server certificate"
            }
            CertificateProblem::NotForServers => {
                "the server's administrator must install a certificate issued for TLS servers"
            }
            CertificateProblem::Revoked => {
                "its issuer withdrew it; the server's administrator must install a new certificate"
            }
            CertificateProblem::InvalidChain => {
                "the server's administrator must fix the certificate chain the server sends"
            }
            CertificateProblem::BadSignature => {
                "the certificate is damaged or forged: do not connect, and tell the server's administrator"
            }
            CertificateProblem::WeakOrUnsupportedAlgorithm => {
                "try another TLS backend, or ask the server's administrator for a certificate with a current key and signature algorithm"
            }
            CertificateProblem::NotPinned { .. } => {
                "if the server's administrator replaced its certificate, check the new fingerprint with them and pin that one (TlsOptions::pinned); otherwise someone on the path may be intercepting the connection: do not go on"
            }
            CertificateProblem::Malformed | CertificateProblem::Other(_) => {
                "try another TLS backend to compare, and ask the server's administrator about its certificate"
            }
        }
    }
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CERT: &str = "the server's certificate";
        match self {
            CertificateProblem::SelfSigned => {
                write!(f, "{CERT} is self-signed, and it is not one of the trusted certificates")
            }
            CertificateProblem::UnknownIssuer => write!(
                f,
                "{CERT} was issued by an unknown certificate authority: none of the trusted certificates vouches for it"
            ),
            CertificateProblem::Expired { not_after: Some(t) } => {
                write!(f, "{CERT} expired on {}", utc(*t))
            }
            CertificateProblem::Expired { not_after: None } => write!(f, "{CERT} has expired"),
            CertificateProblem::NotYetValid {
                not_before: Some(t),
            } => write!(f, "{CERT} is not valid before {}", utc(*t)),
            CertificateProblem::NotYetValid { not_before: None } => {
                write!(f, "{CERT} is not valid yet")
            }
            CertificateProblem::NameMismatch {
                expected,
                presented,
            } => {
                write!(f, "{CERT} is not valid for {expected:?}")?;
                match presented.as_deref() {
                    None => Ok(()),
                    Some([]) => write!(f, ": it carries no host name or IP address"),
                    Some([one]) => write!(f, ": it carries only the name {one:?}"),
                    Some(names) => {
                        f.write_str(": it carries only the names ")?;
                        for (i, name) in names.iter().enumerate() {
                            if i > 0 {
                                f.write_str(", ")?;
                            }
                            write!(f, "{name:?}")?;
                        }
                        Ok(())
                    }
                }
            }
            CertificateProblem::CaUsedAsServerCertificate => write!(
                f,
                "{CERT} is a certificate authority's certificate (CA:TRUE), not a server certificate"
            ),
            CertificateProblem::NotForServers => write!(
                f,
                "{CERT} is not meant for TLS servers (its extended key usage lacks serverAuth)"
            ),
            CertificateProblem::Revoked => write!(f, "{CERT} has been revoked"),
            CertificateProblem::InvalidChain => write!(
                f,
                "{CERT} chain is invalid: a certificate in it may not issue certificates, or breaks a constraint of the chain"
            ),
            CertificateProblem::BadSignature => {
                write!(f, "a signature in {CERT} chain does not verify")
            }
            CertificateProblem::WeakOrUnsupportedAlgorithm => write!(
                f,
                "{CERT} uses a key or signature algorithm that is too weak or not supported"
            ),
            CertificateProblem::Malformed => {
                write!(f, "{CERT} is malformed or has a field this backend does not accept")
            }
            CertificateProblem::NotPinned { pinned } => {
                write!(f, "{CERT} is not the pinned one (")?;
                for (i, pin) in pinned.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{pin}")?;
                }
                f.write_str(")")
            }
            CertificateProblem::Other(words) => f.write_str(words),
        }
    }
}

/// `2020-01-01 00:00:00 UTC`.
fn utc(t: SystemTime) -> String {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    };
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(secs) else {
        return format!("{secs} seconds after 1970-01-01 00:00:00 UTC");
    };
    format!(
        "{}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// "; the server presented certificate sha256:…, public key sha256//…".
fn presented(seen: &Option<Fingerprints>) -> String {
    match seen {
        Some(fp) => format!("; the server presented {fp}"),
        None => String::new(),
    }
}

/// A backend library's error, kept as the source of a [`TlsError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl TlsError {
    /// A handshake failure described by `detail`, with no library error behind it.
    pub fn handshake(detail: impl Into<String>) -> TlsError {
        TlsError::Handshake(detail.into(), None)
    }

    /// Keeps `source`, the TLS library's own error, behind a handshake failure (other kinds
    /// are returned unchanged).
    pub fn with_source(self, source: impl Into<BoxError>) -> TlsError {
        match self {
            TlsError::Handshake(detail, _) => TlsError::Handshake(detail, Some(source.into())),
            other => other,
        }
    }

    /// Classifies an I/O error that surfaced during a handshake: a timeout if the socket's
    /// deadline fired, otherwise a handshake failure.
    pub fn from_io(e: &io::Error) -> TlsError {
        if crate::error::is_timeout_kind(e) {
            TlsError::Timeout(e.to_string())
        } else {
            TlsError::handshake(e.to_string())
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
/// use ftpkit_core::{TlsOptions, TlsVersion};
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
    /// Accept exactly these certificates (by fingerprint, see [`CertificatePin`]) and no
    /// other, whoever issued them and whatever names they carry: how to trust a server's
    /// self-signed certificate without turning verification off. Empty (the default):
    /// the usual chain and name verification.
    ///
    /// ```
    /// use ftpkit_core::TlsOptions;
    /// let mut opts = TlsOptions::default();
    /// opts.pinned.push("sha256//9rX3P/aofcKY7URxP0j8TZB9X9CW2o0Ur6mauHoHM88=".parse().unwrap());
    /// assert!(opts.check_versions().is_ok());
    /// ```
    pub pinned: Vec<CertificatePin>,
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
            pinned: Vec::new(),
        }
    }
}

impl TlsOptions {
    /// Checks the version range, and that pins and "accept any certificate" are not both
    /// asked for (a pin would then check nothing).
    pub fn check_versions(&self) -> Result<(), TlsError> {
        if !self.pinned.is_empty() && self.dangerous_accept_invalid_certs {
            return Err(TlsError::Config(
                "certificate pins and accepting any certificate contradict each other: drop one"
                    .into(),
            ));
        }
        if self.min_version > self.max_version {
            return Err(TlsError::Config(format!(
                "the minimum TLS version {:?} is above the maximum {:?}",
                self.min_version, self.max_version
            )));
        }
        Ok(())
    }
}
