//! TLS backend for `ftpkit-core` built on [`native-tls`](native_tls): OpenSSL on Linux and the
//! other Unixes, SChannel on Windows, Secure Transport on macOS and iOS.
//!
//! [`NativeTlsConnector`] implements [`ftpkit_core::TlsConnector`]. Build it from the
//! backend-neutral [`TlsOptions`], or wrap a [`native_tls::TlsConnector`] you configured
//! yourself with [`NativeTlsConnector::from_connector`]; `native_tls` is re-exported so you
//! need not depend on it directly.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ftpkit_core::{Client, Security, TlsOptions};
//! use ftpkit_native_tls::NativeTlsConnector;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut options = TlsOptions::default();
//! options.ca_files.push("my-ca.pem".into());
//! let connector = NativeTlsConnector::new(&options)?;
//!
//! let mut client =
//!     Client::builder("ftp.example.com", Security::Explicit(Arc::new(connector))).connect()?;
//! client.login("user", "secret")?;
//! # Ok(())
//! # }
//! ```
//!
//! # Limits of this backend
//!
//! * **No TLS session resumption on data connections.** native-tls has no session API, so
//!   every data connection gets a fresh TLS session. See [`NativeTlsConnector`] for which
//!   servers refuse that.
//! * **Partial introspection.** native-tls tells neither the protocol version nor the cipher
//!   suite; this crate reads them from the server's `ServerHello` as it passes by (a
//!   passive, bounds-checked observation of the plaintext handshake, authenticated once the
//!   handshake completes), so [`TlsInfo`] has `protocol` (`TLSv1.2`, `TLSv1.3`) and `cipher`
//!   (IANA name, e.g. `TLS_AES_128_GCM_SHA256`). `resumed` is always `None` (native-tls
//!   cannot resume, nor say whether the platform did), and `peer_certificate` is `None`:
//!   the certificate is not parsed.
//! * **TLS 1.3 as a minimum** works with OpenSSL and with SChannel on Windows versions that
//!   support TLS 1.3, but not with Secure Transport: on Apple platforms
//!   `min_version = Tls13` is refused with [`TlsError::Config`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::error::Error as StdError;
use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use ftpkit_core::{CertificatePin, CertificateProblem, TlsOptions, TlsVersion};
use ftpkit_core::{TlsConnector, TlsError, TlsInfo, TlsStream};
use log::debug;
use native_tls::{Certificate, HandshakeError, Identity, Protocol};

mod hello;
use hello::Observed;

pub use native_tls;

/// The name this backend reports in [`TlsInfo::backend`] and [`TlsConnector::backend`].
pub const BACKEND: &str = "native-tls";

/// A [`TlsConnector`] backed by native-tls.
///
/// Cheap to clone: the underlying library context is shared.
///
/// **Data connections do not resume the control connection's TLS session.** native-tls
/// has no session API, so [`TlsStream::connect_data`] opens each data connection with a
/// fresh, full handshake (same settings, same server name). Servers that do not insist on
/// resumption (Pure-FTPd, the libunftp embedded server, most others) work fine. But vsftpd
/// with `require_ssl_reuse=YES` (its default) and ProFTPD with its default `mod_tls`
/// settings (no `TLSOptions NoSessionReuseRequired`) reject such data connections: usually
/// the handshake itself succeeds, then the server drops the data connection and answers on
/// the control connection with an error such as `522 SSL connection failed: session reuse
/// required` or a `425`/`450` reply. For those servers use the `ftpkit-rustls` or
/// `ftpkit-openssl` backend, which resume the session.
#[derive(Clone, Debug)]
pub struct NativeTlsConnector {
    connector: native_tls::TlsConnector,
    /// When not empty, the only server certificates accepted ([`TlsOptions::pinned`]).
    pinned: Arc<[CertificatePin]>,
}

