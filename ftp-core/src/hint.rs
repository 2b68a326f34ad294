//! What to try after a failure, as data: the library words it in its own API's terms, and an
//! application (such as `ftpc`) can word it in its own (command-line flags, a settings
//! page) by matching on it.

use std::fmt;

use crate::tls::CertificateProblem;

/// The next thing to try after an error; see [`crate::Error::hint`].
///
/// ```
/// use ftpkit_core::Hint;
/// let h = Hint::UseActiveMode;
/// assert!(h.to_string().contains("DataMode::Active"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hint {
    /// Passive mode failed or was refused: try active mode.
    UseActiveMode,
    /// The server could not connect to us (active mode): a firewall or NAT is in the way.
    UsePassiveMode,
    /// The server could not use the data connection: try active mode, or another backend.
    UseActiveModeOrAnotherBackend,
    /// The server requires data connections to resume the control connection's TLS
    /// session, and this backend cannot ([`crate::TlsStream::resumes_sessions`]).
    UseResumingBackend,
    /// The server refused a data connection that this backend tried to resume: another
    /// backend that resumes sessions may be accepted.
    TryOtherResumingBackend,
    /// The TLS handshake failed: another backend, or other TLS versions.
    TryAnotherBackend,
    /// The server refused `AUTH TLS`: implicit TLS, or plain FTP on a trusted network.
    TryImplicitTls,
    /// The server's certificate was rejected; what to do depends on why.
    Certificate(CertificateProblem),
    /// Check the user name and password.
    CheckCredentials,
    /// The server asks for an account (`ACCT`).
    NeedAccount,
    /// Check the path and the permissions on it.
    CheckPath,
    /// A temporary condition on the server: try again later.
    TryLater,
    /// The server may require TLS before it accepts a login.
    MayRequireTls,
    /// Advice that names no setting (e.g. "the directory must exist and be empty").
    Note(&'static str),
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hint::UseActiveMode => f.write_str(
                "the server refused passive mode or its data connection failed; try active mode (DataMode::Active)",
            ),
            Hint::UsePassiveMode => f.write_str(
                "the server could not connect to this client for the data (active mode): a firewall or NAT between them blocks it; use passive mode (DataMode::Passive)",
            ),
            Hint::UseActiveModeOrAnotherBackend => f.write_str(
                "the server could not use the data connection; try active mode (DataMode::Active), or another TLS backend",
            ),
            Hint::UseResumingBackend => f.write_str(
                "the server requires data connections to resume the control connection's TLS session, which this TLS backend cannot do: use a backend that resumes sessions",
            ),
            Hint::TryOtherResumingBackend => f.write_str(
                "the server requires data connections to resume the control connection's TLS session and refused this one: try another backend that resumes sessions",
            ),
            Hint::TryAnotherBackend => f.write_str(
                "try another TLS backend, or check which TLS versions the server accepts (TlsOptions::min_version, max_version)",
            ),
            Hint::TryImplicitTls => f.write_str(
                "it may not offer explicit FTPS: try implicit TLS (Security::Implicit, usually port 990), or plain FTP (Security::Plain) only on a network you trust",
            ),
            Hint::Certificate(p) => f.write_str(p.advice()),
            Hint::CheckCredentials => f.write_str("check the user name and password"),
            Hint::NeedAccount => {
                f.write_str("the server asks for an account (ACCT); pass one to login_with_account")
            }
            Hint::CheckPath => f.write_str("check the path and your permissions"),
            Hint::TryLater => f.write_str("a temporary condition on the server; try again later"),
            Hint::MayRequireTls => f.write_str(
                "the server's security policy refuses this login: it may require TLS",
            ),
            Hint::Note(text) => f.write_str(text),
        }
    }
}
