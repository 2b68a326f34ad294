//! TLS backend for [`ftpkit_core`] using [OpenSSL](https://docs.rs/openssl) (the system's
//! `libssl`).
//!
//! [`OpenSslConnector`] implements [`ftpkit_core::TlsConnector`]. Build it from the options every
//! backend understands ([`OpenSslConnector::new`]), or from your own
//! [`SslConnectorBuilder`] / [`SslConnector`] when you need OpenSSL settings that
//! [`TlsOptions`] does not cover ([`OpenSslConnector::from_builder`],
//! [`OpenSslConnector::from_connector`]).
//!
//! Data connections resume the control connection's TLS session, as vsftpd
//! (`require_ssl_reuse=YES`) and ProFTPD demand: every control connection keeps the newest
//! session OpenSSL hands it (with TLS 1.3 the tickets arrive after the handshake, and are
//! picked up as soon as the core reads the next reply), and
//! [`TlsStream::connect_data`] offers a private copy of that session, so that one data
//! connection cannot spoil it for the next (OpenSSL does not offer a TLS 1.3 session twice,
//! and invalidates the session of a connection that ends without close_notify).
//! [`TlsInfo::resumed`] tells whether the server accepted it.
//!
//! Reading from a stream whose peer closed the TCP connection without TLS close_notify fails
//! with [`std::io::ErrorKind::UnexpectedEof`], which the core uses to tell a truncated
//! download from a complete one.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ftpkit_core::{Client, Security, TlsOptions};
//! use ftpkit_openssl::OpenSslConnector;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut opts = TlsOptions::default();
//! opts.ca_files.push("ca.pem".into());
//! let tls = OpenSslConnector::new(&opts)?;
//! let mut ftp = Client::builder("ftp.example.com", Security::Explicit(Arc::new(tls))).connect()?;
//! ftp.login("user", "secret")?;
//! # Ok(()) }
//! ```
//!
//! Timeouts: the core sets the socket's read and write timeouts before it asks for a
//! handshake; a peer that stays silent makes OpenSSL's socket read fail, and the handshake
//! fails with [`TlsError::Timeout`]. Nothing here retries a timed-out read.
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use ftpkit_core::{
    CertificateInfo, CertificatePin, CertificateProblem, DataConnector, Fingerprints, TlsConnector,
    TlsError, TlsInfo, TlsOptions, TlsStream, TlsVersion,
};
use log::{debug, warn};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::error::ErrorStack;
use openssl::ex_data::Index;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::ssl::{
    ConnectConfiguration, ErrorCode, HandshakeError, ShutdownState, Ssl, SslConnector,
    SslConnectorBuilder, SslMethod, SslRef, SslSession, SslSessionCacheMode, SslStream,
    SslVerifyMode, SslVersion,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509NameRef, X509Ref, X509VerifyResult, X509};
use openssl_sys as ffi;

const BACKEND: &str = "openssl";

/// The cipher list of [`SslConnector::builder`], with the security level lowered to 0: OpenSSL
/// 3 refuses TLS 1.0 and 1.1 at its default level. Only used when such a version was asked for.
const LEGACY_CIPHER_LIST: &str =
    "DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK:@SECLEVEL=0";

/// OpenSSL 3's `ERR_LIB_SSL` and `SSL_R_UNEXPECTED_EOF_WHILE_READING` (not exported by
/// `openssl-sys`): the peer closed the TCP connection without TLS close_notify.
const ERR_LIB_SSL: i32 = 20;
const SSL_R_UNEXPECTED_EOF_WHILE_READING: i32 = 294;

/// The newest session of one control connection, shared with its data connections.
type SessionSlot = Arc<Mutex<Option<SslSession>>>;

/// The `Ssl` ex-data slot that ties a control connection to its [`SessionSlot`], so that the
/// new-session callback (registered on the shared `SslContext`) knows where a session goes.
/// Allocated once per process; `None` if OpenSSL could not allocate it.
fn session_index() -> Option<Index<Ssl, SessionSlot>> {
    static INDEX: OnceLock<Option<Index<Ssl, SessionSlot>>> = OnceLock::new();
    *INDEX.get_or_init(|| match Ssl::new_ex_index::<SessionSlot>() {
        Ok(index) => Some(index),
        Err(e) => {
            warn!("openssl: cannot allocate ex-data for session tracking ({e}); data connections will offer the control connection's current session");
            None
        }
    })
}