impl NativeTlsConnector {
    /// Builds a connector from the backend-neutral options.
    ///
    /// | option | native-tls |
    /// |---|---|
    /// | `system_roots = false` | `disable_built_in_roots(true)` |
    /// | `ca_files` | every `CERTIFICATE` PEM block of each file (or a single DER certificate) → `add_root_certificate` |
    /// | `dangerous_accept_invalid_certs` | `danger_accept_invalid_certs(true)` and `danger_accept_invalid_hostnames(true)` |
    /// | `min_version` | `min_protocol_version` (TLS 1.3 refused on Apple platforms; TLS 1.0/1.1 are passed on, but OpenSSL 3's default security level and recent Windows refuse them during the handshake) |
    /// | `max_version` | `max_protocol_version`; TLS 1.3 means "no maximum" |
    /// | `sni` | `use_sni` (never sent for IP addresses anyway) |
    /// | `client_identity` | `Identity::from_pkcs8(certificate chain PEM, PKCS#8 key PEM)` |
    ///
    /// Fails with [`TlsError::Config`] when a file cannot be read or parsed, when the version
    /// range is empty or cannot be expressed, or when the platform library refuses the
    /// settings.
    pub fn new(options: &TlsOptions) -> Result<NativeTlsConnector, TlsError> {
        options.check_versions()?;
        let mut builder = native_tls::TlsConnector::builder();
        // native-tls has no verification hook: with pins, the platform's chain and name
        // checks are off and the pin is checked on the certificate the handshake proved
        // (the server signed with its key), before the stream is handed out.
        let no_platform_check =
            options.dangerous_accept_invalid_certs || !options.pinned.is_empty();
        builder
            .disable_built_in_roots(!options.system_roots)
            .danger_accept_invalid_certs(no_platform_check)
            .danger_accept_invalid_hostnames(no_platform_check)
            .min_protocol_version(min_protocol(options.min_version)?)
            .max_protocol_version(max_protocol(options.max_version)?)
            .use_sni(options.sni);
        for path in &options.ca_files {
            for cert in load_ca_file(path)? {
                builder.add_root_certificate(cert);
            }
        }
        if let Some((cert, key)) = &options.client_identity {
            builder.identity(load_identity(cert, key)?);
        }
        let connector = builder.build().map_err(|e| {
            TlsError::Config(format!("native-tls refused the TLS configuration: {e}"))
        })?;
        Ok(NativeTlsConnector {
            connector,
            pinned: options.pinned.clone().into(),
        })
    }

    /// Wraps a connector configured by hand, for settings [`TlsOptions`] does not cover.
    pub fn from_connector(connector: native_tls::TlsConnector) -> NativeTlsConnector {
        NativeTlsConnector {
            connector,
            pinned: Arc::new([]),
        }
    }
}

impl TlsConnector for NativeTlsConnector {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn connect(&self, server_name: &str, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError> {
        handshake(&self.connector, &self.pinned, server_name, tcp)
    }
}

/// An established native-tls session, plus what is needed to open data connections.
struct NativeTlsStream {
    stream: native_tls::TlsStream<Observed>,
    connector: native_tls::TlsConnector,
    pinned: Arc<[CertificatePin]>,
    server_name: String,
}

impl fmt::Debug for NativeTlsStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeTlsStream")
            .field("server_name", &self.server_name)
            .field("peer", &self.tcp().peer_addr().ok())
            .field("negotiated", &self.stream.get_ref().negotiated())
            .finish_non_exhaustive()
    }
}

