//! Transfers as streams: [`Download`] implements [`Read`], [`Upload`] implements [`Write`].
//!
//! A transfer is complete only when the data stream ended cleanly **and** the server's final
//! reply is 2xx **and**, when the size was announced, every announced byte arrived. Anything
//! else is an error that says how many bytes made it, never a silent success.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use log::{debug, warn};

use crate::control::{Control, Stream};
use crate::deadline::Deadline;
use crate::error::{is_timeout_kind, Error, Phase, Result};
use crate::hint::Hint;
use crate::reply::Reply;

/// How a transfer's data stream ended.
#[derive(Debug)]
enum State {
    /// Bytes are still moving.
    Open,
    /// The transfer was verified complete, with this final reply.
    Done(Reply),
    /// The transfer failed; the error was already returned once.
    Failed(String),
}

/// A download in progress: read it to the end, then call [`Download::finish`] for the final
/// reply (or just read to the end: the final check runs when the data stream ends, and a
/// failure surfaces as an error from `read`).
///
/// Dropping an unfinished download aborts it and keeps the session usable.
#[derive(Debug)]
pub struct Download<'a> {
    control: &'a mut Control,
    data: Option<Stream>,
    early_reply: Option<Reply>,
    received: u64,
    expected: Option<u64>,
    idle: Duration,
    command: String,
    unclean_end: bool,
    state: State,
    started: Instant,
}

