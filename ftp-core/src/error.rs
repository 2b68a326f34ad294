//! Errors, each tagged with the protocol phase it happened in.
//!
//! The message of every variant is meant for a person: it says where the session stopped
//! and, when there is one, the next thing to try.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::deadline::Deadline;
use crate::hint::Hint;
use crate::pin::Fingerprints;
use crate::reply::Reply;
use crate::tls::TlsError;

/// The protocol phase an error happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Resolving the host and opening the TCP connection.
    Connect,
    /// Waiting for the server's `220` banner.
    Greeting,
    /// `AUTH TLS` and the TLS handshake on the control connection.
    TlsUpgrade,
    /// `USER`/`PASS`/`ACCT`.
    Login,
    /// `PBSZ`/`PROT` after login.
    DataProtection,
    /// An ordinary command and its reply.
    Command,
    /// Opening a data connection (`EPSV`/`PASV`/`EPRT`/`PORT`, connect or accept, data TLS).
    DataConnect,
    /// Moving bytes over an open data connection, and the final reply after it.
    Transfer,
    /// `QUIT`.
    Quit,
}

impl Phase {
    /// A short, stable name (`connect`, `greeting`, `tls-upgrade`, …) for logs and scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Connect => "connect",
            Phase::Greeting => "greeting",
            Phase::TlsUpgrade => "tls-upgrade",
            Phase::Login => "login",
            Phase::DataProtection => "data-protection",
            Phase::Command => "command",
            Phase::DataConnect => "data-connect",
            Phase::Transfer => "transfer",
            Phase::Quit => "quit",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong in an FTP session.
///
/// Variants and their fields are `#[non_exhaustive]`: match them with `..`, and read them
/// through the accessors ([`Error::phase`], [`Error::reply`], [`Error::deadline`],
/// [`Error::hint`]…), so that new details can be added without breaking callers.
///
/// ```
/// use ftpkit_core::{Client, Error, Phase, TlsMode};
/// // A line break in a path is refused before anything is sent.
/// # fn f(ftp: &mut Client) {
/// match ftp.delete("a\r\nDELE b") {
///     Err(e @ Error::InvalidArgument { .. }) => assert_eq!(e.phase(), Phase::Command),
///     other => panic!("{other:?}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The TCP connection could not be opened.
    #[error("connect: cannot reach {target}: {source}; check the host name and port, and that a firewall lets FTP through")]
    #[non_exhaustive]
    Connect {
        /// `host:port` as given.
        target: String,
        /// The last socket error.
        #[source]
        source: io::Error,
    },

    /// A deadline expired: [`Deadline`] says which one (the server went silent, or the
    /// caller's overall budget, [`Deadline::Session`], ran out).
    #[error("{phase}: {}{}{}{}", timeout_text(.deadline, .after, .waiting_for), backend_suffix(.backend), reply_suffix(.last_reply), hint_suffix(&timeout_hint(.backend).cloned()))]
    #[non_exhaustive]
    Timeout {
        /// Where it happened.
        phase: Phase,
        /// Which deadline fired.
        deadline: Deadline,
        /// What was awaited (e.g. "waiting for the reply to PBSZ").
        waiting_for: String,
        /// How long the wait that ran out was allowed to last; for [`Deadline::Session`],
        /// what was left of the caller's budget when it began (zero when it had run out).
        after: Duration,
        /// The TLS backend involved, if any. When there is one, [`Error::hint`] is
        /// [`Hint::TryAnotherBackend`]: in the incident this library was written after, the
        /// handshake of one TLS stack hung forever where another's at least failed.
        backend: Option<&'static str>,
        /// The last reply received before the silence, if any.
        last_reply: Option<Reply>,
    },

    /// The server answered with a reply that means failure (or one we did not expect).
    #[error("{phase}: {command} failed: server replied {reply}{}", hint_suffix(.hint))]
    #[non_exhaustive]
    Reply {
        /// Where it happened.
        phase: Phase,
        /// The command that got this reply (password masked).
        command: String,
        /// The server's reply.
        reply: Reply,
        /// What to try next, when we know.
        hint: Option<Hint>,
    },