impl Read for NativeTlsStream {
    /// Reports a peer that closed TCP without close_notify as
    /// [`io::ErrorKind::UnexpectedEof`], as the [`TlsStream`] contract demands.
    ///
    /// native-tls cannot tell: over OpenSSL it returns `Ok(0)` both for a close_notify and
    /// for a bare TCP end (the `openssl` crate turns OpenSSL's `SSL_ERROR_SYSCALL` without
    /// errno into `Ok(0)`), so a cut download would pass for a complete one. What tells them
    /// apart is whether the TLS library read the TCP end before it gave up:
    ///
    /// - a close_notify is a TLS record; the library returns 0 as soon as it has decrypted
    ///   it, without another socket read, so [`Observed`] has not seen the TCP end even when
    ///   the peer's FIN arrived in the same segment (the library asks for exactly one
    ///   record header, then exactly one record body: it does not read ahead);
    /// - without close_notify, the library only stops because a socket read returned 0.
    ///
    /// So `Ok(0)` after the socket returned 0 is a truncation. Verified with OpenSSL 3 (see
    /// the tests `tls_data_faults` and `ftp-tls-native/tests/it/eof.rs`). On SChannel and
    /// Secure Transport the same holds as long as they stop reading once they have
    /// decrypted a close_notify, which they do.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.stream.read(buf) {
            Ok(0) if !buf.is_empty() && self.stream.get_ref().tcp_eof() => {
                debug!("native-tls: the server closed the TCP connection without close_notify");
                Err(unexpected_eof())
            }
            // Today OpenSSL reports every bare TCP end, even one inside a record, as
            // `SSL_ERROR_SYSCALL` without errno (the `openssl` crate's stream BIO does not
            // answer `BIO_CTRL_EOF`), which becomes `Ok(0)` above. Should it ever report
            // `SSL_R_UNEXPECTED_EOF_WHILE_READING` instead, that is the same truncation.
            Err(e)
                if self.stream.get_ref().tcp_eof()
                    && e.to_string().to_lowercase().contains("unexpected eof") =>
            {
                debug!("native-tls: the TCP connection ended inside a TLS record: {e}");
                Err(unexpected_eof())
            }
            other => other,
        }
    }
}

fn unexpected_eof() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the peer closed the connection without TLS close_notify",
    )
}

impl Write for NativeTlsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl TlsStream for NativeTlsStream {
    fn tcp(&self) -> &TcpStream {
        self.stream.get_ref().tcp()
    }

    fn resumes_sessions(&self) -> bool {
        // native-tls has no session API: every data connection is a fresh session.
        false
    }

    fn close_notify(&mut self) -> io::Result<()> {
        self.stream.shutdown()
    }

    fn info(&self) -> TlsInfo {
        // native-tls exposes neither the protocol version nor the cipher suite: they come
        // from the ServerHello seen on the wire. Resumption is reported as unknown, and the
        // peer certificate (DER) is not parsed here: only its fingerprints are given.
        let mut info = TlsInfo::new(BACKEND);
        if let Some(n) = self.stream.get_ref().negotiated() {
            info.protocol = Some(n.protocol.clone());
            info.cipher = Some(n.cipher.clone());
        }
        // The fingerprints at least, which is what pinning needs.
        let der = self
            .stream
            .peer_certificate()
            .ok()
            .flatten()
            .and_then(|c| c.to_der().ok());
        info.peer_certificate = der.map(|d| {
            ftpkit_core::CertificateInfo::new(String::new(), String::new(), None).with_details(
                None,
                Vec::new(),
                &d,
            )
        });
        info
    }

    fn connect_data(&self, tcp: TcpStream) -> Result<Box<dyn TlsStream>, TlsError> {
        // No session API: a fresh session with the same settings and server name.
        handshake(&self.connector, &self.pinned, &self.server_name, tcp)
    }
}