impl<'a> Download<'a> {
    pub(crate) fn new(
        control: &'a mut Control,
        data: Option<Stream>,
        early_reply: Option<Reply>,
        expected: Option<u64>,
        idle: Duration,
        command: String,
    ) -> Download<'a> {
        Download {
            control,
            data,
            early_reply,
            received: 0,
            expected,
            idle,
            command,
            unclean_end: false,
            state: State::Open,
            started: Instant::now(),
        }
    }

    /// A download with nothing left to transfer (a resume from the end of the file): it
    /// reads as empty and finishes with `reply`.
    pub(crate) fn already_complete(
        control: &'a mut Control,
        reply: Reply,
        command: String,
    ) -> Download<'a> {
        let mut dl = Download::new(control, None, None, Some(0), Duration::ZERO, command);
        dl.state = State::Done(reply);
        dl
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// What the data connection's TLS negotiated (was the control session resumed?), or
    /// `None` for plain data.
    pub fn tls_info(&self) -> Option<crate::tls::TlsInfo> {
        self.data.as_ref().and_then(Stream::tls).map(|t| t.info())
    }

    /// The size the server announced (via `SIZE` or the `150` reply), if any.
    pub fn expected(&self) -> Option<u64> {
        self.expected
    }

    /// Reads what is left (discarding it), verifies the transfer and returns the final reply.
    pub fn finish(mut self) -> Result<Reply> {
        let mut sink = [0u8; 16 * 1024];
        loop {
            match self.read(&mut sink) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => return Err(Error::from_io(e, Phase::Transfer)),
            }
        }
        match std::mem::replace(&mut self.state, State::Failed("finished".into())) {
            State::Done(r) => Ok(r),
            State::Failed(why) => Err(Error::Broken(why)),
            State::Open => Err(Error::Broken("transfer state lost".into())),
        }
    }

    /// Stops the download early: closes the data connection and reads the server's reply
    /// to the interruption so that the session stays usable.
    pub fn abort(mut self) -> Result<()> {
        self.abort_inner()
    }

    /// [`Download::abort`] where the download is only borrowed.
    pub(crate) fn abort_inner(&mut self) -> Result<()> {
        self.abort_reading_reply(true).map(drop)
    }

    /// Closes the data connection with a reset and, when `read_reply`, reads the server's
    /// answer to the interruption (426/451, or a refusal such as 522) so the session stays
    /// in step. After a timeout the server may be stuck, so the reply is not awaited and the
    /// session is marked unusable instead.
    fn abort_reading_reply(&mut self, read_reply: bool) -> Result<Option<Reply>> {
        if !matches!(self.state, State::Open) {
            return Ok(None);
        }
        self.state = State::Failed("aborted".into());
        if let Some(d) = self.data.take() {
            reset(d.tcp());
        }
        if !read_reply {
            if self.early_reply.is_none() || self.control.keepalive_owed() {
                self.control.mark_broken(format!(
                    "{} was abandoned without its final reply",
                    self.command
                ));
            }
            return Ok(self.early_reply.take());
        }
        let deadline = self.control.reply_deadline();
        let r = self.control.read_transfer_reply(
            Phase::Transfer,
            "waiting for the reply to the aborted transfer",
            deadline,
            self.early_reply.take(),
        )?;
        debug!("abort: server said {r}");
        Ok(Some(r))
    }

    /// Called at the end of the data stream: the final reply and the byte count decide.
    fn complete(&mut self) -> Result<Reply> {
        // Close our side first: some servers send the final reply only after the client
        // closed the data connection. Over TLS, a clean end is answered with our own
        // close_notify: servers that harden their shutdown (vsftpd
        // `strict_ssl_write_shutdown=YES`) wait for it and otherwise fail the transfer with
        // 426, although every byte arrived.
        if let Some(mut d) = self.data.take() {
            if matches!(d, Stream::Tls(_)) && !self.unclean_end {
                if let Err(e) = d.close_write() {
                    debug!(
                        "{}: sending close_notify on the data connection: {e}",
                        self.command
                    );
                }
            }
        }
        // A server may still work on the file before it confirms (or refuses) it: the wait
        // grows with the size.
        let deadline = self.control.final_reply_deadline(self.received);
        let reply = self.control.read_transfer_reply(
            Phase::Transfer,
            &format!("waiting for the final reply to {}", self.command),
            deadline,
            self.early_reply.take(),
        )?;
        if !reply.is_positive_completion() {
            let (why, hint) = failure(
                Some(&reply),
                self.control.tls_resumes(),
                "the server reported a failure; retry, or resume with REST from the received byte count",
            );
            return Err(Error::Incomplete {
                received: self.received,
                expected: self.expected,
                why,
                hint,
                reply: Some(reply),
            });
        }
        if let Some(expected) = self.expected {
            if self.received < expected {
                return Err(Error::Incomplete {
                    received: self.received,
                    expected: self.expected,
                    why: "the data connection closed before all announced bytes arrived; resume from the received byte count".into(),
                    hint: None,
                    reply: Some(reply),
                });
            }
        }
        log_done(&self.command, self.received, self.started);
        if self.unclean_end && self.expected.is_none() {
            // Without close_notify and without an announced size, nothing proves that the
            // stream was not cut (an attacker on the path can send a FIN).
            return Err(Error::Incomplete {
                received: self.received,
                expected: None,
                why: "the TLS data stream ended without close_notify and the server announced no size, so the transfer cannot be proven complete; retry, or use a server that supports SIZE".into(),
                hint: None,
                reply: Some(reply),
            });
        }
        if self.unclean_end {
            warn!(
                "{}: the data connection ended without TLS close_notify; {} bytes and the final reply {} say the transfer is complete",
                self.command, self.received, reply
            );
        }
        Ok(reply)
    }

    fn fail(&mut self, err: Error) -> io::Error {
        self.state = State::Failed(err.to_string());
        err.into_io()
    }

    /// What the download was waiting for, for a timeout.
    fn waiting_for(&self) -> String {
        format!(
            "waiting for data for {} ({} bytes received so far; resume from there)",
            self.command, self.received
        )
    }

    /// With a session deadline ([`crate::Config::deadline`]), a data connection that keeps
    /// trickling bytes must still stop there: each read waits at most until it.
    fn clip_to_session_deadline(&mut self) -> Result<()> {
        if self.control.deadline.is_none() {
            return Ok(());
        }
        if self.control.session_over() {
            return Err(session_timeout(&self.waiting_for(), self.control));
        }
        let wait = crate::deadline::next_wait(self.idle, Deadline::Idle, self.control.deadline);
        if let Some(d) = &self.data {
            let _ = d.tcp().set_read_timeout(Some(wait.after));
        }
        Ok(())
    }
}

/// The session's overall deadline passed while `what` was going on.
fn session_timeout(what: &str, control: &Control) -> Error {
    Error::Timeout {
        phase: Phase::Transfer,
        deadline: Deadline::Session,
        waiting_for: what.to_string(),
        after: Duration::ZERO,
        backend: None,
        last_reply: control.last_reply.clone(),
    }
}

impl Read for Download<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() && matches!(self.state, State::Open) {
            return Ok(0);
        }
        self.receive(|d| d.read(buf))
    }
}

