//! Certificate fingerprints and pins: trusting one server's certificate, whoever issued it,
//! without turning verification off.
//!
//! Most FTPS servers in the field present a self-signed certificate. Turning verification
//! off (`--insecure`) accepts *any* certificate, so anyone on the path can read the session;
//! a pin accepts exactly one. Two forms, the ones users already have:
//!
//! - the certificate's SHA-256 fingerprint, as `openssl x509 -noout -fingerprint -sha256`
//!   prints it and as FileZilla and WinSCP show it: `sha256:AB:CD:…` (colons optional);
//! - the SHA-256 of its public key (the DER `SubjectPublicKeyInfo`), in curl's
//!   `--pinnedpubkey` form `sha256//BASE64`, which survives a certificate renewed with the
//!   same key.
//!
//! A pinned certificate replaces the whole chain and name check: its issuer, its basic
//! constraints and the names it carries do not matter, because the user vouches for that
//! very certificate. The TLS handshake still proves that the server holds its private key,
//! so a pin cannot be satisfied by someone who merely copied the certificate.
//!
//! ```
//! use ftpkit_core::{CertificatePin, Fingerprints};
//! # let der = include_bytes!("../tests/data/self-signed.der");
//! let seen = Fingerprints::of_der(der);
//! let pin: CertificatePin = seen.certificate_pin().to_string().parse().unwrap();
//! assert!(pin.matches(&seen));
//! let key_pin: CertificatePin = seen.public_key_pin().unwrap().to_string().parse().unwrap();
//! assert!(key_pin.matches(&seen));
//! ```

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// The SHA-256 fingerprints of a server's certificate, for pinning and for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprints {
    /// SHA-256 of the whole certificate (DER).
    pub certificate: [u8; 32],
    /// SHA-256 of its `SubjectPublicKeyInfo` (DER); `None` when the certificate is too
    /// malformed to find it.
    pub public_key: Option<[u8; 32]>,
}

impl Fingerprints {
    /// The fingerprints of a DER certificate.
    pub fn of_der(der: &[u8]) -> Fingerprints {
        Fingerprints {
            certificate: Sha256::digest(der).into(),
            public_key: spki(der).map(|k| Sha256::digest(k).into()),
        }
    }

    /// The pin that accepts exactly this certificate.
    pub fn certificate_pin(&self) -> CertificatePin {
        CertificatePin::Certificate(self.certificate)
    }

    /// The pin that accepts any certificate with this public key.
    pub fn public_key_pin(&self) -> Option<CertificatePin> {
        self.public_key.map(CertificatePin::PublicKey)
    }
}

/// `certificate sha256:AB:…, public key sha256//…`.
impl fmt::Display for Fingerprints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "certificate {}", self.certificate_pin())?;
        if let Some(key) = self.public_key_pin() {
            write!(f, ", public key {key}")?;
        }
        Ok(())
    }
}

/// One certificate a client accepts, whatever its issuer ([`crate::TlsOptions::pinned`]).
///
/// Why and how: a pinned certificate replaces the chain and name check (its issuer, basic
/// constraints and names do not matter, the user vouches for that very certificate), while
/// the handshake still proves that the server holds its private key.
///
/// Parsed from `sha256:HEX` (the certificate's fingerprint, 64 hex digits, colons and case
/// free) or `sha256//BASE64` (its public key's, curl's `--pinnedpubkey` form).
///
/// ```
/// use ftpkit_core::CertificatePin;
/// let pin: CertificatePin = "sha256:0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef"
///     .parse()
///     .unwrap();
/// assert!(pin.to_string().starts_with("sha256:01:23:45"));
/// assert!("sha256:0123".parse::<CertificatePin>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificatePin {
    /// SHA-256 of the certificate (DER).
    Certificate([u8; 32]),
    /// SHA-256 of the certificate's `SubjectPublicKeyInfo` (DER).
    PublicKey([u8; 32]),
}

impl CertificatePin {
    /// Whether a certificate with these fingerprints is the pinned one.
    pub fn matches(&self, seen: &Fingerprints) -> bool {
        match self {
            CertificatePin::Certificate(h) => *h == seen.certificate,
            CertificatePin::PublicKey(h) => Some(*h) == seen.public_key,
        }
    }

    /// Whether any of `pins` accepts the certificate `der`.
    pub fn any_matches(pins: &[CertificatePin], der: &[u8]) -> Result<(), Fingerprints> {
        let seen = Fingerprints::of_der(der);
        match pins.iter().any(|p| p.matches(&seen)) {
            true => Ok(()),
            false => Err(seen),
        }
    }
}

impl fmt::Display for CertificatePin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificatePin::Certificate(h) => {
                f.write_str("sha256:")?;
                for (i, b) in h.iter().enumerate() {
                    if i > 0 {
                        f.write_str(":")?;
                    }
                    write!(f, "{b:02X}")?;
                }
                Ok(())
            }
            CertificatePin::PublicKey(h) => write!(f, "sha256//{}", base64(h)),
        }
    }
}

/// Why a pin could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a certificate pin: expected sha256:<64 hex digits> (the certificate's fingerprint) or sha256//<base64> (its public key's, as curl's --pinnedpubkey)")]
pub struct PinParseError(pub String);

impl FromStr for CertificatePin {
    type Err = PinParseError;

