//! Server certificate verification: webpki, plus the self-signed certificates people trust by
//! giving that very certificate as a CA file; and the translation of rustls's certificate
//! errors into [`CertificateProblem`]s.
//!
//! `openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -subj /CN=host`, the
//! way most administrators make a certificate for their FTP server, marks it `CA:TRUE`
//! (OpenSSL 3's default configuration adds `basicConstraints=critical,CA:true`). Passing that
//! certificate as a CA file makes OpenSSL, native-tls, curl and lftp trust the server, but
//! webpki refuses any end-entity certificate that is a CA (`CaUsedAsEndEntity`), even when it
//! is itself the trust anchor. Users of the default backend would then be left with
//! `--insecure`, which checks nothing at all. So a server certificate that is byte for byte
//! one the user trusted explicitly is accepted here, after the checks that still make sense
//! for it: validity period, purpose and server name. The handshake signatures are verified
//! as always, so the server must hold that certificate's private key. Everything else goes
//! through webpki unchanged.

use std::error::Error as StdError;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ftpkit_core::{CertificatePin, CertificateProblem, Fingerprints};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;

/// webpki's verifier, plus acceptance of a server certificate identical to one of the
/// certificates the user trusted explicitly ([`ftpkit_core::TlsOptions::ca_files`]).
#[derive(Debug)]
pub(crate) struct Verifier {
    webpki: Arc<WebPkiServerVerifier>,
    /// The DER of every certificate of the CA files (not the system roots: the exception is
    /// for certificates the user chose, not for any root a system happens to ship).
    explicitly_trusted: Vec<CertificateDer<'static>>,
}

impl Verifier {
    pub(crate) fn new(
        webpki: Arc<WebPkiServerVerifier>,
        explicitly_trusted: Vec<CertificateDer<'static>>,
    ) -> Verifier {
        Verifier {
            webpki,
            explicitly_trusted,
        }
    }
}

/// A verifier that checks no chain and no name, only that the server holds the key of the
/// certificate it presents (the handshake signatures): with [`Accept::Pinned`], the
/// certificate must also be one of the pins ([`ftpkit_core::TlsOptions::pinned`]: the pin is
/// the whole identity check, so issuer, names and dates do not matter and no root store is
/// needed); with [`Accept::Any`] (`dangerous_accept_invalid_certs`), any certificate will do.
#[derive(Debug)]
pub(crate) struct KeyOnlyVerifier {
    pub(crate) accept: Accept,
    pub(crate) provider: Arc<CryptoProvider>,
}

/// Which certificates a [`KeyOnlyVerifier`] accepts.
#[derive(Debug)]
pub(crate) enum Accept {
    Any,
    Pinned(Vec<CertificatePin>),
}