    /// The server broke the protocol (unparsable reply, bad PASV answer, …).
    #[error("{phase}: protocol error: {detail}{}", reply_suffix(.last_reply))]
    #[non_exhaustive]
    Protocol {
        /// Where it happened.
        phase: Phase,
        /// What was wrong.
        detail: String,
        /// The last reply received, if any.
        last_reply: Option<Reply>,
    },

    /// The server closed the connection.
    #[error("{phase}: the server closed the connection{}", reply_suffix(.last_reply))]
    #[non_exhaustive]
    Closed {
        /// Where it happened.
        phase: Phase,
        /// The last reply received, if any.
        last_reply: Option<Reply>,
    },

    /// A socket error.
    #[error("{phase}: I/O error: {source}{}", reply_suffix(.last_reply))]
    #[non_exhaustive]
    Io {
        /// Where it happened.
        phase: Phase,
        /// The error.
        #[source]
        source: io::Error,
        /// The last reply received, if any.
        last_reply: Option<Reply>,
    },

    /// A TLS failure reported by a backend (handshake refused, certificate rejected, …).
    #[error("{phase}: TLS via {backend}: {detail}{}", hint_suffix(.hint))]
    #[non_exhaustive]
    Tls {
        /// Where it happened.
        phase: Phase,
        /// The backend's name (`rustls`, `openssl`, `native-tls`).
        backend: &'static str,
        /// The backend's own description.
        detail: String,
        /// What to try next, when we know.
        hint: Option<Hint>,
        /// The backend's error, which keeps the TLS library's own as its source.
        #[source]
        source: Option<Box<TlsError>>,
    },

    /// TLS was required but the session has no TLS backend, or the server refused TLS.
    #[error("{phase}: {detail}{}", hint_suffix(.hint))]
    #[non_exhaustive]
    TlsRequired {
        /// Where it happened.
        phase: Phase,
        /// What happened.
        detail: String,
        /// What to try next, when we know.
        hint: Option<Hint>,
    },

    /// A transfer ended before all the data arrived, or without a positive final reply.
    #[error("transfer: incomplete: {received} bytes transferred{}{}; {}{}", expected_suffix(.expected), reply_suffix(.reply), .why, hint_suffix(.hint))]
    #[non_exhaustive]
    Incomplete {
        /// Bytes moved over the data connection.
        received: u64,
        /// Bytes announced by the server, when known.
        expected: Option<u64>,
        /// The final reply, when one came.
        reply: Option<Reply>,
        /// Why the transfer does not count as complete, and what to do.
        why: String,
        /// What to try next, when it depends on the server's reply.
        hint: Option<Hint>,
    },

    /// The server sent more bytes than it announced (`SIZE`, the `150` reply, or what was
    /// left after `REST`): the file changed during the transfer, or the server ignored the
    /// restart offset. The extra bytes were not handed on.
    #[error("transfer: the server sent more than the {expected} bytes it announced ({received} arrived){}; the file changed while it was sent, or the server ignored the restart offset: the copy cannot be trusted, download it again from the start", reply_suffix(.reply))]
    #[non_exhaustive]
    Overrun {
        /// Bytes that arrived, counting the first extra read.
        received: u64,
        /// Bytes announced.
        expected: u64,
        /// The server's reply after the transfer was aborted, when one came.
        reply: Option<Reply>,
    },

    /// A download was asked to resume from a byte offset past the end of the remote file:
    /// the local part cannot be a prefix of this file.
    #[error("transfer: cannot resume {path} from byte {offset}: the remote file has only {remote_size} bytes, so the local part is not the beginning of this file; delete the local part, or download without resuming")]
    #[non_exhaustive]
    ResumePastEnd {
        /// The remote path.
        path: String,
        /// The requested offset (the size of the local part).
        offset: u64,
        /// The remote size (`SIZE`).
        remote_size: u64,
    },

    /// A proxy refused the tunnel (a SOCKS5 reply code other than 0, an HTTP status other
    /// than 2xx, refused credentials), broke its protocol, or failed: `detail` says what it
    /// answered, e.g. "the SOCKS5 proxy 127.0.0.1:1080 refused the connection to
    /// host:21: connection not allowed by ruleset (reply 2)". A silent proxy is an
    /// [`Error::Timeout`] that names it.
    #[error("{phase}: {detail}")]
    #[non_exhaustive]
    Proxy {
        /// [`Phase::Connect`] for the control connection, [`Phase::DataConnect`] for data.
        phase: Phase,
        /// The proxy's `host:port`.
        proxy: String,
        /// What went wrong, naming the proxy and the server it was asked for.
        detail: String,
    },