/// Performs a complete blocking handshake; the socket's timeouts bound it.
fn handshake(
    connector: &native_tls::TlsConnector,
    pinned: &Arc<[CertificatePin]>,
    server_name: &str,
    tcp: TcpStream,
) -> Result<Box<dyn TlsStream>, TlsError> {
    match connector.connect(server_name, Observed::new(tcp)) {
        Ok(stream) => {
            if !pinned.is_empty() {
                let der = stream
                    .peer_certificate()
                    .ok()
                    .flatten()
                    .and_then(|c| c.to_der().ok());
                match der
                    .as_deref()
                    .map(|d| CertificatePin::any_matches(pinned, d))
                {
                    Some(Ok(())) => {}
                    seen => {
                        return Err(TlsError::Certificate(
                            CertificateProblem::NotPinned {
                                pinned: pinned.to_vec(),
                            },
                            seen.and_then(Result::err),
                        ))
                    }
                }
            }
            Ok(Box::new(NativeTlsStream {
                stream,
                connector: connector.clone(),
                pinned: Arc::clone(pinned),
                server_name: server_name.to_string(),
            }))
        }
        // With a blocking socket, WouldBlock means the read/write timeout fired (or the
        // socket was non-blocking, which the core never hands over). Never resume.
        Err(HandshakeError::WouldBlock(mid)) => {
            let tcp = mid.get_ref().tcp();
            let timeout = tcp.read_timeout().ok().flatten();
            debug!("native-tls: handshake with {server_name} hit the socket timeout {timeout:?}");
            Err(TlsError::Timeout(match timeout {
                Some(t) => format!("no answer from the server within the socket timeout ({t:?})"),
                None => "the socket would block mid-handshake".to_string(),
            }))
        }
        Err(HandshakeError::Failure(e)) => {
            debug!("native-tls: handshake with {server_name} failed: {e:?}");
            Err(classify_failure(&e, server_name).with_source(e))
        }
    }
}

/// Sorts a handshake failure into timeout, certificate or other.
fn classify_failure(e: &native_tls::Error, server_name: &str) -> TlsError {
    let message = e.to_string();
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            if matches!(
                io.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) {
                return TlsError::Timeout(message);
            }
        }
        source = s.source();
    }
    classify_message(message, server_name)
}

