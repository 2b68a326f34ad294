//! TLS backend for [`ftpkit_core`] using [rustls](https://docs.rs/rustls): pure Rust, no system
//! TLS library.
//!
//! Each control connection gets its own session store, so that its data connections resume
//! exactly that control session: vsftpd (`require_ssl_reuse=YES`) and ProFTPD refuse data
//! connections that do not. TLS 1.3 tickets that arrive after the handshake land in the same
//! store as soon as the core reads the next reply.
//!
//! Certificates are verified by webpki, with one exception: a server certificate that is
//! byte for byte one of [`TlsOptions::ca_files`] is accepted even when it is a CA
//! certificate (as `openssl req -x509` makes them), after checking its validity period and
//! the server name, as OpenSSL does for such a certificate.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ftpkit_core::{Client, Security, TlsOptions};
//! use ftpkit_rustls::RustlsConnector;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut opts = TlsOptions::default();
//! opts.ca_files.push("ca.pem".into());
//! let tls = RustlsConnector::new(&opts)?;
//! let mut ftp = Client::builder("ftp.example.com", Security::Explicit(Arc::new(tls))).connect()?;
//! ftp.login("user", "secret")?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod socket;
mod verify;

use socket::Socket;

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ftpkit_core::{
    CertificateInfo, DataConnector, TlsConnector, TlsError, TlsInfo, TlsOptions, TlsStream,
    TlsVersion,
};
use rustls::client::{ClientSessionMemoryCache, Resumption, WebPkiServerVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, HandshakeKind, RootCertStore, StreamOwned};

const BACKEND: &str = "rustls";

/// Opens rustls sessions for FTP control connections.
#[derive(Clone)]
pub struct RustlsConnector {
    base: Arc<ClientConfig>,
}

impl fmt::Debug for RustlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RustlsConnector")
            .field("versions", &"configured")
            .field("sni", &self.base.enable_sni)
            .finish()
    }
}

impl RustlsConnector {
    /// Builds a connector from the shared option set.
    ///
    /// rustls implements neither TLS 1.0 nor 1.1: asking for them is a configuration error
    /// that names the backend which can (openssl).
    pub fn new(opts: &TlsOptions) -> Result<RustlsConnector, TlsError> {
        opts.check_versions()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut versions = Vec::new();
        if opts.min_version < TlsVersion::Tls12 && opts.max_version < TlsVersion::Tls12 {
            return Err(TlsError::Config(
                "rustls does not implement TLS 1.0 or 1.1; use the openssl backend for such servers".into(),
            ));
        }
        if opts.min_version < TlsVersion::Tls12 {
            return Err(TlsError::Config(
                "rustls cannot offer TLS 1.0 or 1.1 (minimum version); use the openssl backend, or TLS 1.2 as the minimum".into(),
            ));
        }
        if opts.min_version <= TlsVersion::Tls12 && opts.max_version >= TlsVersion::Tls12 {
            versions.push(&rustls::version::TLS12);
        }
        if opts.max_version >= TlsVersion::Tls13 {
            versions.push(&rustls::version::TLS13);
        }
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|e| TlsError::Config(e.to_string()))?;
        let builder = if opts.dangerous_accept_invalid_certs {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verify::KeyOnlyVerifier {
                    accept: verify::Accept::Any,
                    provider,
                }))
        } else if !opts.pinned.is_empty() {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verify::KeyOnlyVerifier {
                    accept: verify::Accept::Pinned(opts.pinned.clone()),
                    provider,
                }))
        } else {
            // webpki with these roots, except that a server certificate identical to one of
            // the CA files is accepted even when it is a CA certificate: see `verify`.
            let (roots, explicitly_trusted) = roots(opts)?;
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsError::Config(format!("certificate verifier: {e}")))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verify::Verifier::new(
                    webpki,
                    explicitly_trusted,
                )))
        };
        let mut config = match &opts.client_identity {
            None => builder.with_no_client_auth(),
            Some((cert, key)) => {
                let chain = read_certs(cert)?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    TlsError::Config(format!(
                        "cannot read a private key from {}: {e}",
                        key.display()
                    ))
                })?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| TlsError::Config(format!("client certificate: {e}")))?
            }
        };
        config.enable_sni = opts.sni;
        Ok(RustlsConnector {
            base: Arc::new(config),
        })
    }

    /// Uses a configuration you built yourself (custom verifier, provider, ALPN…). Its
    /// resumption setting is replaced per control connection by a private session store so
    /// that data connections resume their own control session.
    pub fn from_config(config: ClientConfig) -> RustlsConnector {
        RustlsConnector {
            base: Arc::new(config),
        }
    }
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            TlsError::Config(format!(
                "cannot read certificates from {}: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(TlsError::Config(format!(
            "no PEM certificate in {}",
            path.display()
        )));
    }
    Ok(certs)
}