impl Download<'_> {
    /// True when the data connection is plain TCP (no TLS).
    pub(crate) fn is_plain(&self) -> bool {
        matches!(self.data, Some(Stream::Plain(_)))
    }

    /// Moves up to `max` bytes from a plain data connection to `file` with `splice(2)`
    /// through `pipe`: the kernel takes the socket's pages into the pipe and copies them
    /// once into the page cache, with no copy through user space. The same deadlines,
    /// keep-alive, byte count and checks as [`Read::read`]: bytes beyond the announced
    /// size reach the pipe, never the file. `Ok(0)` at the clean end.
    #[cfg(target_os = "linux")]
    pub(crate) fn splice_to(
        &mut self,
        pipe: &crate::splice::Pipe,
        file: &std::fs::File,
        max: usize,
    ) -> io::Result<usize> {
        use std::os::fd::AsFd;
        // One byte more than announced is enough to see an overrun.
        let max = match self.expected {
            Some(e) => max.min(usize::try_from(e.saturating_sub(self.received) + 1).unwrap_or(max)),
            None => max,
        };
        let n = self.receive(|d| match d {
            Stream::Plain(tcp) => pipe.fill_from(tcp.as_fd(), max),
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "splice needs a plain data connection",
            )),
        })?;
        if let Err(e) = pipe.drain_to(file, n) {
            let _ = self.abort_inner();
            let err = Error::Io {
                phase: Phase::Transfer,
                source: io::Error::new(e.kind(), format!("writing the local copy: {e}")),
                last_reply: None,
            };
            return Err(self.fail(err));
        }
        Ok(n)
    }

    /// One read step on the data connection: keep-alive, the session deadline, the idle
    /// deadline, the clean end and the byte count.
    fn receive(&mut self, op: impl FnOnce(&mut Stream) -> io::Result<usize>) -> io::Result<usize> {
        match &self.state {
            State::Done(_) => return Ok(0),
            State::Failed(why) => return Err(Error::Broken(why.clone()).into_io()),
            State::Open => {}
        }
        if let Err(e) = self.control.keepalive_tick(&self.command) {
            let _ = self.abort_reading_reply(false);
            return Err(self.fail(e));
        }
        if let Err(e) = self.clip_to_session_deadline() {
            let _ = self.abort_reading_reply(false);
            return Err(self.fail(e));
        }
        let n = match self.data.as_mut() {
            None => 0,
            Some(d) => match op(d) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
                // A TLS stream that ends without close_notify: the byte count and the
                // final reply decide whether that was the end.
                Err(e)
                    if e.kind() == io::ErrorKind::UnexpectedEof && matches!(d, Stream::Tls(_)) =>
                {
                    self.unclean_end = true;
                    0
                }
                Err(e) if is_timeout_kind(&e) && self.control.session_over() => {
                    let err = session_timeout(&self.waiting_for(), self.control);
                    let _ = self.abort_reading_reply(false);
                    return Err(self.fail(err));
                }
                Err(e) if is_timeout_kind(&e) => {
                    let err = Error::Timeout {
                        phase: Phase::Transfer,
                        deadline: Deadline::Idle,
                        waiting_for: self.waiting_for(),
                        after: self.idle,
                        backend: None,
                        last_reply: self.control.last_reply.clone(),
                    };
                    let _ = self.abort_reading_reply(false);
                    return Err(self.fail(err));
                }
                Err(e) => {
                    let reply = self.abort_reading_reply(true).ok().flatten();
                    let (why, hint) = failure(
                        reply.as_ref(),
                        self.control.tls_resumes(),
                        &format!(
                            "the data connection failed: {e}; resume from the received byte count"
                        ),
                    );
                    let err = Error::Incomplete {
                        received: self.received,
                        expected: self.expected,
                        reply,
                        why,
                        hint,
                    };
                    return Err(self.fail(err));
                }
            },
        };
        if n == 0 {
            return match self.complete() {
                Ok(reply) => {
                    self.state = State::Done(reply);
                    Ok(0)
                }
                Err(e) => Err(self.fail(e)),
            };
        }
        if let Some(expected) = self.expected {
            let got = self.received + n as u64;
            if got > expected {
                // More than announced is as wrong as less: the file changed while it was
                // sent, or the server ignored REST and started again from byte 0. None of
                // the extra bytes is handed on.
                let reply = self.abort_reading_reply(true).ok().flatten();
                let err = Error::Overrun {
                    received: got,
                    expected,
                    reply,
                };
                return Err(self.fail(err));
            }
        }
        self.received += n as u64;
        Ok(n)
    }
}