    fn from_str(s: &str) -> Result<CertificatePin, PinParseError> {
        let bad = || PinParseError(s.to_owned());
        let t = s.trim();
        if let Some(b64) = t.strip_prefix("sha256//") {
            let bytes = unbase64(b64).ok_or_else(bad)?;
            return Ok(CertificatePin::PublicKey(
                bytes.try_into().map_err(|_| bad())?,
            ));
        }
        let lower = t.to_ascii_lowercase();
        let hex = lower
            .strip_prefix("sha256:")
            .or_else(|| lower.strip_prefix("sha256="))
            .ok_or_else(bad)?;
        let digits: Vec<u8> = hex.bytes().filter(|&b| b != b':').collect();
        if digits.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, pair) in digits.chunks(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16).ok_or_else(bad)?;
            let lo = (pair[1] as char).to_digit(16).ok_or_else(bad)?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Ok(CertificatePin::Certificate(out))
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            match i <= n {
                true => out.push(B64[(v >> (18 - 6 * i) & 63) as usize] as char),
                false => out.push('='),
            }
        }
    }
    out
}

/// Standard base64, padding optional; `None` on any other character.
fn unbase64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// The DER `SubjectPublicKeyInfo` of a certificate: the seventh element of
/// `tbsCertificate` counting the optional `[0] version` (RFC 5280 §4.1). A small walk
/// instead of an X.509 library, so that the core stays free of TLS and ASN.1 dependencies.
fn spki(cert: &[u8]) -> Option<&[u8]> {
    let (_, cert_body, _) = tlv(cert)?;
    let (_, mut tbs, _) = tlv(cert_body)?;
    // Skip the explicit version, if present ([0], constructed: 0xA0).
    if tbs.first() == Some(&0xA0) {
        tbs = tlv(tbs)?.2;
    }
    // serialNumber, signature, issuer, validity, subject.
    for _ in 0..5 {
        tbs = tlv(tbs)?.2;
    }
    let (whole, _, _) = tlv(tbs)?;
    (whole.first() == Some(&0x30)).then_some(whole)
}

/// Splits one DER element off `b`: (the whole element, its contents, the rest).
fn tlv(b: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let first_len = *b.get(1)?;
    let (len, header) = match first_len {
        n if n < 0x80 => (usize::from(n), 2),
        0x81..=0x84 => {
            let k = usize::from(first_len & 0x7f);
            let bytes = b.get(2..2 + k)?;
            let len = bytes
                .iter()
                .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
            (len, 2 + k)
        }
        _ => return None,
    };
    let end = header.checked_add(len)?;
    let whole = b.get(..end)?;
    Some((whole, &whole[header..], &b[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate made with `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=host`;
    /// its fingerprints as `openssl x509 -fingerprint -sha256` and curl's documented
    /// `openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256
    /// -binary | openssl enc -base64` print them.
    const DER: &[u8] = include_bytes!("../tests/data/self-signed.der");
    const CERT_FP: &str = include_str!("../tests/data/self-signed.sha256");
    const KEY_FP: &str = include_str!("../tests/data/self-signed.pubkey-sha256");

    #[test]
    fn fingerprints_agree_with_openssl() {
        let fp = Fingerprints::of_der(DER);
        let want_cert = CERT_FP.trim().trim_start_matches("sha256 Fingerprint=");
        assert_eq!(
            fp.certificate_pin().to_string(),
            format!("sha256:{want_cert}")
        );
        assert_eq!(
            fp.public_key_pin().unwrap().to_string(),
            format!("sha256//{}", KEY_FP.trim())
        );
    }

    #[test]
    fn pins_parse_in_every_form_users_paste() {
        let fp = Fingerprints::of_der(DER);
        let hex: String = fp.certificate.iter().map(|b| format!("{b:02x}")).collect();
        for s in [
            format!("sha256:{hex}"),
            format!("SHA256:{}", hex.to_uppercase()),
            fp.certificate_pin().to_string(),
            format!(" sha256={hex} "),
        ] {
            let pin: CertificatePin = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert!(pin.matches(&fp), "{s}");
        }
        let key = fp.public_key_pin().unwrap().to_string();
        assert!(key.parse::<CertificatePin>().unwrap().matches(&fp));
        assert!(key
            .trim_end_matches('=')
            .parse::<CertificatePin>()
            .unwrap()
            .matches(&fp));
    }

    #[test]
    fn bad_pins_are_refused_not_guessed() {
        for s in [
            "",
            "sha256:",
            "sha256:0123",
            "md5:00112233445566778899aabbccddeeff",
            &format!("sha256:{}", "g".repeat(64)),
            &format!("sha256:{}", "0".repeat(66)),
            "sha256//!!!!",
            "sha256//AAAA",
        ] {
            assert!(s.parse::<CertificatePin>().is_err(), "{s:?}");
        }
    }

    #[test]
    fn another_certificate_does_not_match() {
        let fp = Fingerprints::of_der(DER);
        let mut other = DER.to_vec();
        let last = other.len() - 1;
        other[last] ^= 1; // a different signature byte: another certificate, same key
        assert_eq!(
            CertificatePin::any_matches(&[fp.certificate_pin()], &other),
            Err(Fingerprints::of_der(&other))
        );
        assert!(CertificatePin::any_matches(&[fp.public_key_pin().unwrap()], &other).is_ok());
    }

    #[test]
    fn base64_round_trips() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(unbase64(&base64(&bytes)).unwrap(), bytes);
        }
    }

    #[test]
    fn garbage_der_never_panics() {
        for n in 0..DER.len().min(300) {
            let _ = Fingerprints::of_der(&DER[..n]);
        }
        assert_eq!(
            Fingerprints::of_der(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).public_key,
            None
        );
    }
}
