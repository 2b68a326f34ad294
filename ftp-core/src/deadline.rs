//! A watchdog for waits that a blocking socket read cannot bound by itself: a TLS read may
//! make many socket reads, each within its own timeout, while the whole wait runs on.

use std::io;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// `d`, cut to the time left before `deadline` (never zero: a socket timeout of zero would
/// mean "no timeout").
pub(crate) fn clip(d: Duration, deadline: Option<Instant>) -> Duration {
    match deadline {
        Some(end) => d
            .min(end.saturating_duration_since(Instant::now()))
            .max(Duration::from_millis(1)),
        None => d,
    }
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