impl Drop for Download<'_> {
    fn drop(&mut self) {
        if matches!(self.state, State::Open) {
            if let Err(e) = self.abort_inner() {
                self.control
                    .mark_broken(format!("an abandoned download could not be aborted: {e}"));
            }
        }
    }
}

/// How long an upload over TLS waits, after its close_notify, for a sign that the server
/// has read everything before it half-closes the data connection anyway (see
/// [`await_server_end`]).
const TLS_UPLOAD_FIN_GRACE: Duration = Duration::from_secs(1);

/// After an upload's close_notify: waits until the server shows that it has read all the
/// data, by its own close_notify (vsftpd, ProFTPD), by ending the data connection, or by a
/// reply on the control connection, so that the FIN that follows can no longer cost it
/// data. Tickets read on the way are stored, as by [`Stream::drain_after_close`]. A server
/// that shows nothing waits `grace` for the FIN; where readiness cannot be polled, the FIN
/// goes at once, as before.
fn await_server_end(data: &mut Stream, control: &Control, grace: Duration, command: &str) {
    let Some(ctrl) = control.stream() else {
        return;
    };
    if control.reply_buffered() {
        return;
    }
    let until = Instant::now() + grace;
    let mut buf = [0u8; 4096];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            debug!(
                "{command}: nothing from the server {grace:?} after close_notify; sending the FIN"
            );
            return;
        }
        match crate::readiness::first_readable(data.tcp(), ctrl.tcp(), left) {
            Some([true, false]) => {}
            // A reply is coming (the server read everything), or no way to know.
            Some([_, true]) | None => return,
            Some([false, false]) => continue,
        }
        // The server's close_notify, its end of stream, or session tickets; a short read
        // timeout, so that a record that is only a ticket returns to the wait above.
        let slice = left.min(Duration::from_millis(10));
        if data.tcp().set_read_timeout(Some(slice)).is_err() {
            return;
        }
        match data.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if is_timeout_kind(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// An upload in progress: write the bytes, then call [`Upload::finish`], which ends the data
/// stream cleanly (TLS close_notify, then TCP FIN) and returns the server's final reply.
///
/// Dropping an upload without `finish` resets the data connection so that the server cannot
/// mistake the partial file for a complete one.
#[derive(Debug)]
pub struct Upload<'a> {
    control: &'a mut Control,
    data: Option<Stream>,
    /// Where the upload started in the remote file (`REST`), for the final reply's wait.
    offset: u64,
    sent: u64,
    idle: Duration,
    progress: Progress,
    command: String,
    done: bool,
    started: Instant,
}

