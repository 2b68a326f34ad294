//! A watchdog for waits that a blocking socket read cannot bound by itself: a TLS read may
//! make many socket reads, each within its own timeout, while the whole wait runs on.

use std::io;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Which deadline fired, carried by [`crate::Error::Timeout`]: the server went silent in one
/// phase (`Reply`, `Handshake`, …), or the caller's overall budget ran out (`Session`).
///
/// ```
/// use ftpkit_core::Deadline;
/// assert_eq!(Deadline::Handshake.to_string(), "handshake");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Deadline {
    /// Opening the TCP control connection ([`crate::Timeouts::connect`]).
    Connect,
    /// One whole reply, preliminary replies included ([`crate::Timeouts::reply`]; for the
    /// final reply after a transfer's data, lengthened by
    /// [`crate::Timeouts::final_reply_per_gib`] for the bytes moved).
    Reply,
    /// A TLS handshake ([`crate::Timeouts::handshake`]).
    Handshake,
    /// Opening a data connection ([`crate::Timeouts::data_connect`]).
    DataConnect,
    /// No progress on a data connection ([`crate::Timeouts::idle`]).
    Idle,
    /// The session's absolute end ([`crate::Config::deadline`]).
    Session,
}

impl Deadline {
    /// A short, stable name for logs and scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            Deadline::Connect => "connect",
            Deadline::Reply => "reply",
            Deadline::Handshake => "handshake",
            Deadline::DataConnect => "data-connect",
            Deadline::Idle => "idle",
            Deadline::Session => "session",
        }
    }
}

impl std::fmt::Display for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long the next wait may last, and which deadline ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wait {
    pub(crate) after: Duration,
    pub(crate) deadline: Deadline,
}

/// True once the session's absolute end (if any) has come.
pub(crate) fn passed(session: Option<Instant>) -> bool {
    session.is_some_and(|end| Instant::now() >= end)
}

/// The one place a wait is computed: the configured `d` for `kind`, cut to what is left of
/// the session's absolute end, together with the deadline that will end it (never zero: a
/// socket timeout of zero would mean "no timeout").
pub(crate) fn next_wait(d: Duration, kind: Deadline, session: Option<Instant>) -> Wait {
    match session {
        Some(end) => {
            let left = end.saturating_duration_since(Instant::now());
            if left < d {
                Wait {
                    after: left.max(Duration::from_millis(1)),
                    deadline: Deadline::Session,
                }
            } else {
                Wait {
                    after: d,
                    deadline: kind,
                }
            }
        }
        None => Wait {
            after: d,
            deadline: kind,
        },
    }
}

/// The wait for the final reply of a transfer that moved `bytes`: `reply` plus `per_gib` for
/// each GiB (pro rata, saturating), through [`next_wait`] like every other wait. The deadline
/// it names stays [`Deadline::Reply`]: it is the reply deadline, lengthened for the work a
/// server may still do on a large file (checksum, scan, move) before it confirms it.
pub(crate) fn final_reply_wait(
    reply: Duration,
    per_gib: Duration,
    bytes: u64,
    session: Option<Instant>,
) -> Wait {
    const GIB: u128 = 1 << 30;
    let extra_nanos = per_gib.as_nanos().saturating_mul(u128::from(bytes)) / GIB;
    let extra = u64::try_from(extra_nanos)
        .map(Duration::from_nanos)
        .unwrap_or(Duration::MAX);
    next_wait(reply.saturating_add(extra), Deadline::Reply, session)
}

/// Now plus `d`, saturating: a deadline of `Duration::MAX` from the caller's configuration
/// means "a very long time", not an overflow panic.
pub(crate) fn far_instant(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// Closes a socket when a deadline passes, unless disarmed first. One short-lived thread,
/// always joined: nothing outlives the call it guards.
pub(crate) struct Watchdog {
    stop: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<bool>,
}

impl Watchdog {
    pub(crate) fn arm(tcp: &TcpStream, deadline: Duration) -> io::Result<Watchdog> {
        let sock = tcp.try_clone()?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("ftp-tls-deadline".into())
            .spawn(move || {
                let fired = matches!(
                    stopped.recv_timeout(deadline),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                );
                if fired {
                    // Unblocks the handshake's read or write at once.
                    let _ = sock.shutdown(std::net::Shutdown::Both);
                }
                fired
            })?;
        Ok(Watchdog { stop, thread })
    }

    /// Stops the watchdog; true if the deadline had passed (the socket is then closed).
    pub(crate) fn disarm(self) -> bool {
        drop(self.stop);
        self.thread.join().unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_reply_wait_scales_with_the_bytes_moved() {
        let s30 = Duration::from_secs(30);
        let w = final_reply_wait(s30, s30, 0, None);
        assert_eq!((w.after, w.deadline), (s30, Deadline::Reply));
        let w = final_reply_wait(s30, s30, 1 << 30, None);
        assert_eq!(w.after, Duration::from_secs(60));
        let w = final_reply_wait(s30, s30, 10 << 30, None);
        assert_eq!(w.after, Duration::from_secs(330));
        // Pro rata: half a GiB, half the term.
        let w = final_reply_wait(s30, s30, 1 << 29, None);
        assert_eq!(w.after, Duration::from_secs(45));
        // Off, and no overflow at the extremes.
        assert_eq!(
            final_reply_wait(s30, Duration::ZERO, u64::MAX, None).after,
            s30
        );
        let w = final_reply_wait(Duration::MAX, Duration::MAX, u64::MAX, None);
        assert_eq!(w.after, Duration::MAX);
    }

    #[test]
    fn final_reply_wait_is_cut_by_the_session_deadline() {
        let end = Instant::now() + Duration::from_secs(5);
        let w = final_reply_wait(
            Duration::from_secs(30),
            Duration::from_secs(30),
            1 << 30,
            Some(end),
        );
        assert_eq!(w.deadline, Deadline::Session);
        assert!(w.after <= Duration::from_secs(5));
    }
}
