//! Waiting, without reading, until one of two sockets has something to read: what an
//! upload over TLS does between its close_notify and its FIN (see
//! [`crate::transfer::Upload::finish`]). `poll(2)` where the core has it (Linux, through
//! rustix's safe wrappers); elsewhere `None`, and the caller does what it did before.

use std::net::TcpStream;
use std::time::Duration;

/// Which of `a` and `b` became readable (or reached end of stream, or failed) within
/// `within`: `Some([false, false])` when neither did; `None` when this cannot be known.
#[cfg(target_os = "linux")]
pub(crate) fn first_readable(a: &TcpStream, b: &TcpStream, within: Duration) -> Option<[bool; 2]> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let timeout = Timespec::try_from(within).ok()?;
    let ready = PollFlags::IN | PollFlags::ERR | PollFlags::HUP | PollFlags::RDHUP;
    let mut fds = [PollFd::new(a, PollFlags::IN), PollFd::new(b, PollFlags::IN)];
    loop {
        match poll(&mut fds, Some(&timeout)) {
            Ok(_) => break,
            // A signal: waiting again from the start stays within a few graces at worst.
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return None,
        }
    }
    Some([
        fds[0].revents().intersects(ready),
        fds[1].revents().intersects(ready),
    ])
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn first_readable(
    _a: &TcpStream,
    _b: &TcpStream,
    _within: Duration,
) -> Option<[bool; 2]> {
    None
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        (c, l.accept().unwrap().0)
    }

    #[test]
    fn says_which_socket_has_bytes_or_ended_and_times_out_on_neither() {
        let (a, mut a_peer) = pair();
        let (b, b_peer) = pair();
        let quick = Duration::from_millis(20);
        assert_eq!(first_readable(&a, &b, quick), Some([false, false]));
        a_peer.write_all(b"x").unwrap();
        assert_eq!(
            first_readable(&a, &b, Duration::from_secs(5)),
            Some([true, false])
        );
        b_peer.shutdown(std::net::Shutdown::Write).unwrap();
        assert_eq!(
            first_readable(&a, &b, Duration::from_secs(5)),
            Some([true, true])
        );
    }
}
