//! Failures and their exit codes, and the library's errors and hints in ftpc's words.

use std::io;
use std::path::Path;

use std::sync::OnceLock;

use ftpkit::{CertificatePin, CertificateProblem, Error, Hint, Phase};

/// The pin `ftpc trust` recorded for the server of this command, when one applies.
static TRUSTED: OnceLock<CertificatePin> = OnceLock::new();

/// Notes that the connections of this command pin the certificate `ftpc trust` recorded,
/// so that a refusal is worded as a changed certificate.
pub(crate) fn pinned_by_trust(pin: CertificatePin) {
    let _ = TRUSTED.set(pin);
}

/// A failure with the exit code it maps to.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = match (&e, e.phase()) {
            // Any deadline, wherever it fired (a silent TLS handshake included): a script
            // may retry later, which it should not do after a refused certificate.
            _ if e.is_timeout() => TIMEOUT,
            (Error::Tls { .. } | Error::TlsRequired { .. }, _) => 4,
            (_, Phase::Login) => 5,
            _ if is_not_found(&e) => NOT_FOUND,
            (_, Phase::TlsUpgrade | Phase::DataProtection) => 4,
            (_, Phase::Connect | Phase::Greeting) => 3,
            (_, Phase::DataConnect | Phase::Transfer) => 7,
            _ => 6,
        };
        Failure {
            code,
            message: cli_message(&e),
        }
    }
}

/// Exit code: the path does not exist (a 550 reply to a command that names an existing
/// path: RETR, SIZE, MDTM, DELE, RMD, RNFR, CWD, MLST, STAT, the listings).
pub(crate) const NOT_FOUND: u8 = 9;
/// Exit code: a deadline fired (connect, reply, handshake, data, idle, or --max-time).
pub(crate) const TIMEOUT: u8 = 10;

/// True for a 550 reply to a command that needs its path to exist. MKD, STOR, RNTO and
/// APPE also get 550 for "exists already" or "permission denied": those stay refusals.
pub(crate) fn is_not_found(e: &Error) -> bool {
    const NEEDS_PATH: [&str; 12] = [
        "RETR", "SIZE", "MDTM", "DELE", "RMD", "RNFR", "CWD", "MLST", "STAT", "LIST", "NLST",
        "MLSD",
    ];
    match e {
        Error::Reply { command, reply, .. } if reply.code() == 550 => {
            let verb = command.split_ascii_whitespace().next().unwrap_or("");
            NEEDS_PATH.iter().any(|v| v.eq_ignore_ascii_case(verb))
        }
        _ => false,
    }
}

/// The error in ftpc's words: the library's hint names API settings (`DataMode::Active`,
/// `TlsOptions::ca_files`…); here it names the flag that does the same.
pub(crate) fn cli_message(e: &Error) -> String {
    let text = e.to_string();
    let mut text = match e.hint() {
        Some(h) => text.replace(&h.to_string(), &cli_hint(h)),
        None => text,
    };
    if let (Some(Hint::Certificate(CertificateProblem::NotPinned { pinned })), Some(trusted)) =
        (e.hint(), TRUSTED.get())
    {
        if pinned.contains(trusted) {
            let now = e
                .server_fingerprints()
                .map_or("another one".to_owned(), |f| {
                    f.certificate_pin().to_string()
                });
            text.push_str(&format!(
                ". The server's certificate CHANGED since you trusted it with ftpc trust: trusted {trusted}, now {now}. If its administrator replaced it, check the new fingerprint with them and run ftpc trust again to accept it"
            ));
        }
    }
    // A certificate that is not trusted can be pinned, once its fingerprint has been
    // compared with the one the administrator gives (not with this message's alone).
    if let (Some(Hint::Certificate(p)), Some(seen)) = (e.hint(), e.server_fingerprints()) {
        if matches!(
            p,
            CertificateProblem::SelfSigned
                | CertificateProblem::UnknownIssuer
                | CertificateProblem::CaUsedAsServerCertificate
                | CertificateProblem::NameMismatch { .. }
        ) {
            text.push_str(&format!(
                "; to trust exactly this certificate once its fingerprint matches the one the server's administrator gives you: --pin {}, or ftpc trust URL to record it",
                seen.certificate_pin()
            ));
        }
    }
    text
}

fn cli_hint(h: &Hint) -> String {
    let s = match h {
        Hint::UseActiveMode => {
            "the server refused passive mode or its data connection failed; try --active"
        }
        Hint::UsePassiveMode => {
            "the server could not connect to this client for the data (active mode): a firewall or NAT between them blocks it; leave out --active (passive mode is the default)"
        }
        Hint::UseActiveModeOrAnotherBackend => {
            "the server could not use the data connection; try --active, or another --backend"
        }
        Hint::UseResumingBackend => {
            "the server requires data connections to resume the control connection's TLS session, which native-tls cannot do: use --backend rustls or --backend openssl"
        }
        Hint::TryOtherResumingBackend => {
            "the server requires data connections to resume the control connection's TLS session and refused this one: try the other resuming backend (--backend rustls or --backend openssl)"
        }
        Hint::TryAnotherBackend => {
            "try another TLS backend (--backend), or other TLS versions (--tls-min, --tls-max)"
        }
        Hint::TryImplicitTls => {
            "ftp:// means explicit TLS in ftpc; use --tls none for plain FTP on a trusted network, or try implicit TLS (--tls implicit, or an ftps:// URL, port 990)"
        }
        Hint::NeedAccount => "the server asks for an account (ACCT), which ftpc cannot send",
        Hint::Certificate(p) => {
            return p
                .advice()
                .replace("TlsOptions::ca_files", "--ca-file")
                .replace("TlsOptions::pinned", "--pin")
                .replace(
                    ", or set the TLS server name to one of them (ClientBuilder::tls_server_name)",
                    " in the URL",
                )
        }
        other => return other.to_string(),
    };
    s.to_string()
}

pub(crate) fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

pub(crate) fn local(what: &str, path: &Path, e: io::Error) -> Failure {
    Failure {
        code: 8,
        message: format!("local: {what} {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod hint_tests {
    use super::*;
    use ftpkit::CertificateProblem;

    /// Every hint the library words in API terms comes out in ftpc's flags.
    #[test]
    fn hints_name_flags_not_api_items() {
        let hints = [
            Hint::UseActiveMode,
            Hint::UsePassiveMode,
            Hint::UseActiveModeOrAnotherBackend,
            Hint::UseResumingBackend,
            Hint::TryOtherResumingBackend,
            Hint::TryAnotherBackend,
            Hint::TryImplicitTls,
            Hint::NeedAccount,
            Hint::Certificate(CertificateProblem::SelfSigned),
            Hint::Certificate(CertificateProblem::UnknownIssuer),
            Hint::Certificate(CertificateProblem::CaUsedAsServerCertificate),
            Hint::Certificate(CertificateProblem::NameMismatch {
                expected: "10.0.0.7".into(),
                presented: Some(vec!["a".into()]),
            }),
        ];
        for h in &hints {
            let words = cli_hint(h);
            assert!(!words.contains("::"), "{h:?}: {words}");
            assert_ne!(words, h.to_string(), "{h:?} is not reworded");
        }
        assert!(cli_hint(&Hint::UseActiveMode).contains("--active"));
        assert!(cli_hint(&Hint::UseResumingBackend).contains("--backend rustls"));
        assert!(cli_hint(&Hint::Certificate(CertificateProblem::SelfSigned)).contains("--ca-file"));
    }
}