/// Recognizes, by their wording, the certificate verification failures of OpenSSL, SChannel
/// and Secure Transport, and sorts them into the causes every backend reports. Alerts the
/// server sends about *our* certificate ("alert bad certificate", "certificate required",
/// "unknown ca") are deliberately not matched: they are handshake failures, not a rejection
/// of the server's certificate.
///
/// native-tls exposes neither the verify code nor the certificate of a failed handshake, so
/// a name mismatch cannot list the names the certificate carries, and expiry comes without
/// its date.
fn classify_message(message: String, server_name: &str) -> TlsError {
    use CertificateProblem as P;
    let name_mismatch = || P::NameMismatch {
        expected: server_name.to_string(),
        presented: None,
    };
    // Most specific first: "self-signed certificate in certificate chain" before
    // "self-signed certificate".
    let known: &[(&str, &dyn Fn() -> CertificateProblem)] = &[
        // OpenSSL's verify results, as native-tls appends them: "... (self-signed certificate)".
        ("self-signed certificate in certificate chain", &|| {
            P::UnknownIssuer
        }),
        ("self signed certificate in certificate chain", &|| {
            P::UnknownIssuer
        }),
        ("self-signed certificate", &|| P::SelfSigned),
        ("self signed certificate", &|| P::SelfSigned),
        ("unable to get local issuer certificate", &|| {
            P::UnknownIssuer
        }),
        ("unable to get issuer certificate", &|| P::UnknownIssuer),
        ("unable to verify the first certificate", &|| {
            P::UnknownIssuer
        }),
        ("certificate not trusted", &|| P::UnknownIssuer),
        ("certificate has expired", &|| P::Expired {
            not_after: None,
        }),
        ("certificate is not yet valid", &|| P::NotYetValid {
            not_before: None,
        }),
        ("certificate revoked", &|| P::Revoked),
        ("certificate has been revoked", &|| P::Revoked),
        ("hostname mismatch", &name_mismatch),
        ("ip address mismatch", &name_mismatch),
        ("email address mismatch", &name_mismatch),
        ("invalid ca certificate", &|| P::InvalidChain),
        ("invalid non-ca certificate", &|| P::InvalidChain),
        ("path length constraint exceeded", &|| P::InvalidChain),
        ("unsuitable certificate purpose", &|| P::NotForServers),
        ("certificate signature failure", &|| P::BadSignature),
        ("key too weak", &|| P::WeakOrUnsupportedAlgorithm),
        ("digest algorithm too weak", &|| {
            P::WeakOrUnsupportedAlgorithm
        }),
        ("unhandled critical extension", &|| P::Malformed),
        // SChannel
        ("issued by an authority that is not trusted", &|| {
            P::UnknownIssuer
        }),
        ("root certificate which is not trusted", &|| {
            P::UnknownIssuer
        }),
        ("target principal name is incorrect", &name_mismatch),
        ("cn name does not match", &name_mismatch),
        ("certificate is revoked", &|| P::Revoked),
        ("not within its validity period", &|| {
            P::Other("the server's certificate is outside its validity period (expired, or not valid yet)".into())
        }),
        // Secure Transport
        ("certificate was not trusted", &|| P::UnknownIssuer),
        ("not verified by root", &|| P::UnknownIssuer),
        ("expired cert", &|| P::Expired { not_after: None }),
        ("invalid certificate chain", &|| P::InvalidChain),
        ("hostname does not match", &name_mismatch),
    ];
    let lower = message.to_lowercase();
    if lower.contains("alert ") && !lower.contains("certificate verify failed") {
        // The server's alert about our side ("sslv3 alert certificate revoked" is about a
        // client certificate).
        return TlsError::handshake(message);
    }
    if let Some((_, problem)) = known.iter().find(|(words, _)| lower.contains(words)) {
        return TlsError::Certificate(problem(), None);
    }
    if lower.contains("certificate verify failed") {
        // A verify result this list does not know: OpenSSL's own words are in parentheses
        // at the end ("... certificate verify failed:...: (some reason)").
        let reason = message
            .rsplit_once(" (")
            .and_then(|(_, r)| r.strip_suffix(')'))
            .filter(|r| !r.is_empty())
            .unwrap_or("the platform's TLS library did not say why");
        return TlsError::Certificate(
            P::Other(format!("the server's certificate was refused: {reason}")),
            None,
        );
    }
    TlsError::handshake(message)
}

fn min_protocol(v: TlsVersion) -> Result<Option<Protocol>, TlsError> {
    match v {
        TlsVersion::Tls10 => Ok(Some(Protocol::Tlsv10)),
        TlsVersion::Tls11 => Ok(Some(Protocol::Tlsv11)),
        TlsVersion::Tls12 => Ok(Some(Protocol::Tlsv12)),
        TlsVersion::Tls13 if cfg!(target_vendor = "apple") => Err(TlsError::Config(
            "native-tls cannot require TLS 1.3 on Apple platforms (Secure Transport has no TLS 1.3); use the rustls or openssl backend"
                .to_string(),
        )),
        TlsVersion::Tls13 => Ok(Some(Protocol::Tlsv13)),
        other => Err(TlsError::Config(format!(
            "native-tls does not know the TLS version {other:?}"
        ))),
    }
}

