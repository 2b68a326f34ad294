//! Retrying: which errors another attempt can fix, and how long to wait before it.
//!
//! A batch of many files meets dropped connections, servers that turn a session away for a
//! moment (`421`, `425`, `450`) and stalls. Those are worth another attempt, on a new
//! session where the old one cannot be trusted; a rejected password, a missing file or a
//! rejected certificate are not, and retrying them only hides the cause and hammers the
//! server.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::deadline::Deadline;
use crate::error::{Error, Phase};
use crate::hint::Hint;

/// What another attempt can do about an error; see [`Error::recovery`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recovery {
    /// Try again on the same session: the server refused for a moment (`450`, `425`…)
    /// and the control connection is still in step.
    Retry,
    /// Try again on a new session: the connection dropped, stalled or went out of step.
    Reconnect,
    /// Do not try again: no attempt can fix this (wrong password, permission denied, no
    /// such file, certificate rejected, a deadline the caller set…).
    GiveUp,
}

impl Error {
    /// What another attempt can do about this error.
    ///
    /// ```
    /// use ftpkit_core::{Error, Phase, Recovery};
    /// let cut = Error::from_io(std::io::ErrorKind::ConnectionReset.into(), Phase::Transfer);
    /// assert_eq!(cut.recovery(), Recovery::Reconnect);
    /// let local = Error::from_io(std::io::ErrorKind::PermissionDenied.into(), Phase::Transfer);
    /// assert_eq!(local.recovery(), Recovery::GiveUp);
    /// ```
    pub fn recovery(&self) -> Recovery {
        match self {
            Error::Connect { .. } | Error::Closed { .. } | Error::Broken(_) => Recovery::Reconnect,
            Error::Timeout { deadline, .. } => match deadline {
                // The caller's own budget: another attempt would run past it.
                Deadline::Session => Recovery::GiveUp,
                _ => Recovery::Reconnect,
            },
            Error::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::PermissionDenied => {
                    Recovery::GiveUp
                }
                _ => Recovery::Reconnect,
            },
            Error::Reply { reply, phase, .. } => match (reply.code(), phase) {
                // The server closes the session after 421.
                (421, _) => Recovery::Reconnect,
                // A login refused for now (too many sessions) may pass later.
                (_, Phase::Login) if reply.is_transient_failure() => Recovery::Reconnect,
                (_, Phase::Login | Phase::TlsUpgrade | Phase::DataProtection) => Recovery::GiveUp,
                // 4xx is "transient" by definition: the file busy, no data connection now.
                _ if reply.is_transient_failure() => Recovery::Retry,
                _ => Recovery::GiveUp,
            },
            Error::Tls { hint, phase, .. } => match (hint, phase) {
                (Some(Hint::Certificate(_)), _) => Recovery::GiveUp,
                // A data connection's handshake cut or reset: the next one may pass.
                (_, Phase::DataConnect | Phase::Transfer) => Recovery::Reconnect,
                _ => Recovery::GiveUp,
            },
            // A short transfer resumes; a file that grew or shrank restarts (the caller
            // decides which from the error; both need a fresh data connection, and the
            // control connection may be out of step).
            Error::Incomplete { .. } | Error::Overrun { .. } | Error::ResumePastEnd { .. } => {
                Recovery::Reconnect
            }
            // A proxy that refused the control connection will refuse it again; one that
            // took the control connection and failed a data connection may not next time.
            Error::Proxy { phase, .. } => match phase {
                Phase::DataConnect => Recovery::Reconnect,
                _ => Recovery::GiveUp,
            },
            Error::Protocol { .. } | Error::TlsRequired { .. } | Error::InvalidArgument { .. } => {
                Recovery::GiveUp
            }
        }
    }

    /// True when another attempt may succeed ([`Error::recovery`] is not
    /// [`Recovery::GiveUp`]).
    pub fn is_retryable(&self) -> bool {
        self.recovery() != Recovery::GiveUp
    }
}

