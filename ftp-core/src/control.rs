//! The control connection: sending commands and reading replies, each under a deadline.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use log::{debug, info, warn};

use crate::command::Command;
use crate::config::{Config, Limits};
use crate::deadline::{far_instant, Deadline, Wait};
use crate::error::{is_timeout_kind, Error, Phase, Result};
use crate::hint::Hint;
use crate::reply::{truncate_for_display, Reply, ReplyParseError, ReplyParser};
use crate::tls::{TlsConnector, TlsStream};

/// When the replies that answer one command must all have arrived, and which deadline
/// that is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReplyDeadline {
    at: Instant,
    wait: Wait,
}

impl ReplyDeadline {
    /// Time left until the deadline.
    pub(crate) fn left(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }
}

/// A byte stream that is either plain TCP or TLS over TCP.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<dyn TlsStream>),
    /// A control connection after `CCC`: commands in clear on the socket, and the ended
    /// TLS session kept only to open (and resume) the protected data connections.
    Cleared {
        tcp: TcpStream,
        session: Box<dyn TlsStream>,
    },
}

impl Stream {
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) | Stream::Cleared { tcp: s, .. } => s,
            Stream::Tls(s) => s.tcp(),
        }
    }

    /// The TLS session: of the stream, or the one kept after `CCC`.
    pub(crate) fn tls(&self) -> Option<&dyn TlsStream> {
        match self {
            Stream::Plain(_) => None,
            Stream::Tls(s) | Stream::Cleared { session: s, .. } => Some(s.as_ref()),
        }
    }

    /// Ends the stream cleanly: close_notify for TLS, then a TCP half-close.
    pub(crate) fn close_write(&mut self) -> io::Result<()> {
        self.close_notify()?;
        self.half_close()
    }

    /// Sends close_notify on a TLS stream; nothing on a plain one.
    pub(crate) fn close_notify(&mut self) -> io::Result<()> {
        match self {
            Stream::Tls(s) => s.close_notify(),
            _ => Ok(()),
        }
    }

    /// The TCP half-close (FIN): nothing more will be written.
    pub(crate) fn half_close(&mut self) -> io::Result<()> {
        match self.tcp().shutdown(Shutdown::Write) {
            // The peer may already have closed; that is not our failure.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            r => r,
        }
    }

    /// Reads what the server still sent on a TLS connection it has finished with (after
    /// the final reply of an upload): TLS 1.3 session tickets and its close_notify. A
    /// backend that resumes from tickets (rustls) stores the tickets; without this, every
    /// upload would use up one ticket and bring none back, and after a few files the data
    /// connection could not resume any more (vsftpd `require_ssl_reuse`: 522). Bounded in
    /// time and bytes; errors are of no consequence here.
    pub(crate) fn drain_after_close(&mut self) {
        let Stream::Tls(s) = self else {
            return;
        };
        let _ = s.tcp().set_read_timeout(Some(Duration::from_millis(200)));
        let mut buf = [0u8; 4096];
        let mut left = 64 * 1024usize;
        while left > 0 {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) | Stream::Cleared { tcp: s, .. } => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) | Stream::Cleared { tcp: s, .. } => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) | Stream::Cleared { tcp: s, .. } => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// Why reading a line stopped short.
#[derive(Debug)]
pub(crate) enum LineError {
    Io(io::Error),
    TooLong(usize),
}

/// A line splitter over any reader that keeps what it read past the line it returned, and
/// refuses lines longer than a limit instead of growing without bound.
#[derive(Debug, Default)]
pub(crate) struct LineBuf {
    buf: Vec<u8>,
    start: usize,
}

impl LineBuf {
    /// Bytes received but not consumed yet.
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Reads one line (LF-terminated, a trailing CR removed). `Ok(None)` at end of stream
    /// with nothing pending; a final unterminated line is returned as is.
    /// `before_read` runs before every blocking read (to set a deadline).
    pub(crate) fn read_line<R: Read + ?Sized>(
        &mut self,
        r: &mut R,
        max: usize,
        mut before_read: impl FnMut(&R) -> io::Result<()>,
    ) -> Result<Option<Vec<u8>>, LineError> {
        let mut scanned = 0;
        loop {
            let pending = &self.buf[self.start..];
            if let Some(i) = pending[scanned..].iter().position(|&b| b == b'\n') {
                let end = scanned + i;
                // Exact, however the bytes arrived: not only while no line end is buffered.
                if end > max {
                    return Err(LineError::TooLong(max));
                }
                let mut line = pending[..end].to_vec();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                self.start += end + 1;
                if self.start == self.buf.len() {
                    self.buf.clear();
                    self.start = 0;
                }
                return Ok(Some(line));
            }
            scanned = pending.len();
            if scanned > max {
                return Err(LineError::TooLong(max));
            }
            // Compact before growing so a long session does not accumulate consumed bytes.
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            before_read(r).map_err(LineError::Io)?;
            let old = self.buf.len();
            self.buf.resize(old + 8192, 0);
            let n = loop {
                match r.read(&mut self.buf[old..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.buf.truncate(old);
                        return Err(LineError::Io(e));
                    }
                }
            };
            self.buf.truncate(old + n);
            if n == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                if self.buf.len() > max {
                    return Err(LineError::TooLong(max));
                }
                let line = std::mem::take(&mut self.buf);
                self.start = 0;
                return Ok(Some(line));
            }
        }
    }
}