impl<'a> Upload<'a> {
    pub(crate) fn new(
        control: &'a mut Control,
        data: Stream,
        offset: u64,
        idle: Duration,
        command: String,
    ) -> Upload<'a> {
        Upload {
            control,
            data: Some(data),
            offset,
            sent: 0,
            idle,
            progress: Progress::new(idle),
            command,
            done: false,
            started: Instant::now(),
        }
    }

    /// What the data connection's TLS negotiated, or `None` for plain data.
    pub fn tls_info(&self) -> Option<crate::tls::TlsInfo> {
        self.data.as_ref().and_then(Stream::tls).map(|t| t.info())
    }

    /// Bytes written so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Ends the data stream and returns the server's final reply, which must be 2xx. The
    /// wait for it grows with the size ([`crate::Timeouts::final_reply_per_gib`]): servers
    /// that checksum or move the file confirm it late.
    ///
    /// Over TLS the stream ends with close_notify, and the TCP FIN follows once the server
    /// has shown that it read everything (its own close_notify, the end of the connection,
    /// or its reply), at most a second later: a proxy that closes both sides at a FIN then
    /// cannot cut off what the server had not read yet.
    pub fn finish(mut self) -> Result<Reply> {
        self.done = true;
        let mut data = self
            .data
            .take()
            .ok_or_else(|| Error::Broken("upload already failed".into()))?;
        // What is still buffered (a TLS record, close_notify) must go out within what is
        // left of the progress deadline, not a fresh one.
        match self.progress.next_wait(self.control.deadline) {
            Ok(wait) => {
                let _ = data.tcp().set_write_timeout(Some(wait));
            }
            Err(why) => {
                self.data = Some(data);
                let err = self.stall_error(why);
                self.abort_inner(false);
                return Err(err);
            }
        }
        // Over TLS the FIN waits until the server is done with the data: a proxy that does
        // not relay half-closes (tinyproxy) closes both of its sockets at our FIN, and when
        // the server's TLS 1.3 session tickets are still unread on its side, that close is
        // a reset, which throws away what the server had not read yet (vsftpd: "426
        // Failure reading network stream" after 64 KiB). Plain data has no other end
        // marker than the FIN.
        let tls = matches!(data, Stream::Tls(_));
        let ended = data.flush().and_then(|_| {
            if tls {
                // Without the FIN to push it out, Nagle would hold the small close_notify
                // record until the last data is acknowledged: a delayed ACK, 40 ms.
                let _ = data.tcp().set_nodelay(true);
                data.close_notify()
            } else {
                data.close_write()
            }
        });
        if let Err(e) = ended {
            self.data = Some(data);
            let reply = self.abort_inner(!is_timeout_kind(&e));
            return Err(self.write_error(e, reply));
        }
        // Servers that checksum, scan or move the file answer only after that work, which
        // grows with the size of the file: so does the wait.
        let deadline = self
            .control
            .final_reply_deadline(self.offset.saturating_add(self.sent));
        if tls {
            let grace = deadline.left().min(TLS_UPLOAD_FIN_GRACE);
            await_server_end(&mut data, self.control, grace, &self.command);
            if let Err(e) = data.half_close() {
                debug!("{}: half-closing the data connection: {e}", self.command);
            }
        }
        let reply = self.control.read_transfer_reply(
            Phase::Transfer,
            &format!("waiting for the final reply to {}", self.command),
            deadline,
            None,
        );
        if reply.as_ref().is_ok_and(Reply::is_positive_completion) {
            data.drain_after_close();
        }
        drop(data);
        let reply = reply?;
        if !reply.is_positive_completion() {
            let (why, hint) = failure(
                Some(&reply),
                self.control.tls_resumes(),
                "the server did not confirm the upload; the remote file may be partial",
            );
            return Err(Error::Incomplete {
                received: self.sent,
                expected: None,
                why,
                hint,
                reply: Some(reply),
            });
        }
        log_done(&self.command, self.sent, self.started);
        Ok(reply)
    }

    fn stall_error(&self, why: Stall) -> Error {
        let what = format!(
            "waiting for the server to accept data for {} ({} bytes sent)",
            self.command, self.sent
        );
        match why {
            Stall::Idle => Error::Timeout {
                phase: Phase::Transfer,
                deadline: Deadline::Idle,
                waiting_for: what,
                after: self.idle,
                backend: None,
                last_reply: self.control.last_reply.clone(),
            },
            Stall::Session => session_timeout(&what, self.control),
        }
    }

    fn write_error(&self, e: io::Error, reply: Option<Reply>) -> Error {
        if is_timeout_kind(&e) {
            self.stall_error(if self.control.session_over() {
                Stall::Session
            } else {
                Stall::Idle
            })
        } else {
            let (why, hint) = failure(
                reply.as_ref(),
                self.control.tls_resumes(),
                &format!("the data connection failed: {e}; the remote file is partial"),
            );
            Error::Incomplete {
                received: self.sent,
                expected: None,
                reply,
                why,
                hint,
            }
        }
    }

    /// Resets the data connection so the server cannot take the partial file for a complete
    /// one, and reads its answer (unless the failure was a timeout: see
    /// [`Download::abort_reading_reply`]).
    fn abort_inner(&mut self, read_reply: bool) -> Option<Reply> {
        let d = self.data.take()?;
        reset(d.tcp());
        drop(d);
        if !read_reply {
            self.control.mark_broken(format!(
                "{} was abandoned without its final reply",
                self.command
            ));
            return None;
        }
        let deadline = self.control.reply_deadline();
        match self.control.read_transfer_reply(
            Phase::Transfer,
            "waiting for the reply to the aborted upload",
            deadline,
            None,
        ) {
            Ok(r) => Some(r),
            Err(e) => {
                self.control
                    .mark_broken(format!("an abandoned upload could not be aborted: {e}"));
                None
            }
        }
    }
}