/// How many times to try, and how long to wait between attempts: exponential backoff with
/// jitter, so that many clients cut off at once do not come back in step.
///
/// ```
/// use std::time::Duration;
/// use ftpkit_core::RetryPolicy;
/// let p = RetryPolicy::default();
/// assert_eq!(p.attempts, 4);
/// // Attempt 2 waits about `initial`, attempt 3 about twice that, never more than `max`.
/// assert!(p.delay(2) <= p.initial);
/// assert!(p.delay(10) <= p.max);
/// assert_eq!(RetryPolicy::none().attempts, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1: no retry). Default 4.
    pub attempts: u32,
    /// The wait before the second attempt. Default 500 ms.
    pub initial: Duration,
    /// The longest wait between two attempts. Default 10 s.
    pub max: Duration,
    /// Wait a random part (between half and all) of each delay. Default on.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            initial: Duration::from_millis(500),
            max: Duration::from_secs(10),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// `attempts` attempts in all, with the default delays.
    pub fn attempts(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts: attempts.max(1),
            ..RetryPolicy::default()
        }
    }

    /// The wait before attempt number `attempt` (counted from 1; zero for the first).
    pub fn delay(&self, attempt: u32) -> Duration {
        if attempt <= 1 {
            return Duration::ZERO;
        }
        let doublings = (attempt - 2).min(30);
        let full = self.initial.saturating_mul(1u32 << doublings).min(self.max);
        if !self.jitter {
            return full;
        }
        // Between half and all of the delay: random enough to spread clients out, and
        // without a dependency for it.
        let mut h = RandomState::new().build_hasher();
        h.write_u32(attempt);
        let frac = (h.finish() % 1000) as u32;
        full / 2 + full / 2 * frac / 1000
    }

    /// True when `error`, met on attempt number `attempt`, is worth another attempt.
    pub fn should_retry(&self, attempt: u32, error: &Error) -> bool {
        attempt < self.attempts && error.is_retryable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Reply;

    fn reply_err(code: u16, phase: Phase) -> Error {
        Error::Reply {
            phase,
            command: "X".into(),
            reply: Reply::new(code, vec![format!("{code} text")]),
            hint: None,
        }
    }

    #[test]
    fn what_retrying_can_fix() {
        assert_eq!(reply_err(530, Phase::Login).recovery(), Recovery::GiveUp);
        assert_eq!(reply_err(421, Phase::Login).recovery(), Recovery::Reconnect);
        assert_eq!(reply_err(550, Phase::Transfer).recovery(), Recovery::GiveUp);
        assert_eq!(reply_err(553, Phase::Transfer).recovery(), Recovery::GiveUp);
        assert_eq!(reply_err(450, Phase::Transfer).recovery(), Recovery::Retry);
        assert_eq!(reply_err(425, Phase::Transfer).recovery(), Recovery::Retry);
        assert_eq!(
            reply_err(421, Phase::Transfer).recovery(),
            Recovery::Reconnect
        );
        let cert = Error::Tls {
            phase: Phase::TlsUpgrade,
            backend: "rustls",
            detail: "bad certificate".into(),
            hint: Some(Hint::Certificate(
                crate::tls::CertificateProblem::SelfSigned,
            )),
            source: None,
        };
        assert_eq!(cert.recovery(), Recovery::GiveUp);
        let budget = Error::Timeout {
            phase: Phase::Transfer,
            deadline: Deadline::Session,
            waiting_for: "x".into(),
            after: Duration::ZERO,
            backend: None,
            last_reply: None,
        };
        assert_eq!(budget.recovery(), Recovery::GiveUp);
        let silent = Error::Timeout {
            phase: Phase::Transfer,
            deadline: Deadline::Idle,
            waiting_for: "x".into(),
            after: Duration::from_secs(1),
            backend: None,
            last_reply: None,
        };
        assert_eq!(silent.recovery(), Recovery::Reconnect);
        let cut = Error::Incomplete {
            received: 1,
            expected: Some(2),
            reply: None,
            why: "cut".into(),
            hint: None,
        };
        assert!(cut.is_retryable());
    }

    #[test]
    fn backoff_grows_to_its_cap_and_stays_in_range() {
        let p = RetryPolicy {
            attempts: 10,
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
            jitter: false,
        };
        assert_eq!(p.delay(1), Duration::ZERO);
        assert_eq!(p.delay(2), Duration::from_millis(100));
        assert_eq!(p.delay(3), Duration::from_millis(200));
        assert_eq!(p.delay(5), Duration::from_millis(800));
        assert_eq!(p.delay(6), Duration::from_secs(1));
        assert_eq!(p.delay(u32::MAX), Duration::from_secs(1));
        let j = RetryPolicy { jitter: true, ..p };
        for a in 2..12 {
            let d = j.delay(a);
            assert!(d >= p.delay(a) / 2 && d <= p.delay(a), "{a}: {d:?}");
        }
        assert!(!p.should_retry(10, &reply_err(450, Phase::Transfer)));
        assert!(p.should_retry(9, &reply_err(450, Phase::Transfer)));
        assert!(!p.should_retry(1, &reply_err(550, Phase::Transfer)));
    }
}