/// Keep-alive NOOPs during a transfer (see [`crate::Config::keepalive`]) and what must be
/// read for them before the session is in step again.
#[derive(Debug)]
struct KeepAlive {
    interval: Option<Duration>,
    /// When a command was last sent or a reply last read on the control connection.
    last_activity: Instant,
    /// NOOPs sent during the current transfer whose replies have not been read.
    unanswered: usize,
    /// NOOPs sent during the current transfer, for the log.
    sent: usize,
    /// A reply other than 200 read while the answers to NOOPs were drained during the
    /// transfer: most likely the transfer's own reply, sent before its data was all read
    /// (or a refused NOOP). It counts among the replies still owed, not as an answer.
    held: Option<Reply>,
}

/// How surely a reply read after a transfer with keep-alive NOOPs is the transfer's own:
/// 226/250 certainly, a NOOP's 200 not at all, what servers refuse a command with during a
/// transfer (500–503, 202) only when nothing better came.
fn transfer_rank(r: &Reply) -> u8 {
    match r.code() {
        226 | 250 => 3,
        200 => 0,
        202 | 500..=503 => 1,
        _ => 2,
    }
}

/// Most preliminary (1yz) replies accepted before the final one.
const MAX_PRELIMINARY: usize = 8;

/// The control connection of a session.
#[derive(Debug)]
pub(crate) struct Control {
    stream: Option<Stream>,
    lines: LineBuf,
    pub(crate) peer: SocketAddr,
    pub(crate) local: SocketAddr,
    /// The proxy route when the session goes through one: data connections take it, to the
    /// server's host (`peer` is then the proxy).
    pub(crate) via_proxy: Option<crate::proxy::Route>,
    pub(crate) last_reply: Option<Reply>,
    pub(crate) limits: Limits,
    pub(crate) reply_timeout: Duration,
    /// See [`crate::Timeouts::final_reply_per_gib`].
    final_reply_per_gib: Duration,
    keepalive: KeepAlive,
    /// See [`crate::Config::deadline`].
    pub(crate) deadline: Option<Instant>,
    broken: Option<String>,
    /// A reply read ahead of its turn; see [`Control::push_back`].
    pushed_back: Option<Reply>,
}

impl Control {
    pub(crate) fn new(stream: Stream, config: &Config) -> Result<Control> {
        let io_err = |source| Error::Io {
            phase: Phase::Connect,
            source,
            last_reply: None,
        };
        let peer = stream.tcp().peer_addr().map_err(io_err)?;
        let local = stream.tcp().local_addr().map_err(io_err)?;
        Ok(Control {
            stream: Some(stream),
            lines: LineBuf::default(),
            peer,
            local,
            via_proxy: None,
            last_reply: None,
            limits: config.limits,
            reply_timeout: config.timeouts.reply,
            final_reply_per_gib: config.timeouts.final_reply_per_gib,
            keepalive: KeepAlive {
                interval: config.keepalive,
                last_activity: Instant::now(),
                unanswered: 0,
                sent: 0,
                held: None,
            },
            deadline: config.deadline,
            broken: None,
            pushed_back: None,
        })
    }

    /// Whether a reply (or part of one) has been received and not read yet, so that the
    /// control socket will not signal it again.
    pub(crate) fn reply_buffered(&self) -> bool {
        self.pushed_back.is_some()
            || self.keepalive.held.is_some()
            || !self.lines.buffered().is_empty()
    }

    /// Whether the control connection's TLS backend resumes its session on data
    /// connections; `None` for plain FTP.
    pub(crate) fn tls_resumes(&self) -> Option<bool> {
        self.stream()
            .and_then(Stream::tls)
            .map(|t| t.resumes_sessions())
    }