impl ServerCertVerifier for KeyOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Accept::Pinned(pinned) = &self.accept else {
            return Ok(ServerCertVerified::assertion());
        };
        match CertificatePin::any_matches(pinned, end_entity.as_ref()) {
            Ok(()) => Ok(ServerCertVerified::assertion()),
            Err(seen) => Err(explained(
                CertificateProblem::NotPinned {
                    pinned: pinned.clone(),
                },
                Some(seen),
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => Ok(verified),
            Err(e) => {
                if self
                    .explicitly_trusted
                    .iter()
                    .any(|trusted| trusted.as_ref() == end_entity.as_ref())
                {
                    // webpki refused it (typically `CaUsedAsEndEntity`: a self-signed
                    // `CA:TRUE` certificate), but the user trusts exactly this certificate:
                    // it is its own trust anchor, so neither its issuer nor its basic
                    // constraints matter. What is left to check is what OpenSSL checks for
                    // such a certificate.
                    log::debug!("rustls: webpki refused the server's certificate ({e}), but it is one of the CA files: checking it as a trust anchor");
                    check_trusted_certificate(end_entity, server_name, now)
                        .map_err(|e| with_fingerprints(e, end_entity))?;
                    return Ok(ServerCertVerified::assertion());
                }
                Err(with_fingerprints(explain(e, end_entity), end_entity))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// The checks for a server certificate the user trusts byte for byte: validity period,
/// extended key usage (when present, it must allow TLS servers, as webpki and OpenSSL
/// demand), and the server name.
fn check_trusted_certificate(
    der: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let now_secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let validity = cert.validity();
    if now_secs < validity.not_before.timestamp() {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before: unix_time(validity.not_before.timestamp()),
        }
        .into());
    }
    if now_secs > validity.not_after.timestamp() {
        return Err(CertificateError::ExpiredContext {
            time: now,
            not_after: unix_time(validity.not_after.timestamp()),
        }
        .into());
    }
    match cert.extended_key_usage() {
        Ok(None) => {}
        Ok(Some(eku)) if eku.value.server_auth => {}
        Ok(Some(_)) => return Err(CertificateError::InvalidPurpose.into()),
        Err(_) => return Err(CertificateError::BadEncoding.into()),
    }
    let names = Names::of(&cert);
    if names.matches(server_name) {
        Ok(())
    } else {
        Err(CertificateError::NotValidForNameContext {
            expected: server_name.to_owned(),
            presented: names.listed(),
        }
        .into())
    }
}

fn unix_time(secs: i64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

/// The names a certificate is valid for.
#[derive(Debug, Default)]
struct Names {
    /// Whether it has a subjectAltName extension.
    has_san: bool,
    /// Its dNSName entries, in order.
    dns: Vec<String>,
    /// Its iPAddress entries, in order.
    ips: Vec<IpAddr>,
    /// Both kinds, in the certificate's order, for messages.
    listed: Vec<String>,
    /// Its subject's common names.
    common_names: Vec<String>,
}

impl Names {
    fn of(cert: &X509Certificate<'_>) -> Names {
        let mut names = Names::default();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            names.has_san = true;
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(dns) => {
                        names.dns.push((*dns).to_string());
                        names.listed.push((*dns).to_string());
                    }
                    GeneralName::IPAddress(bytes) => {
                        let ip = if let Ok(v4) = <[u8; 4]>::try_from(*bytes) {
                            IpAddr::from(v4)
                        } else if let Ok(v6) = <[u8; 16]>::try_from(*bytes) {
                            IpAddr::from(v6)
                        } else {
                            continue;
                        };
                        names.ips.push(ip);
                        names.listed.push(ip.to_string());
                    }
                    _ => {}
                }
            }
        }
        names.common_names = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .map(str::to_string)
            .collect();
        names
    }

    /// Whether the certificate is valid for `server_name`: a DNS name against the dNSName
    /// entries (wildcards as webpki allows them), an IP address against the iPAddress
    /// entries. The subject's common name counts as a DNS name only when the certificate
    /// has no subjectAltName at all, which is what OpenSSL does for the CN-only
    /// certificates `openssl req -subj /CN=host` makes (it never matches an IP address
    /// against the CN either).
    fn matches(&self, server_name: &ServerName<'_>) -> bool {
        match server_name {
            ServerName::DnsName(reference) => {
                let reference = reference.as_ref();
                let presented: &[String] = if self.has_san {
                    &self.dns
                } else {
                    &self.common_names
                };
                presented.iter().any(|p| dns_name_matches(p, reference))
            }
            ServerName::IpAddress(ip) => {
                let ip = IpAddr::from(*ip);
                self.ips.contains(&ip)
            }
            _ => false,
        }
    }

    /// The names the certificate carries, for an error message: those of its
    /// subjectAltName, else its common names.
    fn listed(&self) -> Vec<String> {
        if self.has_san {
            self.listed.clone()
        } else {
            self.common_names.clone()
        }
    }
}

/// The DNS names and IP addresses of a certificate's subjectAltName, in order.
pub(crate) fn san_names(cert: &X509Certificate<'_>) -> Vec<String> {
    let names = Names::of(cert);
    match names.has_san {
        true => names.listed,
        false => Vec::new(),
    }
}

/// Matches a presented DNS name (from a certificate) against the name connected to, like
/// webpki: ASCII case-insensitive; a trailing dot on the reference is ignored; a wildcard
/// only as a whole leftmost label `*`, followed by at least two labels, standing for exactly
/// one non-empty label.
fn dns_name_matches(presented: &str, reference: &str) -> bool {
    let reference = reference.strip_suffix('.').unwrap_or(reference);
    if presented.is_empty() || presented.ends_with('.') || reference.is_empty() {
        return false;
    }
    match presented.strip_prefix("*.") {
        Some(suffix) => {
            if suffix.contains('*') || suffix.split('.').count() < 2 {
                return false;
            }
            if suffix.split('.').any(str::is_empty) {
                return false;
            }
            match reference.split_once('.') {
                Some((first, rest)) => !first.is_empty() && rest.eq_ignore_ascii_case(suffix),
                None => false,
            }
        }
        None => !presented.contains('*') && presented.eq_ignore_ascii_case(reference),
    }
}