/// The trusted roots (system and CA files), and the certificates of the CA files alone.
fn roots(opts: &TlsOptions) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), TlsError> {
    let mut store = RootCertStore::empty();
    if opts.system_roots {
        // Reading and parsing the system store costs milliseconds; it does not change while
        // the process runs, so it is read once.
        static SYSTEM: std::sync::OnceLock<RootCertStore> = std::sync::OnceLock::new();
        let system = SYSTEM.get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                log::debug!("rustls: skipping a system root: {e}");
            }
            let mut system = RootCertStore::empty();
            let (added, ignored) = system.add_parsable_certificates(found.certs);
            log::debug!("rustls: {added} system roots loaded ({ignored} unusable)");
            system
        });
        store.roots.extend(system.roots.iter().cloned());
    }
    let mut explicitly_trusted = Vec::new();
    for file in &opts.ca_files {
        for cert in read_certs(file)? {
            store.add(cert.clone()).map_err(|e| {
                TlsError::Config(format!("CA certificate in {}: {e}", file.display()))
            })?;
            explicitly_trusted.push(cert);
        }
    }
    if store.is_empty() {
        return Err(TlsError::Config(
            "no trusted root certificate: the system has none and no CA file was given".into(),
        ));
    }
    Ok((store, explicitly_trusted))
}

impl TlsConnector for RustlsConnector {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn connect(&self, server_name: &str, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError> {
        let name = ServerName::try_from(server_name.to_string())
            .map_err(|e| TlsError::Config(format!("invalid server name {server_name:?}: {e}")))?;
        // A private store per control connection: its data connections resume exactly this
        // session, never one cached for another connection to the same host.
        let mut config = (*self.base).clone();
        config.resumption = Resumption::store(Arc::new(ClientSessionMemoryCache::new(16)));
        let stream = handshake(Arc::new(config), name, tcp, 0)?;
        Ok(Box::new(stream))
    }
}

/// The handshake over `tcp`, then the stream; `read_ahead`: see [`socket`].
fn handshake(
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    mut tcp: TcpStream,
    read_ahead: usize,
) -> Result<RustlsStream, TlsError> {
    let mut conn = ClientConnection::new(config.clone(), name.clone())
        .map_err(|e| TlsError::Config(e.to_string()))?;
    // complete_io returns an error on EOF and on a socket timeout, so this loop ends.
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp).map_err(|e| classify(&e))?;
    }
    Ok(RustlsStream {
        inner: StreamOwned::new(conn, Socket::new(tcp, read_ahead)),
        config,
        name,
    })
}

/// Sorts a handshake failure into timeout, certificate or other.
fn classify(e: &io::Error) -> TlsError {
    if let Some(err) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return match err {
            rustls::Error::InvalidCertificate(c) => {
                log::debug!("rustls: certificate error {c:?}");
                let (problem, seen) = verify::rejection(c);
                TlsError::Certificate(problem, seen)
            }
            other => TlsError::handshake(other.to_string()).with_source(other.clone()),
        };
    }
    TlsError::from_io(e)
}

/// A TLS stream over TCP, remembering how to open data connections that resume it.
struct RustlsStream {
    inner: StreamOwned<ClientConnection, Socket>,
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl fmt::Debug for RustlsStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RustlsStream")
            .field("server_name", &self.name)
            .field("peer", &self.inner.sock.tcp().peer_addr().ok())
            .finish()
    }
}

impl Read for RustlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Write for RustlsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl TlsStream for RustlsStream {
    fn tcp(&self) -> &TcpStream {
        self.inner.sock.tcp()
    }

    fn resumes_sessions(&self) -> bool {
        // Data connections share the control connection's private session store.
        true
    }

    fn close_notify(&mut self) -> io::Result<()> {
        self.inner.conn.send_close_notify();
        while self.inner.conn.wants_write() {
            self.inner.conn.write_tls(&mut self.inner.sock)?;
        }
        self.inner.sock.flush()
    }

    fn info(&self) -> TlsInfo {
        let conn = &self.inner.conn;
        let mut info = TlsInfo::new(BACKEND);
        info.protocol = conn.protocol_version().map(|v| match v {
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
            other => format!("{other:?}"),
        });
        info.cipher = conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()));
        info.resumed = conn.handshake_kind().map(|k| k == HandshakeKind::Resumed);
        info.peer_certificate = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|der| certificate_info(der));
        info
    }

    fn connect_data(&self, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError> {
        self.data_side().connect(tcp)
    }

    fn data_connector(&self) -> Option<Box<dyn DataConnector>> {
        Some(self.data_side())
    }
}

impl RustlsStream {
    /// The same config carries this control connection's session store (behind a lock, so
    /// a data handshake on another thread and tickets arriving on the control connection
    /// do not race).
    fn data_side(&self) -> Box<RustlsDataConnector> {
        Box::new(RustlsDataConnector {
            config: self.config.clone(),
            name: self.name.clone(),
        })
    }
}

/// A control session's data connections, made from any thread.
struct RustlsDataConnector {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl DataConnector for RustlsDataConnector {
    fn connect(self: Box<Self>, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError> {
        Ok(Box::new(handshake(
            self.config,
            self.name,
            tcp,
            socket::DATA_READ_AHEAD,
        )?))
    }
}

fn certificate_info(der: &CertificateDer<'_>) -> Option<CertificateInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let not_after = u64::try_from(cert.validity().not_after.timestamp())
        .ok()
        .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s));
    let not_before = u64::try_from(cert.validity().not_before.timestamp())
        .ok()
        .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s));
    Some(
        CertificateInfo::new(
            cert.subject().to_string(),
            cert.issuer().to_string(),
            not_after,
        )
        .with_details(not_before, verify::san_names(&cert), der.as_ref()),
    )
}