impl Upload<'_> {
    /// True when the data connection is plain TCP (no TLS): bytes can then go from a file
    /// to the socket without passing through this process ([`Upload::send_file`]).
    pub(crate) fn is_plain(&self) -> bool {
        matches!(self.data, Some(Stream::Plain(_)))
    }

    /// Sends up to `len` bytes of `file` from `offset` with `sendfile(2)` (plain data
    /// connections on Linux): the kernel moves them from the page cache to the socket, no
    /// copy through user space. The same deadlines, keep-alive and counting as
    /// [`Write::write`]. `Ok(0)` at the end of the file.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn send_file(
        &mut self,
        file: &std::fs::File,
        offset: u64,
        len: usize,
    ) -> io::Result<usize> {
        let (Ok(offset), Some(len)) = (usize::try_from(offset), std::num::NonZeroUsize::new(len))
        else {
            return Ok(0);
        };
        self.send(|d| match d {
            Stream::Plain(tcp) => socket2::SockRef::from(&*tcp).sendfile(file, offset, Some(len)),
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "sendfile needs a plain data connection",
            )),
        })
    }

    /// One write step on the data connection: keep-alive, the progress deadline, the
    /// count, and the abort on failure.
    fn send(&mut self, op: impl FnOnce(&mut Stream) -> io::Result<usize>) -> io::Result<usize> {
        if self.data.is_some() {
            if let Err(e) = self.control.keepalive_tick(&self.command) {
                self.abort_inner(false);
                return Err(e.into_io());
            }
        }
        let wait = match self.progress.next_wait(self.control.deadline) {
            Ok(w) => w,
            Err(why) => {
                let err = self.stall_error(why);
                self.abort_inner(false);
                return Err(err.into_io());
            }
        };
        let Some(d) = self.data.as_mut() else {
            return Err(Error::Broken("upload already failed".into()).into_io());
        };
        let _ = d.tcp().set_write_timeout(Some(wait));
        let call = Instant::now();
        match op(d) {
            Ok(n) => {
                self.progress.record(n, call, wait);
                self.sent += n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let timed_out = is_timeout_kind(&e);
                let reply = self.abort_inner(!timed_out);
                Err(self.write_error(e, reply).into_io())
            }
        }
    }
}

impl Write for Upload<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send(|d| d.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.data.as_mut() {
            Some(d) => d.flush(),
            None => Ok(()),
        }
    }
}

/// The idle deadline of an upload as a deadline for *progress*, whatever the call pattern.
///
/// A socket send timeout bounds one system call, and a call that times out after copying
/// part of its buffer returns success; `write_all` then starts a fresh wait, and a TLS
/// stream may swallow a timed-out flush and block again on the next write. So the deadline
/// is kept here: it moves on only when bytes were accepted before the call waited out its
/// timeout, and each call may wait only for what is left of it.
#[derive(Debug)]
struct Progress {
    idle: Duration,
    deadline: Instant,
}

/// Why an upload stopped moving.
enum Stall {
    Idle,
    Session,
}

impl Progress {
    fn new(idle: Duration) -> Progress {
        Progress {
            idle,
            deadline: crate::deadline::far_instant(idle),
        }
    }

    /// How long the next call may block, or why it may not.
    fn next_wait(&self, session: Option<Instant>) -> Result<Duration, Stall> {
        if crate::deadline::passed(session) {
            return Err(Stall::Session);
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Stall::Idle);
        }
        Ok(crate::deadline::next_wait(left, Deadline::Idle, session).after)
    }

    /// After a call that started at `call` with `wait` allowed and accepted `n` bytes.
    fn record(&mut self, n: usize, call: Instant, wait: Duration) {
        // A call that used up its whole wait was stalled, even if it copied a few bytes.
        if n > 0 && call.elapsed() < wait {
            self.deadline = crate::deadline::far_instant(self.idle);
        }
    }
}

impl Drop for Upload<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.abort_inner(true);
        }
    }
}

/// Logs a completed transfer with its rate.
fn log_done(command: &str, bytes: u64, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    debug!(
        "transfer: {command}: {bytes} bytes in {secs:.3}s ({:.1} MB/s)",
        bytes as f64 / secs.max(1e-9) / 1e6
    );
}

/// Why a transfer failed and what to try: a diagnosis of the server's reply when there is
/// one (a data connection refused for lack of TLS session reuse), else `default`.
fn failure(reply: Option<&Reply>, resumes: Option<bool>, default: &str) -> (String, Option<Hint>) {
    match reply.and_then(|r| crate::data::reuse_diagnosis(r, resumes)) {
        Some(hint) => ("the server refused the data connection".into(), Some(hint)),
        None => (default.to_string(), None),
    }
}

/// Arms a data connection to close with a TCP reset instead of a FIN when it is dropped, so
/// that the server sees an aborted transfer rather than a complete one.
fn reset(tcp: &TcpStream) {
    let _ = socket2::SockRef::from(tcp).set_linger(Some(Duration::ZERO));
}