/// A certificate problem worked out here, with the fingerprints of the certificate, carried
/// through rustls inside [`CertificateError::Other`] and unpacked by [`rejection`].
#[derive(Debug)]
struct Explained(CertificateProblem, Option<Fingerprints>);

impl fmt::Display for Explained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for Explained {}

fn explained(problem: CertificateProblem, seen: Option<Fingerprints>) -> rustls::Error {
    CertificateError::Other(OtherError(Arc::new(Explained(problem, seen)))).into()
}

/// Attaches the fingerprints of `der` to a certificate error (other errors pass unchanged).
fn with_fingerprints(error: rustls::Error, der: &CertificateDer<'_>) -> rustls::Error {
    match &error {
        rustls::Error::InvalidCertificate(c) => {
            explained(problem(c), Some(Fingerprints::of_der(der.as_ref())))
        }
        _ => error,
    }
}

/// The problem a rustls certificate error stands for, and the fingerprints of the
/// certificate when the verifier attached them.
pub(crate) fn rejection(c: &CertificateError) -> (CertificateProblem, Option<Fingerprints>) {
    if let CertificateError::Other(other) = c {
        if let Some(Explained(p, seen)) = other.0.downcast_ref::<Explained>() {
            return (p.clone(), *seen);
        }
    }
    (problem(c), None)
}

/// Makes webpki's refusal more precise where the certificate itself can tell more: that an
/// unknown issuer is the certificate itself (self-signed), and which names the certificate
/// does carry.
fn explain(error: rustls::Error, der: &CertificateDer<'_>) -> rustls::Error {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der.as_ref()) else {
        return error;
    };
    let self_issued = cert.subject().as_raw() == cert.issuer().as_raw();
    let rustls::Error::InvalidCertificate(c) = &error else {
        return error;
    };
    match c {
        // A self-signed certificate that is not trusted: webpki reports a CA:TRUE one as a
        // CA used as an end entity, before it even looks for an issuer.
        CertificateError::UnknownIssuer if self_issued => {
            explained(CertificateProblem::SelfSigned, None)
        }
        CertificateError::Other(other)
            if self_issued
                && matches!(
                    other.0.downcast_ref::<webpki::Error>(),
                    Some(webpki::Error::CaUsedAsEndEntity)
                ) =>
        {
            explained(CertificateProblem::SelfSigned, None)
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            let names = Names::of(&cert);
            let expected = match c {
                CertificateError::NotValidForNameContext { expected, .. } => expected.to_str(),
                _ => "the server".into(),
            };
            if !names.has_san && !names.common_names.is_empty() {
                // webpki ignores the common name; OpenSSL would use it.
                explained(
                    CertificateProblem::Other(format!(
                        "the server's certificate is not valid for {expected:?}: it has no subjectAltName, only the common name {}, and rustls does not accept a common name as the server's name",
                        quoted(&names.common_names)
                    )),
                    None,
                )
            } else {
                explained(
                    CertificateProblem::NameMismatch {
                        expected: expected.into_owned(),
                        presented: Some(names.listed()),
                    },
                    None,
                )
            }
        }
        _ => error,
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The problem a rustls certificate error stands for.
pub(crate) fn problem(c: &CertificateError) -> CertificateProblem {
    use CertificateError as E;
    match c {
        E::UnknownIssuer => CertificateProblem::UnknownIssuer,
        E::Expired => CertificateProblem::Expired { not_after: None },
        E::ExpiredContext { not_after, .. } => CertificateProblem::Expired {
            not_after: Some(system_time(*not_after)),
        },
        E::NotValidYet => CertificateProblem::NotYetValid { not_before: None },
        E::NotValidYetContext { not_before, .. } => CertificateProblem::NotYetValid {
            not_before: Some(system_time(*not_before)),
        },
        E::NotValidForName => CertificateProblem::NameMismatch {
            expected: "the server".into(),
            presented: None,
        },
        E::NotValidForNameContext {
            expected,
            presented,
        } => CertificateProblem::NameMismatch {
            expected: expected.to_str().into_owned(),
            presented: presented.iter().map(|p| plain_name(p)).collect(),
        },
        E::Revoked => CertificateProblem::Revoked,
        E::InvalidPurpose | E::InvalidPurposeContext { .. } => CertificateProblem::NotForServers,
        E::BadSignature => CertificateProblem::BadSignature,
        #[allow(deprecated)] // Still what a verifier of one's own may return.
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext { .. }
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            CertificateProblem::WeakOrUnsupportedAlgorithm
        }
        E::BadEncoding | E::UnhandledCriticalExtension => CertificateProblem::Malformed,
        E::UnknownRevocationStatus => CertificateProblem::Other(
            "the revocation status of the server's certificate is unknown".into(),
        ),
        E::ExpiredRevocationList | E::ExpiredRevocationListContext { .. } => {
            CertificateProblem::Other(
                "the revocation list for the server's certificate has expired".into(),
            )
        }
        E::InvalidOcspResponse => CertificateProblem::Other(
            "the server sent an invalid certificate status (OCSP) response".into(),
        ),
        E::ApplicationVerificationFailure => CertificateProblem::Other(
            "the server's certificate was refused by the application's own check".into(),
        ),
        E::Other(other) => {
            if let Some(Explained(p, _)) = other.0.downcast_ref::<Explained>() {
                return p.clone();
            }
            match other.0.downcast_ref::<webpki::Error>() {
                Some(e) => webpki_problem(e),
                None => CertificateProblem::Other(format!(
                    "the server's certificate was refused: {}",
                    other.0
                )),
            }
        }
        other => CertificateProblem::Other(format!(
            "the server's certificate was refused by rustls ({})",
            code_name(other)
        )),
    }
}