    /// An argument was refused before anything was sent (e.g. a line break in a path).
    #[error("command: invalid {what}: {detail}; nothing was sent to the server")]
    #[non_exhaustive]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },

    /// The session is unusable after an earlier failure left the control connection out of step.
    #[error("the control connection is out of step after an earlier failure ({0}); reconnect")]
    #[non_exhaustive]
    Broken(String),
}

fn timeout_text(deadline: &Deadline, after: &Duration, waiting_for: &str) -> String {
    match deadline {
        Deadline::Session => {
            format!("the session's overall deadline passed while {waiting_for}")
        }
        d => format!(
            "no answer from server within {}s ({d} deadline) while {waiting_for}",
            secs(after)
        ),
    }
}

fn secs(d: &Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s:.1}")
    }
}

fn backend_suffix(b: &Option<&'static str>) -> String {
    b.map(|b| format!(" (TLS backend {b})")).unwrap_or_default()
}

/// A timeout with a TLS backend involved: another backend may get further.
fn timeout_hint(backend: &Option<&'static str>) -> Option<&'static Hint> {
    static TRY_ANOTHER_BACKEND: Hint = Hint::TryAnotherBackend;
    backend.map(|_| &TRY_ANOTHER_BACKEND)
}

fn reply_suffix(r: &Option<Reply>) -> String {
    r.as_ref()
        .map(|r| format!(" (last server reply: {r})"))
        .unwrap_or_default()
}

fn hint_suffix(h: &Option<Hint>) -> String {
    h.as_ref().map(|h| format!("; {h}")).unwrap_or_default()
}

fn expected_suffix(e: &Option<u64>) -> String {
    e.map(|e| format!(" of {e} announced")).unwrap_or_default()
}

impl Error {
    /// The phase the error happened in.
    pub fn phase(&self) -> Phase {
        match self {
            Error::Connect { .. } => Phase::Connect,
            Error::Timeout { phase, .. }
            | Error::Reply { phase, .. }
            | Error::Protocol { phase, .. }
            | Error::Closed { phase, .. }
            | Error::Io { phase, .. }
            | Error::Tls { phase, .. }
            | Error::TlsRequired { phase, .. }
            | Error::Proxy { phase, .. } => *phase,
            Error::Incomplete { .. } | Error::Overrun { .. } | Error::ResumePastEnd { .. } => {
                Phase::Transfer
            }
            Error::InvalidArgument { .. } | Error::Broken(_) => Phase::Command,
        }
    }

    /// The server reply attached to the error, if any.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Error::Reply { reply, .. } => Some(reply),
            Error::Timeout { last_reply, .. }
            | Error::Protocol { last_reply, .. }
            | Error::Closed { last_reply, .. }
            | Error::Io { last_reply, .. } => last_reply.as_ref(),
            Error::Incomplete { reply, .. } | Error::Overrun { reply, .. } => reply.as_ref(),
            _ => None,
        }
    }

    /// The TLS backend's error behind an [`Error::Tls`]; its
    /// [`source`](std::error::Error::source) is the TLS library's own error when the backend
    /// kept it. The same chain is reachable through `source()` on this error.
    pub fn tls_error(&self) -> Option<&TlsError> {
        match self {
            Error::Tls { source, .. } => source.as_deref(),
            _ => None,
        }
    }

    /// The fingerprints of the certificate the server presented, when it was rejected:
    /// what a user compares with the administrator's before pinning it
    /// ([`crate::TlsOptions::pinned`]).
    pub fn server_fingerprints(&self) -> Option<Fingerprints> {
        match self.tls_error() {
            Some(TlsError::Certificate(_, seen)) => *seen,
            _ => None,
        }
    }

    /// What to try next, when the library knows.
    pub fn hint(&self) -> Option<&Hint> {
        match self {
            Error::Reply { hint, .. }
            | Error::Tls { hint, .. }
            | Error::TlsRequired { hint, .. }
            | Error::Incomplete { hint, .. } => hint.as_ref(),
            Error::Timeout { backend, .. } => timeout_hint(backend),
            _ => None,
        }
    }

    /// True when a deadline fired.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Which deadline fired, for a timeout.
    pub fn deadline(&self) -> Option<Deadline> {
        match self {
            Error::Timeout { deadline, .. } => Some(*deadline),
            _ => None,
        }
    }

    /// The TLS backend involved, if any.
    pub fn backend(&self) -> Option<&'static str> {
        match self {
            Error::Tls { backend, .. } => Some(backend),
            Error::Timeout { backend, .. } => *backend,
            _ => None,
        }
    }

    /// A TLS backend's failure outside a handshake (building a connector, say), as an
    /// error of `phase`.
    pub fn from_tls(phase: Phase, backend: &'static str, e: TlsError) -> Error {
        Error::Tls {
            phase,
            backend,
            detail: e.to_string(),
            hint: None,
            source: Some(Box::new(e)),
        }
    }

    /// Recovers an [`Error`] that travelled through an [`io::Error`] (as the `Read`/`Write`
    /// implementations of transfers must), or wraps a plain I/O error.
    pub fn from_io(e: io::Error, phase: Phase) -> Error {
        if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            if let Some(inner) = e.into_inner() {
                if let Ok(err) = inner.downcast::<Error>() {
                    return *err;
                }
            }
            return Error::Broken("lost error".into());
        }
        Error::Io {
            phase,
            source: e,
            last_reply: None,
        }
    }

    /// Wraps this error into an [`io::Error`] so that it can cross a `Read`/`Write` boundary;
    /// [`Error::from_io`] gets it back.
    pub fn into_io(self) -> io::Error {
        let kind = match &self {
            Error::Timeout { .. } => io::ErrorKind::TimedOut,
            Error::Incomplete { .. } | Error::Closed { .. } => io::ErrorKind::UnexpectedEof,
            Error::Overrun { .. } => io::ErrorKind::InvalidData,
            Error::Io { source, .. } => source.kind(),
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }
}