/// Opens OpenSSL client sessions for FTP control connections.
///
/// Cheap to clone: the OpenSSL context is reference-counted.
#[derive(Clone)]
pub struct OpenSslConnector {
    connector: SslConnector,
    /// Set when the context has our new-session callback.
    session_index: Option<Index<Ssl, SessionSlot>>,
    verify_hostname: bool,
    sni: bool,
    /// When not empty, the only server certificates accepted ([`TlsOptions::pinned`]).
    pinned: Arc<[CertificatePin]>,
}

impl fmt::Debug for OpenSslConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenSslConnector")
            .field("library", &openssl::version::version())
            .field(
                "verify_peer",
                &self
                    .connector
                    .context()
                    .verify_mode()
                    .contains(SslVerifyMode::PEER),
            )
            .field("verify_hostname", &self.verify_hostname)
            .field("sni", &self.sni)
            .field("session_tracking", &self.session_index.is_some())
            .finish()
    }
}

impl OpenSslConnector {
    /// Builds a connector from the options every backend understands.
    ///
    /// - `system_roots`: OpenSSL's default verify paths (honouring `SSL_CERT_FILE` and
    ///   `SSL_CERT_DIR`);
    /// - `ca_files`: every certificate in these PEM files is trusted as well;
    /// - `dangerous_accept_invalid_certs`: no certificate or host name check at all;
    /// - `min_version`/`max_version`: TLS 1.0 and 1.1 are offered only when asked for, and
    ///   then with OpenSSL's security level lowered to 0, which they need with OpenSSL 3;
    /// - `sni`: the server name is sent unless this is off (never for an IP address);
    /// - `client_identity`: a PEM certificate chain (leaf first) and an unencrypted PEM key.
    ///
    /// Fails with [`TlsError::Config`] when a file cannot be read or parsed, or when OpenSSL
    /// refuses a setting.
    pub fn new(options: &TlsOptions) -> Result<OpenSslConnector, TlsError> {
        options.check_versions()?;
        let mut builder = SslConnector::builder(SslMethod::tls_client())
            .map_err(config_err("cannot create an OpenSSL client context"))?;
        // Read what the socket has, not one record header and then one body at a time: two
        // system calls per 16 KiB record otherwise, which a bulk transfer feels.
        builder.set_read_ahead(true);

        // A store of our own, so that `system_roots: false` really trusts nothing but the
        // CA files (the builder has already added the default paths to its own store).
        let mut store =
            X509StoreBuilder::new().map_err(config_err("cannot create a certificate store"))?;
        if options.system_roots {
            store
                .set_default_paths()
                .map_err(config_err("cannot load the system's root certificates"))?;
        }
        for path in &options.ca_files {
            for cert in read_certificates(path, "CA file")? {
                store.add_cert(cert).map_err(|e| {
                    TlsError::Config(format!("cannot trust a CA of {}: {e}", path.display()))
                })?;
            }
        }
        builder.set_cert_store(store.build());
        if !options.system_roots && options.ca_files.is_empty() {
            if options.dangerous_accept_invalid_certs {
                debug!("openssl: no trusted roots, and certificates are not checked");
            } else {
                warn!("openssl: no trusted root certificates (system roots off, no CA file): every server will be rejected");
            }
        }

        if options.dangerous_accept_invalid_certs {
            warn!("openssl: certificate and host name verification are OFF; the connection can be read and changed by anyone on the path");
            builder.set_verify(SslVerifyMode::NONE);
        } else if !options.pinned.is_empty() {
            // The pin replaces the chain and name checks: whatever OpenSSL thinks of the
            // issuers (depth > 0), only the server's own certificate (depth 0, checked last)
            // decides. The handshake signature is verified as always.
            let pins = options.pinned.clone();
            builder.set_verify_callback(SslVerifyMode::PEER, move |_, ctx| {
                if ctx.error_depth() != 0 {
                    return true;
                }
                let pinned = ctx
                    .current_cert()
                    .and_then(|c| c.to_der().ok())
                    .is_some_and(|der| CertificatePin::any_matches(&pins, &der).is_ok());
                ctx.set_error(match pinned {
                    true => X509VerifyResult::OK,
                    false => X509VerifyResult::APPLICATION_VERIFICATION,
                });
                pinned
            });
        } else {
            builder.set_verify(SslVerifyMode::PEER);
        }

        builder
            .set_min_proto_version(Some(ssl_version(options.min_version)?))
            .map_err(config_err("OpenSSL refused the minimum TLS version"))?;
        builder
            .set_max_proto_version(Some(ssl_version(options.max_version)?))
            .map_err(config_err("OpenSSL refused the maximum TLS version"))?;
        if options.min_version < TlsVersion::Tls12 {
            builder
                .set_cipher_list(LEGACY_CIPHER_LIST)
                .map_err(config_err(
                    "OpenSSL refused to lower its security level for TLS 1.0/1.1",
                ))?;
        }

        if let Some((cert_path, key_path)) = &options.client_identity {
            let mut chain = read_certificates(cert_path, "client certificate file")?.into_iter();
            let leaf = chain.next().ok_or_else(|| {
                TlsError::Config(format!("no certificate in {}", cert_path.display()))
            })?;
            let client_err = |what: &str, e: ErrorStack| {
                TlsError::Config(format!("{what} {}: {e}", cert_path.display()))
            };
            builder
                .set_certificate(&leaf)
                .map_err(|e| client_err("cannot use the client certificate of", e))?;
            for extra in chain {
                builder
                    .add_extra_chain_cert(extra)
                    .map_err(|e| client_err("cannot use the certificate chain of", e))?;
            }
            let key = read_private_key(key_path)?;
            let matches = leaf
                .public_key()
                .map(|public| public.public_eq(&key))
                .unwrap_or(false);
            if !matches {
                return Err(TlsError::Config(format!(
                    "the private key {} does not match the certificate {}",
                    key_path.display(),
                    cert_path.display()
                )));
            }
            builder.set_private_key(&key).map_err(|e| {
                TlsError::Config(format!(
                    "cannot use the private key {}: {e}",
                    key_path.display()
                ))
            })?;
            builder.check_private_key().map_err(|e| {
                TlsError::Config(format!(
                    "the private key {} does not match the certificate {}: {e}",
                    key_path.display(),
                    cert_path.display()
                ))
            })?;
        }

        let mut connector = OpenSslConnector::from_builder(builder);
        connector.verify_hostname =
            !options.dangerous_accept_invalid_certs && options.pinned.is_empty();
        connector.pinned = options.pinned.clone().into();
        connector.sni = options.sni;
        Ok(connector)
    }