/// The webpki errors that rustls passes on as [`CertificateError::Other`].
fn webpki_problem(e: &webpki::Error) -> CertificateProblem {
    use webpki::Error as W;
    match e {
        W::CaUsedAsEndEntity => CertificateProblem::CaUsedAsServerCertificate,
        W::EndEntityUsedAsCa
        | W::PathLenConstraintViolated
        | W::NameConstraintViolation
        | W::MaximumPathDepthExceeded
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumSignatureChecksExceeded
        | W::MaximumNameConstraintComparisonsExceeded => CertificateProblem::InvalidChain,
        W::UnsupportedCertVersion
        | W::UnsupportedCriticalExtension
        | W::ExtensionValueInvalid
        | W::MalformedExtensions
        | W::MalformedDnsIdentifier
        | W::MalformedNameConstraint
        | W::EmptyEkuExtension
        | W::SignatureAlgorithmMismatch
        | W::UnsupportedNameType => CertificateProblem::Malformed,
        W::CertDistrusted => CertificateProblem::Other(
            "the server's certificate chain leads to a certificate authority that is no longer trusted".into(),
        ),
        other => CertificateProblem::Other(format!(
            "the server's certificate was refused by webpki ({})",
            code_name(other)
        )),
    }
}

/// The variant name of an error's `Debug` form (`CaUsedAsEndEntity`), without any fields.
fn code_name(e: &dyn fmt::Debug) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// webpki lists the names it saw in their `Debug` form (`DnsName("a.example")`); the name
/// itself is what a person needs. `None` for a form that has no plain name to show.
fn plain_name(presented: &str) -> Option<String> {
    let name = presented
        .split_once("(\"")
        .and_then(|(_, rest)| rest.strip_suffix("\")"))
        .unwrap_or(presented);
    (!name.contains(['(', '{', '"'])).then(|| name.to_string())
}

fn system_time(t: UnixTime) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(t.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_match_like_webpki() {
        for (presented, reference, expected) in [
            ("localhost", "localhost", true),
            ("LocalHost", "localhost", true),
            ("localhost", "localhost.", true),
            ("localhost.", "localhost", false),
            ("a.example", "b.example", false),
            ("*.b.a", "c.b.a", true),
            ("*.b.a", "C.B.A", true),
            ("*.b.a", "b.a", false),
            ("*.b.a", "d.c.b.a", false),
            ("*.b.a", ".b.a", false),
            ("*.a", "b.a", false),
            ("*", "a", false),
            ("f*.b.a", "foo.b.a", false),
            ("d.*.b.a", "d.c.b.a", false),
            ("*.*.a", "b.c.a", false),
            ("", "a", false),
        ] {
            assert_eq!(
                dns_name_matches(presented, reference),
                expected,
                "{presented} vs {reference}"
            );
        }
    }

    #[test]
    fn webpki_names_are_unwrapped() {
        assert_eq!(
            plain_name("DnsName(\"a.example\")").as_deref(),
            Some("a.example")
        );
        assert_eq!(plain_name("a.example").as_deref(), Some("a.example"));
        assert_eq!(plain_name("IpAddress(Input { bytes: [1] })"), None);
        assert_eq!(
            code_name(&webpki::Error::CaUsedAsEndEntity),
            "CaUsedAsEndEntity"
        );
    }
}