/// A shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// True for the error kinds a socket read or write returns when its timeout expired.
pub(crate) fn is_timeout_kind(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_round_trip_keeps_the_typed_error() {
        let e = Error::Incomplete {
            received: 10,
            expected: Some(20),
            reply: None,
            why: "the data connection closed early".into(),
            hint: None,
        };
        let io = e.into_io();
        assert_eq!(io.kind(), io::ErrorKind::UnexpectedEof);
        let back = Error::from_io(io, Phase::Command);
        assert!(matches!(
            back,
            Error::Incomplete {
                received: 10,
                expected: Some(20),
                ..
            }
        ));
    }

    #[test]
    fn timeout_message_names_phase_backend_and_reply() {
        let e = Error::Timeout {
            phase: Phase::TlsUpgrade,
            deadline: Deadline::Handshake,
            waiting_for: "performing the TLS handshake after AUTH TLS/234".into(),
            after: Duration::from_secs(5),
            backend: Some("openssl"),
            last_reply: Some(Reply::new(234, vec!["234 Proceed".into()])),
        };
        let s = e.to_string();
        assert!(
            s.starts_with("tls-upgrade: no answer from server within 5s"),
            "{s}"
        );
        assert!(s.contains("openssl"), "{s}");
        assert!(s.contains("234 Proceed"), "{s}");
        assert!(e.is_timeout());
        assert_eq!(e.backend(), Some("openssl"));
        // The advice is data, and the message words it.
        assert_eq!(e.hint(), Some(&Hint::TryAnotherBackend));
        assert!(
            s.ends_with(&format!("; {}", Hint::TryAnotherBackend)),
            "{s}"
        );
        let plain = Error::Timeout {
            phase: Phase::Command,
            deadline: Deadline::Reply,
            waiting_for: "waiting for the reply to PWD".into(),
            after: Duration::from_secs(5),
            backend: None,
            last_reply: None,
        };
        assert_eq!(plain.hint(), None, "no TLS stack to swap");
        assert!(!plain.to_string().contains("backend"), "{plain}");
    }
}