    /// Wraps a connector configured by hand, keeping every setting, and installs the
    /// session tracking that data connections need: it turns on client-side session caching
    /// (`SslSessionCacheMode::CLIENT`, without OpenSSL's internal store) and **replaces** any
    /// new-session callback of the context.
    ///
    /// Host names are verified and SNI is sent; see
    /// [`with_hostname_verification`](Self::with_hostname_verification) and
    /// [`with_sni`](Self::with_sni).
    pub fn from_builder(mut builder: SslConnectorBuilder) -> OpenSslConnector {
        let session_index = session_index();
        if let Some(index) = session_index {
            let mode = builder.set_session_cache_mode(SslSessionCacheMode::OFF);
            builder.set_session_cache_mode(
                mode | SslSessionCacheMode::CLIENT | SslSessionCacheMode::NO_INTERNAL_STORE,
            );
            builder.set_new_session_callback(move |ssl, session| {
                // Only control connections carry a slot; sessions of data connections are
                // dropped: data connections always resume the control session.
                if let Some(slot) = ssl.ex_data(index) {
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(session);
                }
            });
        }
        OpenSslConnector {
            connector: builder.build(),
            session_index,
            verify_hostname: true,
            sni: true,
            pinned: Arc::new([]),
        }
    }

    /// Wraps an already built connector, keeping every setting.
    ///
    /// Its context cannot get the new-session callback any more, so data connections offer
    /// the control connection's current session (`SSL_get_session`), which OpenSSL 1.1.1 and
    /// later also update when a TLS 1.3 ticket arrives. Prefer
    /// [`from_builder`](Self::from_builder) when you can.
    pub fn from_connector(connector: SslConnector) -> OpenSslConnector {
        OpenSslConnector {
            connector,
            session_index: None,
            verify_hostname: true,
            sni: true,
            pinned: Arc::new([]),
        }
    }

    /// Checks (the default) or skips the check that the certificate names the server (host
    /// name or IP address). Skipping it lets anyone with any valid certificate impersonate
    /// the server.
    pub fn with_hostname_verification(mut self, verify: bool) -> OpenSslConnector {
        self.verify_hostname = verify;
        self
    }