fn max_protocol(v: TlsVersion) -> Result<Option<Protocol>, TlsError> {
    match v {
        TlsVersion::Tls10 => Ok(Some(Protocol::Tlsv10)),
        TlsVersion::Tls11 => Ok(Some(Protocol::Tlsv11)),
        TlsVersion::Tls12 => Ok(Some(Protocol::Tlsv12)),
        // The highest version there is: let the platform offer all it can.
        TlsVersion::Tls13 => Ok(None),
        other => Err(TlsError::Config(format!(
            "native-tls does not know the TLS version {other:?}"
        ))),
    }
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, TlsError> {
    fs::read(path)
        .map_err(|e| TlsError::Config(format!("cannot read {what} {}: {e}", path.display())))
}

/// Reads every certificate of a PEM file (or a single DER certificate).
fn load_ca_file(path: &Path) -> Result<Vec<Certificate>, TlsError> {
    let bytes = read_file(path, "the CA file")?;
    let text = String::from_utf8_lossy(&bytes);
    let blocks = pem_blocks(&text, "CERTIFICATE")
        .map_err(|e| TlsError::Config(format!("CA file {}: {e}", path.display())))?;
    if blocks.is_empty() {
        if bytes.first() == Some(&0x30) {
            return Certificate::from_der(&bytes).map(|c| vec![c]).map_err(|e| {
                TlsError::Config(format!(
                    "CA file {}: not a PEM file, and not a DER certificate either: {e}",
                    path.display()
                ))
            });
        }
        return Err(TlsError::Config(format!(
            "CA file {} contains no certificate (expected PEM blocks \"-----BEGIN CERTIFICATE-----\")",
            path.display()
        )));
    }
    blocks
        .iter()
        .enumerate()
        .map(|(i, block)| {
            Certificate::from_pem(block.as_bytes()).map_err(|e| {
                TlsError::Config(format!(
                    "CA file {}: certificate #{} is invalid: {e}",
                    path.display(),
                    i + 1
                ))
            })
        })
        .collect()
}

/// Reads a client certificate chain and its PKCS#8 private key.
fn load_identity(cert_path: &Path, key_path: &Path) -> Result<Identity, TlsError> {
    let cert_bytes = read_file(cert_path, "the client certificate")?;
    let cert_text = String::from_utf8_lossy(&cert_bytes);
    let certs = pem_blocks(&cert_text, "CERTIFICATE").map_err(|e| {
        TlsError::Config(format!("client certificate {}: {e}", cert_path.display()))
    })?;
    if certs.is_empty() {
        return Err(TlsError::Config(format!(
            "client certificate {} contains no PEM certificate",
            cert_path.display()
        )));
    }
    let chain = certs.join("\n");

    let key_bytes = read_file(key_path, "the client key")?;
    let key_text = String::from_utf8_lossy(&key_bytes);
    let keys = pem_blocks(&key_text, "PRIVATE KEY")
        .map_err(|e| TlsError::Config(format!("client key {}: {e}", key_path.display())))?;
    let key = match keys.as_slice() {
        [key] => *key,
        [] => {
            let other = ["RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]
                .into_iter()
                .find(|label| key_text.contains(&format!("-----BEGIN {label}-----")));
            let advice = match other {
                Some("ENCRYPTED PRIVATE KEY") => " (it holds an encrypted key: decrypt it with `openssl pkcs8 -in key.pem -out key-pkcs8.pem`)".to_string(),
                Some(label) => format!(" (it holds a \"{label}\": convert it with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem`)"),
                None => String::new(),
            };
            return Err(TlsError::Config(format!(
                "client key {}: native-tls needs an unencrypted PKCS#8 key (\"-----BEGIN PRIVATE KEY-----\"){advice}",
                key_path.display()
            )));
        }
        _ => {
            return Err(TlsError::Config(format!(
                "client key {} holds {} private keys; expected one",
                key_path.display(),
                keys.len()
            )))
        }
    };
    Identity::from_pkcs8(chain.as_bytes(), key.as_bytes()).map_err(|e| {
        TlsError::Config(format!(
            "client identity ({}, {}): {e}",
            cert_path.display(),
            key_path.display()
        ))
    })
}

/// The PEM blocks labelled exactly `label`, BEGIN and END lines included, in order. Blocks
/// with other labels are skipped.
fn pem_blocks<'a>(text: &'a str, label: &str) -> Result<Vec<&'a str>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find(&begin) {
        let after_begin = &rest[start + begin.len()..];
        let Some(len) = after_begin.find(&end) else {
            return Err(format!(
                "PEM block #{} has no \"{end}\" line (truncated file?)",
                blocks.len() + 1
            ));
        };
        let stop = start + begin.len() + len + end.len();
        blocks.push(&text[offset + start..offset + stop]);
        rest = &rest[stop..];
        offset += stop;
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_splits_and_skips_other_labels() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\r\n\
                    -----BEGIN PRIVATE KEY-----\nKKK\n-----END PRIVATE KEY-----\n\
                    -----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----";
        let certs = pem_blocks(text, "CERTIFICATE").unwrap();
        assert_eq!(
            certs,
            [
                "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----",
                "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----"
            ]
        );
        let keys = pem_blocks(text, "PRIVATE KEY").unwrap();
        assert_eq!(
            keys,
            ["-----BEGIN PRIVATE KEY-----\nKKK\n-----END PRIVATE KEY-----"]
        );
        assert!(
            pem_blocks("-----BEGIN RSA PRIVATE KEY-----\nx", "PRIVATE KEY")
                .unwrap()
                .is_empty()
        );
        assert!(pem_blocks("-----BEGIN CERTIFICATE-----\nAAA\n", "CERTIFICATE").is_err());
        assert!(pem_blocks("", "CERTIFICATE").unwrap().is_empty());
    }

    #[test]
    fn messages_are_classified() {
        let name = || CertificateProblem::NameMismatch {
            expected: "h".into(),
            presented: None,
        };
        let cert = [
            ("error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889: (self-signed certificate)", CertificateProblem::SelfSigned),
            ("error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889: (self-signed certificate in certificate chain)", CertificateProblem::UnknownIssuer),
            ("error:0A000086:SSL routines::certificate verify failed (unable to get local issuer certificate)", CertificateProblem::UnknownIssuer),
            ("error:0A000086:SSL routines::certificate verify failed (certificate has expired)", CertificateProblem::Expired { not_after: None }),
            ("error:0A000086:SSL routines::certificate verify failed (certificate is not yet valid)", CertificateProblem::NotYetValid { not_before: None }),
            ("error:0A000086:SSL routines::certificate verify failed (hostname mismatch)", name()),
            ("error:0A000086:SSL routines::certificate verify failed (IP address mismatch)", name()),
            ("error:0A000086:SSL routines::certificate verify failed (invalid CA certificate)", CertificateProblem::InvalidChain),
            ("error:0A000086:SSL routines::certificate verify failed (certificate revoked)", CertificateProblem::Revoked),
            ("error:0A000086:SSL routines::certificate verify failed (some new reason)", CertificateProblem::Other("the server's certificate was refused: some new reason".into())),
            ("The certificate chain was issued by an authority that is not trusted.", CertificateProblem::UnknownIssuer),
            ("The target principal name is incorrect.", name()),
        ];
        for (m, expected) in cert {
            match classify_message(m.into(), "h") {
                TlsError::Certificate(p, _) => assert_eq!(p, expected, "{m}"),
                other => panic!("{m}: {other:?}"),
            }
        }
        let other = [
            "error:0A00010B:SSL routines:ssl3_get_record:wrong version number",
            "error:0A000412:SSL routines::sslv3 alert bad certificate",
            "error:0A00045C:SSL routines::tlsv13 alert certificate required",
            "error:0A000418:SSL routines::tlsv1 alert unknown ca",
            "error:0A000414:SSL routines::sslv3 alert certificate revoked",
            "unexpected EOF",
        ];
        for m in other {
            assert!(
                matches!(classify_message(m.into(), "h"), TlsError::Handshake(..)),
                "{m}"
            );
        }
    }

    #[test]
    fn versions_map() {
        assert!(matches!(max_protocol(TlsVersion::Tls13), Ok(None)));
        assert!(matches!(
            max_protocol(TlsVersion::Tls12),
            Ok(Some(Protocol::Tlsv12))
        ));
        assert!(matches!(
            min_protocol(TlsVersion::Tls12),
            Ok(Some(Protocol::Tlsv12))
        ));
    }
}