    /// The TLS backend of the control connection, if it is encrypted.
    pub(crate) fn tls_backend(&self) -> Option<&'static str> {
        self.stream()
            .and_then(Stream::tls)
            .map(|t| t.info().backend)
    }

    pub(crate) fn stream(&self) -> Option<&Stream> {
        self.stream.as_ref()
    }

    fn stream_mut(&mut self) -> Result<&mut Stream> {
        if let Some(why) = &self.broken {
            return Err(Error::Broken(why.clone()));
        }
        self.stream
            .as_mut()
            .ok_or_else(|| Error::Broken("the connection was lost during a TLS upgrade".into()))
    }

    /// Marks the session unusable: after a reply timeout we cannot know which reply the
    /// next read would return.
    pub(crate) fn mark_broken(&mut self, why: impl Into<String>) {
        if self.broken.is_none() {
            self.broken = Some(why.into());
        }
    }

    /// True once a failure left the connection out of step (see [`Control::mark_broken`]).
    pub(crate) fn is_broken(&self) -> bool {
        self.broken.is_some() || self.stream.is_none()
    }

    /// True once the session's absolute end ([`crate::Config::deadline`]) has come.
    pub(crate) fn session_over(&self) -> bool {
        crate::deadline::passed(self.deadline)
    }

    /// True when a reply (or the end of the connection) is waiting to be read, without
    /// blocking.
    pub(crate) fn has_input(&self) -> bool {
        if !self.lines.buffered().is_empty() {
            return true;
        }
        let Some(stream) = self.stream.as_ref() else {
            return false;
        };
        let tcp = stream.tcp();
        if tcp.set_nonblocking(true).is_err() {
            return false;
        }
        let r = tcp.peek(&mut [0u8; 1]);
        let _ = tcp.set_nonblocking(false);
        match r {
            Ok(_) => true,
            Err(e) => e.kind() != io::ErrorKind::WouldBlock,
        }
    }

    /// Sends a command.
    pub(crate) fn send(&mut self, cmd: &Command, phase: Phase) -> Result<()> {
        if self.keepalive_owed() {
            // Every path that ends a transfer reads what its NOOPs are owed; a command sent
            // before that would be answered by one of them.
            self.mark_broken("replies to keep-alive NOOPs were left unread");
            return Err(Error::Broken(
                "replies to keep-alive NOOPs were left unread".into(),
            ));
        }
        debug!("> {}", cmd.display());
        self.write_command(cmd, phase)
    }

    /// Writes a command line, within the reply deadline.
    fn write_command(&mut self, cmd: &Command, phase: Phase) -> Result<()> {
        let wait = self.reply_wait();
        let timeout = wait.after;
        let last_reply = self.last_reply.clone();
        let stream = self.stream_mut()?;
        let r = stream
            .tcp()
            .set_write_timeout(Some(timeout))
            .and_then(|_| stream.write_all(&cmd.wire()))
            .and_then(|_| stream.flush());
        if let Err(e) = r {
            let err = if is_timeout_kind(&e) {
                Error::Timeout {
                    phase,
                    deadline: wait.deadline,
                    waiting_for: format!("sending {}", cmd.verb()),
                    after: timeout,
                    backend: None,
                    last_reply,
                }
            } else {
                Error::Io {
                    phase,
                    source: e,
                    last_reply,
                }
            };
            self.mark_broken(format!("sending {} failed", cmd.verb()));
            return Err(err);
        }
        self.keepalive.last_activity = Instant::now();
        Ok(())
    }

    /// The reply timeout, cut to the session deadline.
    fn reply_wait(&self) -> Wait {
        crate::deadline::next_wait(self.reply_timeout, Deadline::Reply, self.deadline)
    }

    /// Reads one complete reply; the whole reply must arrive within the reply deadline.
    pub(crate) fn read_reply(&mut self, phase: Phase, waiting_for: &str) -> Result<Reply> {
        let wait = self.reply_wait();
        self.read_reply_within(phase, waiting_for, wait, wait.after)
    }

    /// Reads one reply that must be complete by `deadline` (shared by several replies that
    /// answer one command, so that a server cannot stretch the wait by sending them apart).
    pub(crate) fn read_reply_by(
        &mut self,
        phase: Phase,
        waiting_for: &str,
        deadline: ReplyDeadline,
    ) -> Result<Reply> {
        let left = deadline.at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            self.mark_broken(format!("no complete reply while {waiting_for}"));
            return Err(self.timeout(phase, waiting_for, deadline.wait, true));
        }
        self.read_reply_within(phase, waiting_for, deadline.wait, left)
    }

    /// When the replies that answer the command being sent now must all have arrived.
    pub(crate) fn reply_deadline(&self) -> ReplyDeadline {
        let wait = self.reply_wait();
        ReplyDeadline {
            at: far_instant(wait.after),
            wait,
        }
    }

    /// Keeps a reply that was read early (while watching for a data connection) so that
    /// the next read returns it.
    pub(crate) fn push_back(&mut self, reply: Reply) {
        self.pushed_back = Some(reply);
    }

    /// The error for `wait` running out while `waiting_for`; `tls` names the control
    /// connection's backend in it (a whole-reply deadline over TLS).
    fn timeout(&self, phase: Phase, waiting_for: &str, wait: Wait, tls: bool) -> Error {
        Error::Timeout {
            phase,
            deadline: wait.deadline,
            waiting_for: waiting_for.to_string(),
            after: wait.after,
            backend: if tls { self.tls_backend() } else { None },
            last_reply: self.last_reply.clone(),
        }
    }

    /// Reads one reply within `timeout`, part of `wait` (which the error names).
    pub(crate) fn read_reply_within(
        &mut self,
        phase: Phase,
        waiting_for: &str,
        wait: Wait,
        timeout: Duration,
    ) -> Result<Reply> {
        if let Some(r) = self.pushed_back.take() {
            return Ok(r);
        }
        // Over TLS one `read` may make many socket reads, each within the socket timeout:
        // a server trickling a record byte by byte would stretch the wait without bound.
        // The watchdog closes the socket at the deadline (the session is then broken).
        let watchdog = match self.stream.as_ref() {
            Some(Stream::Tls(t)) => t
                .tcp()
                .try_clone()
                .ok()
                .and_then(|tcp| crate::deadline::Watchdog::arm(&tcp, timeout).ok()),
            _ => None,
        };
        let result = self.read_reply_unguarded(phase, waiting_for, wait, timeout);
        if watchdog.is_some_and(crate::deadline::Watchdog::disarm) {
            self.mark_broken(format!("no complete reply while {waiting_for}"));
            return Err(self.timeout(phase, waiting_for, wait, true));
        }
        result
    }

    fn read_reply_unguarded(
        &mut self,
        phase: Phase,
        waiting_for: &str,
        wait: Wait,
        timeout: Duration,
    ) -> Result<Reply> {
        let deadline = far_instant(timeout);
        let max_line = self.limits.max_line;
        let mut parser =
            ReplyParser::new(self.limits.max_reply).max_lines(self.limits.max_reply_lines);
        loop {
            if let Some(why) = &self.broken {
                return Err(Error::Broken(why.clone()));
            }
            let Some(stream) = self.stream.as_mut() else {
                return Err(Error::Broken("no control connection".into()));
            };
            let set_deadline = |s: &Stream| {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "reply deadline"));
                }
                s.tcp().set_read_timeout(Some(left))
            };
            let line = self.lines.read_line(stream, max_line, set_deadline);
            let line = match line {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.mark_broken("the server closed the connection");
                    return Err(Error::Closed {
                        phase,
                        last_reply: self.last_reply.clone(),
                    });
                }
                Err(LineError::TooLong(max)) => {
                    self.mark_broken("a reply line was too long");
                    return Err(Error::Protocol {
                        phase,
                        detail: format!(
                            "a reply line is longer than {max} bytes without a line end while {waiting_for}; the server is broken or hostile"
                        ),
                        last_reply: self.last_reply.clone(),
                    });
                }
                Err(LineError::Io(e)) if is_timeout_kind(&e) => {
                    self.mark_broken(format!("no reply while {waiting_for}"));
                    return Err(self.timeout(phase, waiting_for, wait, false));
                }
                Err(LineError::Io(e)) => {
                    self.mark_broken(format!("read error while {waiting_for}"));
                    return Err(Error::Io {
                        phase,
                        source: e,
                        last_reply: self.last_reply.clone(),
                    });
                }
            };
            match parser.feed(&line) {
                Ok(Some(reply)) => {
                    for l in reply.lines() {
                        debug!("< {l}");
                    }
                    self.keepalive.last_activity = Instant::now();
                    self.last_reply = Some(reply.clone());
                    return Ok(reply);
                }
                Ok(None) => {}
                Err(e) => {
                    self.mark_broken("the server sent something that is not an FTP reply");
                    let detail = match e {
                        ReplyParseError::BadFirstLine(l) => format!(
                            "expected a reply code while {waiting_for}, got {:?}; is this an FTP server (or does it expect TLS from the first byte: try implicit mode)?",
                            truncate_for_display(&l)
                        ),
                        ReplyParseError::TooLong(max) => {
                            format!("a multi-line reply grew past {max} bytes while {waiting_for}")
                        }
                        ReplyParseError::TooManyLines(max) => {
                            format!("a multi-line reply grew past {max} lines while {waiting_for}")
                        }
                    };
                    return Err(Error::Protocol {
                        phase,
                        detail,
                        last_reply: self.last_reply.clone(),
                    });
                }
            }
        }
    }

    /// Sends a command and reads its reply.
    pub(crate) fn execute(&mut self, cmd: &Command, phase: Phase) -> Result<Reply> {
        self.send(cmd, phase)?;
        self.read_final_reply(phase, &format!("waiting for the reply to {}", cmd.verb()))
    }

    /// Reads the reply that ends a command: a preliminary `1yz` reply ("working on it") is
    /// logged and the next one read, so that it cannot shift every later reply by one.
    /// A server that sends nothing but preliminary replies is cut off after a few.
    /// The preliminary replies and the final one share one reply deadline.
    pub(crate) fn read_final_reply(&mut self, phase: Phase, waiting_for: &str) -> Result<Reply> {
        let deadline = self.reply_deadline();
        self.read_final_reply_by(phase, waiting_for, deadline)
    }

    /// [`Control::read_final_reply`] with a deadline chosen by the caller.
    fn read_final_reply_by(
        &mut self,
        phase: Phase,
        waiting_for: &str,
        deadline: ReplyDeadline,
    ) -> Result<Reply> {
        for _ in 0..MAX_PRELIMINARY {
            let reply = self.read_reply_by(phase, waiting_for, deadline)?;
            if !reply.is_preliminary() {
                return Ok(reply);
            }
            debug!("preliminary reply {reply}; waiting for the final one");
        }
        self.mark_broken("too many preliminary replies");
        Err(Error::Protocol {
            phase,
            detail: format!(
                "more than {MAX_PRELIMINARY} preliminary (1yz) replies while {waiting_for}"
            ),
            last_reply: self.last_reply.clone(),
        })
    }

    /// When the final reply of a transfer that moved `bytes` must have come: the reply
    /// deadline lengthened by [`crate::Timeouts::final_reply_per_gib`].
    pub(crate) fn final_reply_deadline(&self, bytes: u64) -> ReplyDeadline {
        let wait = crate::deadline::final_reply_wait(
            self.reply_timeout,
            self.final_reply_per_gib,
            bytes,
            self.deadline,
        );
        ReplyDeadline {
            at: far_instant(wait.after),
            wait,
        }
    }

    /// Called by a transfer before each read or write of its data: once the control
    /// connection has been quiet for the keep-alive interval, reads the answers to earlier
    /// NOOPs that are waiting (so that a server answering during the transfer never blocks
    /// on a full socket), then sends `NOOP`. The command is only written, never awaited.
    pub(crate) fn keepalive_tick(&mut self, during: &str) -> Result<()> {
        let Some(interval) = self.keepalive.interval else {
            return Ok(());
        };
        let quiet = self.keepalive.last_activity.elapsed();
        if quiet < interval || self.is_broken() {
            return Ok(());
        }
        self.drain_keepalive_answers()?;
        debug!(
            "> NOOP (keep-alive: the control connection was quiet for {:.1}s during {during}; {} unanswered)",
            quiet.as_secs_f64(),
            self.keepalive.unanswered
        );
        self.write_command(&Command::bare("NOOP"), Phase::Transfer)?;
        self.keepalive.unanswered += 1;
        self.keepalive.sent += 1;
        Ok(())
    }

    /// True while replies are owed to keep-alive NOOPs (or one read early is kept).
    pub(crate) fn keepalive_owed(&self) -> bool {
        self.keepalive.unanswered > 0 || self.keepalive.held.is_some()
    }

    /// Reads the replies that are already waiting while NOOPs are unanswered, until one is
    /// not a NOOP's `200` (it is kept for the end of the transfer).
    fn drain_keepalive_answers(&mut self) -> Result<()> {
        let mut budget = self.keepalive.unanswered + MAX_PRELIMINARY;
        while budget > 0
            && self.keepalive.unanswered > 0
            && self.keepalive.held.is_none()
            && self.has_input()
        {
            budget -= 1;
            let before = self.last_reply.clone();
            let r = self.read_reply(
                Phase::Transfer,
                "reading the answer to a keep-alive NOOP during the transfer",
            )?;
            if r.is_preliminary() {
                continue;
            }
            if r.code() == 200 {
                self.keepalive.unanswered -= 1;
                self.last_reply = before;
            } else {
                self.keepalive.held = Some(r);
            }
        }
        Ok(())
    }

    /// Reads the reply that ends a transfer (`known`: one that came already) together with
    /// the answers still owed to its keep-alive NOOPs, in whatever order they come, and
    /// returns the transfer's own. Until that has come the wait ends at `deadline`; the
    /// answers after it share one fresh reply deadline. When they do not come, the session
    /// is marked unusable (it would be out of step) and the transfer's reply still returned.
    pub(crate) fn read_transfer_reply(
        &mut self,
        phase: Phase,
        waiting_for: &str,
        deadline: ReplyDeadline,
        known: Option<Reply>,
    ) -> Result<Reply> {
        let owed = std::mem::take(&mut self.keepalive.unanswered);
        let sent = std::mem::take(&mut self.keepalive.sent);
        let mut got: Vec<Reply> = known
            .into_iter()
            .chain(self.keepalive.held.take())
            .collect();
        if owed == 0 {
            return match got.pop() {
                Some(r) => Ok(r),
                None => self.read_final_reply_by(phase, waiting_for, deadline),
            };
        }
        // The transfer's reply is the last one that is not an answer to a NOOP.
        let before = self.last_reply.clone();
        let mut need = (owed + 1).saturating_sub(got.len());
        let mut answered_by =
            (got.iter().any(|r| transfer_rank(r) >= 2)).then(|| self.reply_deadline());
        let mut preliminary = 0;
        while need > 0 {
            let d = answered_by.unwrap_or(deadline);
            match self.read_reply_by(phase, waiting_for, d) {
                Ok(r) if r.is_preliminary() => {
                    preliminary += 1;
                    if preliminary > MAX_PRELIMINARY {
                        self.mark_broken("too many preliminary replies");
                        return Err(Error::Protocol {
                            phase,
                            detail: format!(
                                "more than {MAX_PRELIMINARY} preliminary (1yz) replies while {waiting_for}"
                            ),
                            last_reply: self.last_reply.clone(),
                        });
                    }
                }
                Ok(r) => {
                    if transfer_rank(&r) >= 2 {
                        answered_by.get_or_insert_with(|| self.reply_deadline());
                    } else {
                        self.last_reply = before.clone();
                    }
                    got.push(r);
                    need -= 1;
                }
                Err(e) if answered_by.is_none() => return Err(e),
                Err(e) => {
                    self.mark_broken(format!(
                        "the answers to keep-alive NOOPs did not come after {waiting_for}"
                    ));
                    warn!(
                        "{need} of {sent} keep-alive NOOPs sent during the transfer got no answer ({e}); the session cannot be used any more. If this server ignores commands during transfers, turn keep-alive off (Config::keepalive = None)"
                    );
                    break;
                }
            }
        }
        let best = got
            .iter()
            .enumerate()
            .max_by_key(|(i, r)| (transfer_rank(r), std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let reply = got.swap_remove(best);
        debug!(
            "keep-alive: {sent} NOOPs sent during the transfer, {} answers read besides its reply {reply}",
            got.len()
        );
        self.last_reply = Some(reply.clone());
        Ok(reply)
    }

    /// Sends a command and requires a reply that `ok` accepts.
    pub(crate) fn expect(
        &mut self,
        cmd: &Command,
        phase: Phase,
        ok: impl Fn(u16) -> bool,
        hint: Option<crate::hint::Hint>,
    ) -> Result<Reply> {
        let reply = self.execute(cmd, phase)?;
        if ok(reply.code()) {
            Ok(reply)
        } else {
            Err(Error::Reply {
                phase,
                command: cmd.display(),
                reply,
                hint,
            })
        }
    }

    /// Replaces the plain stream by a TLS one (after `AUTH TLS` → `234`).
    ///
    /// Refuses to start when bytes are already buffered after the `234`: they arrived in
    /// plaintext and would otherwise be read as if they came over TLS (the STARTTLS
    /// command-injection class, CVE-2011-0411).
    pub(crate) fn upgrade(
        &mut self,
        connector: &dyn TlsConnector,
        server_name: &str,
        handshake: Wait,
    ) -> Result<()> {
        if !self.lines.buffered().is_empty() {
            let n = self.lines.buffered().len();
            self.mark_broken("plaintext after 234");
            return Err(Error::Protocol {
                phase: Phase::TlsUpgrade,
                detail: format!(
                    "{n} bytes arrived in plaintext after the 234 reply, before the TLS handshake; refusing them (possible command injection by a man in the middle)"
                ),
                last_reply: self.last_reply.clone(),
            });
        }
        let tcp = match self.stream.take() {
            Some(Stream::Plain(tcp)) => tcp,
            Some(other) => {
                self.stream = Some(other);
                return Err(Error::Protocol {
                    phase: Phase::TlsUpgrade,
                    detail: "the control connection is already encrypted".into(),
                    last_reply: None,
                });
            }
            None => return Err(Error::Broken("no control connection".into())),
        };
        let tls = crate::data::tls_handshake(
            connector.backend(),
            Phase::TlsUpgrade,
            "performing the TLS handshake after AUTH TLS/234",
            handshake,
            self.last_reply.clone(),
            tcp,
            |tcp| connector.connect(server_name, tcp),
        );
        match tls {
            Ok(s) => {
                self.stream = Some(Stream::Tls(s));
                Ok(())
            }
            Err(e) => {
                self.mark_broken("the TLS handshake failed");
                Err(e)
            }
        }
    }

    /// `CCC` (RFC 4217 §6) after a `200`: both sides end the TLS session with close_notify,
    /// and the session goes on in clear on the same socket. The ended session is kept to
    /// open the data connections, which stay protected. Anything but a close_notify from
    /// the server before the clear text starts is refused, as after `AUTH TLS`.
    pub(crate) fn clear_command_channel(&mut self) -> Result<()> {
        if !matches!(self.stream, Some(Stream::Tls(_))) {
            return Err(Error::InvalidArgument {
                what: "clear command channel",
                detail: "CCC ends TLS on the control connection, which is not encrypted".into(),
            });
        }
        let reply = self.execute(&Command::bare("CCC"), Phase::Login)?;
        if reply.code() / 100 != 2 {
            return Err(Error::Reply {
                phase: Phase::Login,
                command: "CCC".into(),
                reply,
                hint: Some(Hint::Note(
                    "the server does not allow ending TLS on the control connection; leave out the clear command channel (CCC)",
                )),
            });
        }
        if !self.lines.buffered().is_empty() {
            self.mark_broken("bytes after 200 CCC");
            return Err(Error::Protocol {
                phase: Phase::Login,
                detail: "the server sent more after its CCC reply; refusing to go on".into(),
                last_reply: self.last_reply.clone(),
            });
        }
        let Some(Stream::Tls(mut tls)) = self.stream.take() else {
            return Err(Error::Broken(
                "the control connection changed during CCC".into(),
            ));
        };
        let ended = (|| -> io::Result<TcpStream> {
            tls.close_notify()?;
            tls.tcp()
                .set_read_timeout(Some(self.reply_timeout.max(Duration::from_millis(1))))?;
            let mut buf = [0u8; 512];
            match tls.read(&mut buf)? {
                0 => tls.tcp().try_clone(),
                n => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{n} bytes of data instead of the server's close_notify"),
                )),
            }
        })();
        match ended {
            Ok(tcp) => {
                info!("CCC: the control connection is in clear from now on; data stays protected");
                self.stream = Some(Stream::Cleared { tcp, session: tls });
                Ok(())
            }
            Err(e) => {
                self.mark_broken("CCC failed");
                Err(Error::Io {
                    phase: Phase::Login,
                    source: io::Error::new(e.kind(), format!("ending TLS after CCC: {e}")),
                    last_reply: self.last_reply.clone(),
                })
            }
        }
    }

    /// Best-effort close of the socket.
    pub(crate) fn shutdown(&mut self) {
        if let Some(s) = self.stream.as_mut() {
            let _ = s.close_write();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_on_crlf_and_lf_and_keep_the_rest() {
        let mut data: &[u8] = b"220 a\r\n221 b\nrest";
        let mut lb = LineBuf::default();
        let l1 = lb.read_line(&mut data, 100, |_| Ok(())).unwrap().unwrap();
        assert_eq!(l1, b"220 a");
        assert_eq!(lb.buffered(), b"221 b\nrest");
        let l2 = lb.read_line(&mut data, 100, |_| Ok(())).unwrap().unwrap();
        assert_eq!(l2, b"221 b");
        let l3 = lb.read_line(&mut data, 100, |_| Ok(())).unwrap().unwrap();
        assert_eq!(l3, b"rest");
        assert!(lb.read_line(&mut data, 100, |_| Ok(())).unwrap().is_none());
    }

    /// A control connection over loopback, and the server's end of it.
    fn control_pair(config: &Config) -> (Control, TcpStream) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        (Control::new(Stream::Plain(c), config).unwrap(), s)
    }

    fn short_replies() -> Config {
        let mut config = Config::default();
        config.timeouts.reply = Duration::from_millis(300);
        config
    }

    /// Reads the transfer's reply with `owed` NOOPs unanswered after the server sent `wire`.
    fn transfer_reply(owed: usize, held: Option<Reply>, wire: &[u8]) -> (Result<Reply>, Control) {
        let (mut control, mut server) = control_pair(&short_replies());
        server.write_all(wire).unwrap();
        control.keepalive.unanswered = owed;
        control.keepalive.held = held;
        let d = control.reply_deadline();
        let r = control.read_transfer_reply(Phase::Transfer, "test", d, None);
        (r, control)
    }

    #[test]
    fn the_transfers_reply_is_picked_among_noop_answers_in_any_order() {
        for (owed, wire, code) in [
            (2, &b"200 a\r\n226 done\r\n200 b\r\n"[..], 226),
            (2, b"226 done\r\n200 a\r\n200 b\r\n", 226),
            (1, b"500 not during a transfer\r\n226 done\r\n", 226),
            (1, b"226 done\r\n502 no\r\n", 226),
            (1, b"200 ok\r\n426 aborted\r\n", 426),
            (1, b"500 NOOP refused\r\n451 local error\r\n", 451),
            (1, b"150 still busy\r\n200 ok\r\n250 done\r\n", 250),
            (0, b"226 done\r\n", 226),
        ] {
            let (r, control) = transfer_reply(owed, None, wire);
            let r = r.unwrap_or_else(|e| panic!("{wire:?}: {e}"));
            assert_eq!(r.code(), code, "{wire:?}");
            assert_eq!(control.last_reply.as_ref().map(Reply::code), Some(code));
            assert!(!control.is_broken(), "{wire:?}");
            assert!(!control.keepalive_owed());
        }
    }

    #[test]
    fn a_226_read_early_counts_among_the_replies_owed() {
        let held = Reply::new(226, vec!["226 done".into()]);
        let (r, control) = transfer_reply(1, Some(held), b"200 ok\r\n");
        assert_eq!(r.unwrap().code(), 226);
        assert!(!control.is_broken());
    }

    #[test]
    fn missing_noop_answers_mark_the_session_broken_but_keep_the_transfers_reply() {
        let (r, control) = transfer_reply(2, None, b"226 done\r\n200 ok\r\n");
        assert_eq!(r.unwrap().code(), 226);
        assert!(control.is_broken(), "one answer never came");
    }

    #[test]
    fn only_noop_answers_and_no_transfer_reply_is_a_reply_timeout() {
        let (r, control) = transfer_reply(1, None, b"200 ok\r\n");
        let err = r.unwrap_err();
        assert_eq!(err.deadline(), Some(Deadline::Reply), "{err}");
        assert!(control.is_broken());
        // The error names the last reply of the transfer, not a NOOP's answer.
        assert_eq!(err.reply().map(Reply::code), None, "{err}");
    }

    #[test]
    fn keepalive_sends_noop_once_quiet_and_drains_waiting_answers() {
        let mut config = short_replies();
        config.keepalive = Some(Duration::ZERO);
        let (mut control, mut server) = control_pair(&config);
        control.keepalive_tick("RETR f").unwrap();
        let mut got = [0u8; 6];
        server.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"NOOP\r\n");
        assert!(control.keepalive_owed());
        // A command now would be answered by the NOOP's 200.
        let err = control
            .send(&Command::bare("PWD"), Phase::Command)
            .unwrap_err();
        assert!(matches!(err, Error::Broken(_)), "{err}");

        let (mut control, mut server) = control_pair(&config);
        control.keepalive_tick("RETR f").unwrap();
        server.write_all(b"200 ok\r\n").unwrap();
        let give_up = Instant::now() + Duration::from_secs(10);
        while !control.has_input() {
            assert!(Instant::now() < give_up, "the loopback reply never arrived");
            std::thread::yield_now();
        }
        control.keepalive_tick("RETR f").unwrap();
        assert_eq!(
            control.keepalive.unanswered, 1,
            "the first was answered and read"
        );
        assert_eq!(control.keepalive.sent, 2);
        server.write_all(b"226 done\r\n200 ok\r\n").unwrap();
        let d = control.final_reply_deadline(0);
        let r = control.read_transfer_reply(Phase::Transfer, "test", d, None);
        assert_eq!(r.unwrap().code(), 226);
        assert!(!control.is_broken());
        control.send(&Command::bare("PWD"), Phase::Command).unwrap();
    }

    #[test]
    fn keepalive_off_sends_nothing() {
        let mut config = short_replies();
        config.keepalive = None;
        let (mut control, _server) = control_pair(&config);
        control.keepalive_tick("RETR f").unwrap();
        assert!(!control.keepalive_owed());
    }

    #[test]
    fn overlong_line_is_an_error_not_growth() {
        let big = vec![b'a'; 1 << 20];
        let mut data: &[u8] = &big;
        let mut lb = LineBuf::default();
        let r = lb.read_line(&mut data, 64 * 1024, |_| Ok(()));
        assert!(matches!(r, Err(LineError::TooLong(65536))));
        assert!(lb.buf.len() < 64 * 1024 + 16 * 1024);
    }
}