    /// Sends (the default) or withholds the server name in the handshake (SNI). Never sent
    /// for an IP address.
    pub fn with_sni(mut self, sni: bool) -> OpenSslConnector {
        self.sni = sni;
        self
    }

    /// The OpenSSL connector underneath.
    pub fn ssl_connector(&self) -> &SslConnector {
        &self.connector
    }

    fn configure(&self) -> Result<ConnectConfiguration, TlsError> {
        let mut config = self
            .connector
            .configure()
            .map_err(|e| TlsError::handshake(format!("cannot create an OpenSSL session: {e}")))?;
        config.set_verify_hostname(self.verify_hostname);
        config.set_use_server_name_indication(self.sni);
        Ok(config)
    }
}

impl TlsConnector for OpenSslConnector {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn connect(&self, server_name: &str, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError> {
        let name = bare_host(server_name);
        if name.is_empty() && self.verify_hostname {
            // OpenSSL would treat an empty expected name as "no name check".
            return Err(TlsError::Config(
                "no server name to check the certificate against".into(),
            ));
        }
        let sessions = SessionSlot::default();
        let mut config = self.configure()?;
        if let Some(index) = self.session_index {
            config.set_ex_data(index, Arc::clone(&sessions));
        }
        let stream = handshake(config, name, tcp, &self.pinned)?;
        Ok(Box::new(OpenSslStream {
            stream,
            connector: self.clone(),
            server_name: name.to_owned(),
            sessions,
        }))
    }
}

/// An established OpenSSL client stream, for a control or a data connection.
///
/// Reads report a peer that closed the connection without TLS close_notify as
/// [`io::ErrorKind::UnexpectedEof`], so that a truncated transfer is not mistaken for a
/// complete one.
struct OpenSslStream {
    stream: SslStream<TcpStream>,
    /// The connector whose context made this stream; data connections are made with it too.
    connector: OpenSslConnector,
    server_name: String,
    /// The newest session of the control connection (shared by its data connections).
    sessions: SessionSlot,
}

impl OpenSslStream {
    /// The session a data connection should offer: a private copy of the newest session the
    /// control connection received through the new-session callback, else of its current one.
    ///
    /// A copy, because OpenSSL changes the `SSL_SESSION` objects it uses: a session that
    /// resumed a TLS 1.3 connection is not offered again, and a connection that ends without
    /// close_notify or with a fatal alert (a download the server cuts short, say) marks its
    /// session not resumable. Sharing the control session object with the data connections
    /// would let the first data connection spoil it for all the later ones.
    fn session_to_resume(&self) -> Option<SslSession> {
        let latest = self
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let session = latest.or_else(|| self.stream.ssl().session().map(ToOwned::to_owned))?;
        // The DER form carries everything resumption needs (keys, ticket, lifetime, peer
        // certificate, verify result), and none of the object's state.
        match session.to_der().and_then(|der| SslSession::from_der(&der)) {
            Ok(copy) => Some(copy),
            Err(e) => {
                warn!("openssl: cannot copy the control session ({e}); offering it as is");
                Some(session)
            }
        }
    }
}

impl fmt::Debug for OpenSslStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ssl = self.stream.ssl();
        f.debug_struct("OpenSslStream")
            .field("server_name", &self.server_name)
            .field("protocol", &ssl.version_str())
            .field("cipher", &ssl.current_cipher().map(|c| c.name()))
            .field("resumed", &ssl.session_reused())
            .field("tcp", self.stream.get_ref())
            .finish()
    }
}

impl Read for OpenSslStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.stream.ssl_read(buf) {
                Ok(n) => return Ok(n),
                Err(e) => match e.code() {
                    ErrorCode::ZERO_RETURN => return Ok(0),
                    // OpenSSL processed a record without application data (a TLS 1.3
                    // session ticket, a key update) and wants the next one. No socket error
                    // happened: a timed-out socket read carries its io::Error.
                    ErrorCode::WANT_READ if e.io_error().is_none() => {}
                    // OpenSSL 1.1 reports an EOF without close_notify this way.
                    ErrorCode::SYSCALL if e.io_error().is_none() => return Err(unexpected_eof()),
                    _ if is_unexpected_eof(&e) => return Err(unexpected_eof()),
                    _ => return Err(ssl_to_io(e)),
                },
            }
        }
    }
}

impl Write for OpenSslStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl TlsStream for OpenSslStream {
    fn tcp(&self) -> &TcpStream {
        self.stream.get_ref()
    }

    fn resumes_sessions(&self) -> bool {
        // The control session is set on each data connection.
        true
    }

    fn close_notify(&mut self) -> io::Result<()> {
        if self.stream.get_shutdown().contains(ShutdownState::SENT) {
            // A second SSL_shutdown would wait for the peer's close_notify.
            return Ok(());
        }
        // One call sends our close_notify; we do not wait for the peer's.
        match self.stream.shutdown() {
            Ok(_) => Ok(()),
            Err(e) if e.code() == ErrorCode::ZERO_RETURN => Ok(()),
            Err(e) => Err(ssl_to_io(e)),
        }
    }

    fn info(&self) -> TlsInfo {
        let ssl = self.stream.ssl();
        let mut info = TlsInfo::new(BACKEND);
        info.protocol = Some(ssl.version_str().to_owned());
        info.cipher = ssl.current_cipher().map(|c| c.name().to_owned());
        info.resumed = Some(ssl.session_reused());
        info.peer_certificate = ssl.peer_certificate().map(|cert| {
            let names = cert
                .subject_alt_names()
                .map(|sans| {
                    sans.iter()
                        .filter_map(|n| {
                            n.dnsname().map(str::to_owned).or_else(|| {
                                n.ipaddress().and_then(|b| match b.len() {
                                    4 => {
                                        Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?).to_string())
                                    }
                                    16 => Some(
                                        IpAddr::from(<[u8; 16]>::try_from(b).ok()?).to_string(),
                                    ),
                                    _ => None,
                                })
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            CertificateInfo::new(
                name_to_string(cert.subject_name()),
                name_to_string(cert.issuer_name()),
                asn1_to_system_time(cert.not_after()),
            )
            .with_details(
                asn1_to_system_time(cert.not_before()),
                names,
                &cert.to_der().unwrap_or_default(),
            )
        });
        info
    }

    fn connect_data(&self, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError> {
        self.data_side().connect(tcp)
    }

    fn data_connector(&self) -> Option<Box<dyn DataConnector>> {
        Some(self.data_side())
    }
}

impl OpenSslStream {
    fn data_side(&self) -> Box<OpenSslDataConnector> {
        Box::new(OpenSslDataConnector {
            connector: self.connector.clone(),
            server_name: self.server_name.clone(),
            sessions: Arc::clone(&self.sessions),
            session: self.session_to_resume(),
        })
    }
}

/// A control session's data connection, made from any thread: the control connection's
/// connector and the session to offer, taken when it was made.
struct OpenSslDataConnector {
    connector: OpenSslConnector,
    server_name: String,
    sessions: SessionSlot,
    session: Option<SslSession>,
}

impl DataConnector for OpenSslDataConnector {
    fn connect(self: Box<Self>, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError> {
        let mut config = self.connector.configure()?;
        match &self.session {
            Some(session) => {
                // SAFETY: `SslRef::set_session` requires the session to belong to the same
                // `SslContext` as the `Ssl`. `config` was created just above from
                // `self.connector`, the connector (one reference-counted `SSL_CTX`, shared by
                // its clones) that created the control stream's `Ssl`. The session was
                // produced by that context: it is (a DER copy of) either the control stream's
                // own current session or one that the new-session callback stored into
                // `sessions`, a slot that is only ever attached, as ex-data in
                // `OpenSslConnector::connect`, to the `Ssl` of that control connection, made
                // by that same connector. OpenSSL takes its own reference to the session, so
                // it may be dropped after the call. This is the crate's only `unsafe` block.
                let offered = unsafe { config.set_session(session) };
                if let Err(e) = offered {
                    warn!("openssl: cannot offer the control session on the data connection ({e}); doing a full handshake");
                }
            }
            None => {
                debug!("openssl: the control connection has no session to resume yet; the data connection gets a full handshake");
            }
        }
        let stream = handshake(config, &self.server_name, tcp, &self.connector.pinned)?;
        if !stream.ssl().session_reused() {
            debug!("openssl: the data connection did not resume the control session (servers requiring session reuse will refuse it)");
        }
        Ok(Box::new(OpenSslStream {
            stream,
            connector: self.connector,
            server_name: self.server_name,
            sessions: self.sessions,
        }))
    }
}

/// Runs the handshake to completion and classifies its failure.
fn handshake(
    config: ConnectConfiguration,
    name: &str,
    tcp: TcpStream,
    pinned: &[CertificatePin],
) -> Result<SslStream<TcpStream>, TlsError> {
    match config.connect(name, tcp) {
        // The verify callback already refused any other certificate; checked again here
        // because a pin must never depend on OpenSSL calling it (a resumed session, say).
        Ok(stream) if !pinned.is_empty() => {
            let der = stream
                .ssl()
                .peer_certificate()
                .and_then(|c| c.to_der().ok());
            match der
                .as_deref()
                .map(|d| CertificatePin::any_matches(pinned, d))
            {
                Some(Ok(())) => Ok(stream),
                seen => Err(TlsError::Certificate(
                    CertificateProblem::NotPinned {
                        pinned: pinned.to_vec(),
                    },
                    seen.and_then(Result::err),
                )),
            }
        }
        Ok(stream) => Ok(stream),
        Err(HandshakeError::SetupFailure(stack)) => Err(TlsError::handshake(format!(
            "cannot set up the TLS session for {name:?}: {stack}"
        ))
        .with_source(stack)),
        // The socket is blocking with a timeout: "would block" means the timeout fired.
        Err(HandshakeError::WouldBlock(mid)) => {
            Err(TlsError::Timeout(match mid.error().io_error() {
                Some(io) => format!("no answer from the server within the socket timeout ({io})"),
                None => "no answer from the server within the socket timeout".into(),
            }))
        }
        Err(HandshakeError::Failure(mid)) => {
            Err(classify_failure(mid.error(), mid.ssl(), name, pinned))
        }
    }
}

fn classify_failure(
    error: &openssl::ssl::Error,
    ssl: &SslRef,
    name: &str,
    pinned: &[CertificatePin],
) -> TlsError {
    if let Some(io) = error.io_error() {
        if matches!(
            io.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) {
            return TlsError::Timeout(format!(
                "no answer from the server within the socket timeout ({io})"
            ));
        }
    }
    let verify = ssl.verify_result();
    if ssl.verify_mode().contains(SslVerifyMode::PEER) && verify != X509VerifyResult::OK {
        let chain: Vec<&X509Ref> = ssl
            .peer_cert_chain()
            .map(|chain| chain.iter().collect())
            .unwrap_or_default();
        debug!(
            "openssl: X509 verify error {} ({}) connecting to {name:?}; the server's certificate is {}",
            verify.as_raw(),
            verify.error_string(),
            chain
                .first()
                .map(|c| name_to_string(c.subject_name()))
                .unwrap_or_else(|| "unknown".into())
        );
        let seen = chain
            .first()
            .and_then(|c| c.to_der().ok())
            .map(|der| Fingerprints::of_der(&der));
        let problem =
            match verify == X509VerifyResult::APPLICATION_VERIFICATION && !pinned.is_empty() {
                true => CertificateProblem::NotPinned {
                    pinned: pinned.to_vec(),
                },
                false => certificate_problem(verify, &chain, name),
            };
        return TlsError::Certificate(problem, seen);
    }
    let detail = match (error.code(), error.io_error(), error.ssl_error()) {
        (_, Some(io), _) => format!("I/O error: {io}"),
        (_, None, Some(stack)) => stack.to_string(),
        (ErrorCode::SYSCALL, None, None) => {
            "the server closed the connection during the handshake".into()
        }
        _ => error.to_string(),
    };
    match error.ssl_error() {
        Some(stack) => TlsError::handshake(detail).with_source(stack.clone()),
        None => TlsError::handshake(detail),
    }
}

/// OpenSSL 1.1.0 and later, not declared by `openssl-sys` for every library it supports.
const X509_V_ERR_EE_KEY_TOO_SMALL: i32 = 66;
const X509_V_ERR_CA_KEY_TOO_SMALL: i32 = 67;
const X509_V_ERR_CA_MD_TOO_WEAK: i32 = 68;

/// Sorts OpenSSL's verify result into the causes every backend reports. `chain` is the chain
/// the server sent, its own certificate first; `name` the name it was checked against.
fn certificate_problem(
    verify: X509VerifyResult,
    chain: &[&X509Ref],
    name: &str,
) -> CertificateProblem {
    let leaf = chain.first().copied();
    // Only fails when OpenSSL cannot allocate; then no date is given.
    let now = Asn1Time::days_from_now(0).ok();
    match verify.as_raw() {
        ffi::X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT => CertificateProblem::SelfSigned,
        ffi::X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
        | ffi::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
        | ffi::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | ffi::X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
        | ffi::X509_V_ERR_CERT_UNTRUSTED => CertificateProblem::UnknownIssuer,
        ffi::X509_V_ERR_CERT_HAS_EXPIRED => CertificateProblem::Expired {
            // The chain's first expired certificate: usually the server's own.
            not_after: chain
                .iter()
                .filter(|c| now.as_ref().is_some_and(|now| c.not_after() < now))
                .find_map(|c| asn1_to_system_time(c.not_after())),
        },
        ffi::X509_V_ERR_CERT_NOT_YET_VALID => CertificateProblem::NotYetValid {
            not_before: chain
                .iter()
                .filter(|c| now.as_ref().is_some_and(|now| c.not_before() > now))
                .find_map(|c| asn1_to_system_time(c.not_before())),
        },
        ffi::X509_V_ERR_HOSTNAME_MISMATCH
        | ffi::X509_V_ERR_IP_ADDRESS_MISMATCH
        | ffi::X509_V_ERR_EMAIL_MISMATCH => CertificateProblem::NameMismatch {
            expected: name.to_string(),
            presented: leaf.map(names_of),
        },
        ffi::X509_V_ERR_CERT_REVOKED => CertificateProblem::Revoked,
        ffi::X509_V_ERR_INVALID_PURPOSE => CertificateProblem::NotForServers,
        ffi::X509_V_ERR_INVALID_CA
        | ffi::X509_V_ERR_INVALID_NON_CA
        | ffi::X509_V_ERR_PATH_LENGTH_EXCEEDED
        | ffi::X509_V_ERR_CERT_CHAIN_TOO_LONG
        | ffi::X509_V_ERR_KEYUSAGE_NO_CERTSIGN
        | ffi::X509_V_ERR_PERMITTED_VIOLATION
        | ffi::X509_V_ERR_EXCLUDED_VIOLATION
        | ffi::X509_V_ERR_SUBJECT_ISSUER_MISMATCH
        | ffi::X509_V_ERR_AKID_SKID_MISMATCH
        | ffi::X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH => CertificateProblem::InvalidChain,
        ffi::X509_V_ERR_CERT_SIGNATURE_FAILURE
        | ffi::X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE => CertificateProblem::BadSignature,
        X509_V_ERR_EE_KEY_TOO_SMALL | X509_V_ERR_CA_KEY_TOO_SMALL | X509_V_ERR_CA_MD_TOO_WEAK => {
            CertificateProblem::WeakOrUnsupportedAlgorithm
        }
        ffi::X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD
        | ffi::X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD
        | ffi::X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY
        | ffi::X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION
        | ffi::X509_V_ERR_INVALID_EXTENSION => CertificateProblem::Malformed,
        _ => CertificateProblem::Other(format!(
            "the server's certificate was refused by OpenSSL: {}",
            verify.error_string()
        )),
    }
}

/// The DNS names and IP addresses of a certificate's subjectAltName, or, when it has none,
/// its common names (which OpenSSL then matches host names against).
fn names_of(cert: &X509Ref) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(alt) = cert.subject_alt_names() {
        for name in &alt {
            if let Some(dns) = name.dnsname() {
                names.push(dns.to_string());
            } else if let Some(ip) = name.ipaddress() {
                if let Ok(v4) = <[u8; 4]>::try_from(ip) {
                    names.push(std::net::IpAddr::from(v4).to_string());
                } else if let Ok(v6) = <[u8; 16]>::try_from(ip) {
                    names.push(std::net::IpAddr::from(v6).to_string());
                }
            }
        }
    }
    if names.is_empty() {
        for cn in cert.subject_name().entries_by_nid(Nid::COMMONNAME) {
            if let Ok(cn) = cn.data().to_string() {
                names.push(cn);
            }
        }
    }
    names
}

fn is_unexpected_eof(error: &openssl::ssl::Error) -> bool {
    error.ssl_error().is_some_and(|stack| {
        stack.errors().iter().any(|e| {
            (e.library_code() == ERR_LIB_SSL
                && e.reason_code() == SSL_R_UNEXPECTED_EOF_WHILE_READING)
                || e.reason() == Some("unexpected eof while reading")
        })
    })
}

fn unexpected_eof() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the peer closed the connection without TLS close_notify",
    )
}

fn ssl_to_io(error: openssl::ssl::Error) -> io::Error {
    error.into_io_error().unwrap_or_else(io::Error::other)
}

fn config_err(what: &'static str) -> impl Fn(ErrorStack) -> TlsError {
    move |e| TlsError::Config(format!("{what}: {e}"))
}

fn ssl_version(version: TlsVersion) -> Result<SslVersion, TlsError> {
    match version {
        TlsVersion::Tls10 => Ok(SslVersion::TLS1),
        TlsVersion::Tls11 => Ok(SslVersion::TLS1_1),
        TlsVersion::Tls12 => Ok(SslVersion::TLS1_2),
        TlsVersion::Tls13 => Ok(SslVersion::TLS1_3),
        other => Err(TlsError::Config(format!(
            "the openssl backend does not know TLS version {other:?}"
        ))),
    }
}

/// `[::1]` → `::1`: OpenSSL wants IP addresses without brackets.
fn bare_host(name: &str) -> &str {
    name.strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name)
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path)
        .map_err(|e| TlsError::Config(format!("cannot read the {what} {}: {e}", path.display())))
}

fn read_certificates(path: &Path, what: &str) -> Result<Vec<X509>, TlsError> {
    let pem = read_file(path, what)?;
    let certs = X509::stack_from_pem(&pem).map_err(|e| {
        TlsError::Config(format!(
            "cannot parse the {what} {} as PEM certificates: {e}",
            path.display()
        ))
    })?;
    if certs.is_empty() {
        return Err(TlsError::Config(format!(
            "no PEM certificate in the {what} {}",
            path.display()
        )));
    }
    Ok(certs)
}

fn read_private_key(path: &Path) -> Result<PKey<openssl::pkey::Private>, TlsError> {
    let pem = read_file(path, "private key file")?;
    // A callback that supplies no passphrase: without it OpenSSL would prompt on the
    // terminal for an encrypted key, and block.
    PKey::private_key_from_pem_callback(&pem, |_| Ok(0)).map_err(|e| {
        let hint = if pem.windows(9).any(|w| w == b"ENCRYPTED") {
            " (encrypted keys are not supported: decrypt it, e.g. `openssl pkey -in key.pem -out plain.pem`)"
        } else {
            ""
        };
        TlsError::Config(format!(
            "cannot parse the private key {}{hint}: {e}",
            path.display()
        ))
    })
}

/// `C=US, O=Example, CN=ftp.example.com`, in certificate order, control characters escaped.
fn name_to_string(name: &X509NameRef) -> String {
    let mut out = String::new();
    for entry in name.entries() {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let object = entry.object();
        match object.nid().short_name() {
            Ok(short) => out.push_str(short),
            Err(_) => out.push_str(&object.to_string()),
        }
        out.push('=');
        match entry.data().to_string() {
            Ok(value) => {
                for c in value.chars() {
                    if c.is_control() {
                        out.extend(c.escape_default());
                    } else {
                        out.push(c);
                    }
                }
            }
            Err(_) => {
                out.push('#');
                for b in entry.data().as_slice() {
                    out.push_str(&format!("{b:02x}"));
                }
            }
        }
    }
    out
}

fn asn1_to_system_time(time: &Asn1TimeRef) -> Option<SystemTime> {
    let epoch = Asn1Time::from_unix(0).ok()?;
    let diff = epoch.diff(time).ok()?;
    let secs = i64::from(diff.days) * 86_400 + i64::from(diff.secs);
    let magnitude = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(magnitude)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(magnitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_are_stripped_from_ipv6_literals() {
        assert_eq!(bare_host("[::1]"), "::1");
        assert_eq!(bare_host("::1"), "::1");
        assert_eq!(bare_host("ftp.example.com"), "ftp.example.com");
    }

    #[test]
    fn asn1_times_convert() {
        let t = Asn1Time::from_unix(1_700_000_000).unwrap();
        assert_eq!(
            asn1_to_system_time(&t),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
    }

    #[test]
    fn versions_map() {
        assert!(ssl_version(TlsVersion::Tls13).unwrap() == SslVersion::TLS1_3);
        assert!(ssl_version(TlsVersion::Tls10).unwrap() == SslVersion::TLS1);
    }
}
