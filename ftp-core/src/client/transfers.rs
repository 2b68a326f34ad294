//! Transfers: opening the data connection, downloads (`RETR`), uploads (`STOR`, `APPE`),
//! resumes (`REST`), and the copy helpers that stream a file through them.

use super::*;
use crate::data::Pending;

impl Client {
    pub(super) fn ensure_binary(&mut self) -> Result<()> {
        if self.transfer_type.is_none() {
            self.transfer_type(TransferType::Binary)?;
        }
        Ok(())
    }

    /// Opens a data connection and runs `cmd` over it. Returns the data stream (absent if
    /// the server completed at once) and the first reply.
    pub(super) fn open_data(
        &mut self,
        cmd: &Command,
        rest: Option<u64>,
    ) -> Result<(Option<Stream>, Reply)> {
        let phase = PhaseLog::start(Phase::DataConnect);
        let (pending, reply) =
            match data::prepare(&mut self.control, &self.config, &mut self.passive)? {
                // The passive address is known to work: a protected connection is opened
                // and handshaken while the command's reply is awaited.
                Pending::Address(target) => self.open_while_sending(target, cmd, rest)?,
                pending => {
                    self.send_data_command(cmd, rest)?;
                    (pending, self.read_data_command_reply(cmd)?)
                }
            };
        if reply.is_positive_completion() {
            debug!("{} completed without a data transfer: {reply}", cmd.verb());
            return Ok((None, reply));
        }
        if !reply.is_preliminary() {
            let reuse = data::reuse_diagnosis(&reply, self.control.tls_resumes());
            let hint = match reply.code() {
                _ if reuse.is_some() => reuse,
                550 | 553 => Some(Hint::CheckPath),
                425 => Some(Hint::UseActiveModeOrAnotherBackend),
                _ => None,
            };
            // An active-mode listener or a passive connection is simply dropped.
            drop(pending);
            return Err(Error::Reply {
                phase: Phase::Transfer,
                command: cmd.display(),
                reply,
                hint,
            });
        }
        let protect = self.protect_data;
        match data::complete(
            pending,
            &mut self.control,
            &self.config,
            protect,
            cmd.verb(),
        ) {
            Ok(s) => {
                phase.done();
                self.last_data_tls = s.tls().map(|t| t.info());
                Ok((Some(s), reply))
            }
            Err(e) if e.is_timeout() => {
                self.control
                    .mark_broken(format!("the data connection for {} timed out", cmd.verb()));
                Err(e)
            }
            // The server already gave its answer (it refused to connect to us in active
            // mode): nothing more to read.
            Err(e @ Error::Reply { .. }) => Err(e),
            Err(e) => {
                // The server answers the failed data connection on the control connection
                // (425/426/522…); read it so the session stays in step and show it in the log.
                match self.control.read_reply(
                    Phase::DataConnect,
                    "waiting for the reply after the failed data connection",
                ) {
                    Ok(r) => info!("server after the failed data connection: {r}"),
                    Err(e2) => debug!("no reply after the failed data connection: {e2}"),
                }
                Err(e)
            }
        }
    }

    /// When data is protected and the backend offers a [`crate::DataConnector`]: sends
    /// `cmd` while another thread connects to `target` and goes on with the TLS handshake
    /// while the reply is awaited, so the server finds the ClientHello waiting when it
    /// accepts (a round trip saved per transfer). If the reply refuses the transfer, the
    /// data socket is shut, which ends the handshake at once. Otherwise connects, then
    /// sends.
    fn open_while_sending(
        &mut self,
        target: data::DataTarget,
        cmd: &Command,
        rest: Option<u64>,
    ) -> Result<(Pending, Reply)> {
        let early_tls =
            match self.protect_data {
                true => self.control.stream().and_then(Stream::tls).and_then(|t| {
                    Some((t.data_connector()?, t.info().backend, t.resumes_sessions()))
                }),
                false => None,
            };
        let Some(early_tls) = early_tls else {
            // Without a handshake to start early, connecting first costs nothing: the
            // server's side of the connection is up when our ACK arrives, which is when
            // the command would arrive after it anyway (measured: no gain per file).
            let tcp = target.connect()?;
            self.send_data_command(cmd, rest)?;
            return Ok((Pending::Connected(tcp), self.read_data_command_reply(cmd)?));
        };
        let handshake_wait = self.config.wait(Deadline::Handshake);
        let last_reply = self.control.last_reply.clone();
        let verb = cmd.verb().to_string();
        let cancel = data::Cancel::default();
        let (connected_tx, connected) = std::sync::mpsc::channel::<Result<()>>();
        let (sent, reply, opened) = std::thread::scope(|s| {
            let opening = s.spawn(|| -> Option<Pending> {
                let tcp = match target.connect() {
                    Ok(tcp) => tcp,
                    Err(e) => {
                        let _ = connected_tx.send(Err(e));
                        return None;
                    }
                };
                let (connector, backend, resumes) = early_tls;
                let watched = cancel.watch(&tcp);
                let _ = connected_tx.send(Ok(()));
                watched.ok()?;
                let stream = data::handshake_data(
                    backend,
                    resumes,
                    handshake_wait,
                    last_reply,
                    &verb,
                    tcp,
                    |tcp| connector.connect(tcp),
                );
                Some(Pending::Ready(stream))
            });
            let sent = self.send_data_command(cmd, rest);
            let connect = connected.recv().unwrap_or_else(|_| Err(target.lost()));
            // The reply is read while the handshake (if any) runs; a refusal ends it.
            let reply = match (&sent, &connect) {
                (Ok(()), Ok(())) => {
                    let r = self.read_data_command_reply(cmd);
                    if !matches!(&r, Ok(r) if r.is_preliminary()) {
                        cancel.fire();
                    }
                    Some(r)
                }
                _ => {
                    cancel.fire();
                    None
                }
            };
            let opened = opening.join().ok().flatten();
            (sent.and(connect), reply, opened)
        });
        if let Err(e) = sent {
            // The server may now wait for a connection that will not come: the session
            // is out of step until it gives up, so it is not reused.
            self.control.mark_broken(format!(
                "the data connection for {} could not be opened: {e}",
                cmd.verb()
            ));
            return Err(e);
        }
        let reply = reply.unwrap_or_else(|| Err(target.lost()))?;
        let pending = match opened {
            Some(p) => p,
            None => Pending::Ready(Err(target.lost())),
        };
        Ok((pending, reply))
    }

    /// `REST offset` when resuming, then the transfer command itself (its reply is read by
    /// the caller).
    fn send_data_command(&mut self, cmd: &Command, rest: Option<u64>) -> Result<()> {
        if let Some(offset) = rest {
            self.control.expect(
                &Command::bare(&format!("REST {offset}")),
                Phase::DataConnect,
                expect::code(350),
                Some(Hint::Note("the server cannot resume transfers")),
            )?;
        }
        self.control.send(cmd, Phase::Transfer)
    }

    /// The first reply that answers a data command: `1yz` (the transfer starts), a failure,
    /// or `226`/`250` (done without data, e.g. an empty listing). Any other `2yz` cannot
    /// answer it (a duplicated `229` after EPSV, say): it is logged and skipped, never
    /// taken for the end of the transfer. All of them share one reply deadline.
    pub(super) fn read_data_command_reply(&mut self, cmd: &Command) -> Result<Reply> {
        const MAX_STRAY: usize = 4;
        let waiting_for = format!("waiting for the reply to {}", cmd.verb());
        let deadline = self.control.reply_deadline();
        for _ in 0..MAX_STRAY {
            let reply = self
                .control
                .read_reply_by(Phase::Transfer, &waiting_for, deadline)?;
            if !reply.is_positive_completion() || matches!(reply.code(), 226 | 250) {
                return Ok(reply);
            }
            log::warn!(
                "{}: ignoring the reply {reply}, which does not answer it (a stray or duplicated reply)",
                cmd.verb()
            );
        }
        self.control.mark_broken("stray replies");
        Err(Error::Protocol {
            phase: Phase::Transfer,
            detail: format!(
                "more than {MAX_STRAY} replies that do not answer {} while {waiting_for}",
                cmd.verb()
            ),
            last_reply: self.control.last_reply.clone(),
        })
    }

    /// Starts downloading `path` (binary unless [`Client::transfer_type`] said otherwise):
    /// read the file from the returned [`Download`], then call [`Download::finish`], which
    /// says whether it arrived whole.
    ///
    /// When the server supports `SIZE`, the size is asked first so that a transfer that ends
    /// early is detected even if the server then claims success.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::io::Read;
    /// let mut dl = ftp.download("notes.txt")?;
    /// let mut text = String::new();
    /// dl.read_to_string(&mut text)?;
    /// dl.finish()?; // Err if the server cut the file short
    /// # Ok(()) }
    /// ```
    pub fn download(&mut self, path: impl Into<RemotePath>) -> Result<Download<'_>> {
        self.resume_download(path, 0)
    }

    /// Starts downloading `path` from byte `offset` (`REST offset`, then `RETR`): resumes
    /// an interrupted download. An offset past the remote end is refused
    /// ([`Error::ResumePastEnd`]); one at the end completes at once without `RETR`.
    pub fn resume_download(
        &mut self,
        path: impl Into<RemotePath>,
        offset: u64,
    ) -> Result<Download<'_>> {
        self.open_download(path.into(), offset, None)
    }

    /// [`Client::resume_download`] with the file's size already known from a listing
    /// (`listed`), which saves the `SIZE` round trip; `None` asks the server.
    pub(crate) fn open_download(
        &mut self,
        path: RemotePath,
        offset: u64,
        listed: Option<u64>,
    ) -> Result<Download<'_>> {
        let cmd = Command::with_path("RETR", &path)?;
        self.ensure_binary()?;
        let mut expected = None;
        if self.transfer_type == Some(TransferType::Binary) {
            // Asked whatever FEAT said: servers that answer FEAT with 500 may still have
            // SIZE, and without it a cut transfer cannot be told from a complete one.
            let size = match listed {
                Some(n) => Some(n),
                // The 150 reply will announce the size, as the last one did.
                None if offset == 0 && self.announces_size => None,
                None => self.size_if_known(&path)?,
            };
            if let Some(size) = size {
                if offset > size {
                    return Err(Error::ResumePastEnd {
                        path: path.to_string(),
                        offset,
                        remote_size: size,
                    });
                }
                if offset == size && offset > 0 {
                    info!(
                        "{path}: the local part already has all {size} bytes; nothing to download"
                    );
                    let reply = self
                        .control
                        .last_reply
                        .clone()
                        .unwrap_or_else(|| Reply::new(213, vec![format!("213 {size}")]));
                    return Ok(Download::already_complete(
                        &mut self.control,
                        reply,
                        cmd.display(),
                    ));
                }
                expected = Some(size - offset);
            }
        }
        let (data, reply) = self.open_data(&cmd, (offset > 0).then_some(offset))?;
        if data.is_none() {
            // A download with no data connection at all cannot have "ended cleanly".
            return Err(Error::Protocol {
                phase: Phase::Transfer,
                detail: format!(
                    "the server completed RETR without opening a data connection ({reply})"
                ),
                last_reply: Some(reply),
            });
        }
        if self.transfer_type == Some(TransferType::Binary) && offset == 0 {
            let announced = announced_size(reply.text());
            // Trusted only once it agreed with SIZE or the listing: a server whose 150
            // misstates sizes keeps being asked.
            self.announces_size = match expected {
                Some(known) => announced == Some(known),
                None => self.announces_size && announced.is_some(),
            };
            if expected.is_none() {
                expected = announced;
            }
        }
        let idle = self.config.wait(Deadline::Idle).after;
        Ok(Download::new(
            &mut self.control,
            data,
            None,
            expected,
            idle,
            cmd.display(),
        ))
    }

    /// Starts uploading to `path` (`STOR`, replacing the file): write the bytes into the
    /// returned [`Upload`], then call [`Upload::finish`], which waits for the server to
    /// confirm it stored them.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::io::Write;
    /// let mut up = ftp.upload("report.csv")?;
    /// up.write_all(b"a,b\n1,2\n")?;
    /// up.finish()?;
    /// # Ok(()) }
    /// ```
    pub fn upload(&mut self, path: impl Into<RemotePath>) -> Result<Upload<'_>> {
        self.upload_cmd("STOR", &path.into(), None)
    }

    /// Starts appending to `path` (`APPE`).
    pub fn append(&mut self, path: impl Into<RemotePath>) -> Result<Upload<'_>> {
        self.upload_cmd("APPE", &path.into(), None)
    }

    /// Starts uploading to `path` from byte `offset` (`REST offset`, then `STOR`): resumes an
    /// interrupted upload. Write only the bytes from `offset` on.
    pub fn resume_upload(
        &mut self,
        path: impl Into<RemotePath>,
        offset: u64,
    ) -> Result<Upload<'_>> {
        self.upload_cmd("STOR", &path.into(), (offset > 0).then_some(offset))
    }

    pub(super) fn upload_cmd(
        &mut self,
        verb: &str,
        path: &RemotePath,
        rest: Option<u64>,
    ) -> Result<Upload<'_>> {
        let cmd = Command::with_path(verb, path)?;
        self.ensure_binary()?;
        let (data, reply) = self.open_data(&cmd, rest)?;
        let Some(data) = data else {
            return Err(Error::Protocol {
                phase: Phase::Transfer,
                detail: format!("the server completed {verb} before any data was sent ({reply})"),
                last_reply: Some(reply),
            });
        };
        let idle = self.config.wait(Deadline::Idle).after;
        Ok(Upload::new(
            &mut self.control,
            data,
            rest.unwrap_or(0),
            idle,
            cmd.display(),
        ))
    }

    /// Downloads `path` into `out`, calling `progress` as bytes arrive; returns the byte
    /// count. The copy is complete only when this returns `Ok`.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> ftpkit_core::Result<()> {
    /// let mut file = std::fs::File::create("notes.txt").unwrap();
    /// let bytes = ftp.download_to("notes.txt", &mut file, None)?;
    /// # Ok(()) }
    /// ```
    pub fn download_to<W: Write + ?Sized>(
        &mut self,
        path: impl Into<RemotePath>,
        out: &mut W,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        self.resume_download_to(path, 0, out, progress)
    }

    /// Like [`Client::download_to`], starting at byte `offset` of the remote file (append
    /// what arrives to the part you have).
    pub fn resume_download_to<W: Write + ?Sized>(
        &mut self,
        path: impl Into<RemotePath>,
        offset: u64,
        out: &mut W,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        self.download_into(path.into(), offset, None, out, progress)
    }

    /// [`Client::resume_download_to`] with the size known from a listing; see
    /// [`Client::open_download`].
    pub(crate) fn download_into<W: Write + ?Sized>(
        &mut self,
        path: RemotePath,
        offset: u64,
        listed: Option<u64>,
        out: &mut W,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        let dl = self.open_download(path, offset, listed)?;
        copy_down(dl, out, offset, progress)
    }

    /// Downloads `path` into `file` at its current position (`RETR`); returns the byte
    /// count. Over a plain data connection on Linux the bytes go from the socket to the
    /// page cache with `splice(2)`, one copy instead of two through this process;
    /// otherwise as [`Client::download_to`] does. Complete only as every download is: a
    /// clean end, a 2xx reply and every announced byte.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> ftpkit_core::Result<()> {
    /// let file = std::fs::File::create("backup.tar").unwrap();
    /// ftp.download_file("backup.tar", &file, None)?;
    /// # Ok(()) }
    /// ```
    pub fn download_file(
        &mut self,
        path: impl Into<RemotePath>,
        file: &std::fs::File,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        self.download_file_into(path.into(), 0, None, file, progress)
    }

    /// [`Client::download_file`] from `offset` of the remote file (`REST`), written at the
    /// file's current position (open it for appending, or seek it to `offset`).
    pub fn resume_download_file(
        &mut self,
        path: impl Into<RemotePath>,
        offset: u64,
        file: &std::fs::File,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        self.download_file_into(path.into(), offset, None, file, progress)
    }

    /// [`Client::resume_download_file`] with the size known from a listing.
    pub(crate) fn download_file_into(
        &mut self,
        path: RemotePath,
        offset: u64,
        listed: Option<u64>,
        file: &std::fs::File,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        let dl = self.open_download(path, offset, listed)?;
        #[cfg(target_os = "linux")]
        if dl.is_plain() && crate::splice::can_write(file) {
            match crate::splice::Pipe::new() {
                Ok(pipe) => return splice_down(dl, &pipe, file, offset, progress),
                Err(e) => debug!("splice: no pipe ({e}); copying instead"),
            }
        }
        copy_down(dl, &mut &*file, offset, progress)
    }

    /// Uploads everything `input` yields to `path` (`STOR`); returns the byte count.
    /// `total`, when known, is passed on to `progress`.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> ftpkit_core::Result<()> {
    /// let mut file = std::fs::File::open("report.csv").unwrap();
    /// ftp.upload_from("report.csv", &mut file, None, None)?;
    /// # Ok(()) }
    /// ```
    pub fn upload_from<R: Read + ?Sized>(
        &mut self,
        path: impl Into<RemotePath>,
        input: &mut R,
        total: Option<u64>,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        self.resume_upload_from(path, 0, input, total, progress)
    }

    /// Resumes an upload: `REST offset` + `STOR`, sending what `input` yields (which must
    /// start at `offset` of the local file).
    pub fn resume_upload_from<R: Read + ?Sized>(
        &mut self,
        path: impl Into<RemotePath>,
        offset: u64,
        input: &mut R,
        total: Option<u64>,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        let up = self.resume_upload(path, offset)?;
        copy_up(up, input, offset, total, progress)
    }
}

impl Client {
    /// Uploads a local file (`STOR`), all of it; returns the byte count. Over a plain data
    /// connection on Linux the bytes go from the page cache to the socket with
    /// `sendfile(2)`, without a copy through this process; otherwise as
    /// [`Client::upload_from`] does.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> ftpkit_core::Result<()> {
    /// let file = std::fs::File::open("backup.tar").unwrap();
    /// ftp.upload_file("backup.tar", &file, None)?;
    /// # Ok(()) }
    /// ```
    pub fn upload_file(
        &mut self,
        path: impl Into<RemotePath>,
        file: &std::fs::File,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        self.resume_upload_file(path, 0, file, progress)
    }

    /// [`Client::upload_file`] from `offset` of the local file (`REST offset` + `STOR`).
    pub fn resume_upload_file(
        &mut self,
        path: impl Into<RemotePath>,
        offset: u64,
        file: &std::fs::File,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<u64> {
        let local = |e: io::Error| Error::Io {
            phase: Phase::Transfer,
            source: io::Error::new(e.kind(), format!("reading the local file: {e}")),
            last_reply: None,
        };
        let total = file.metadata().map_err(local)?.len();
        let up = self.resume_upload(path, offset)?;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if up.is_plain() {
            return send_file_up(up, file, offset, total, progress);
        }
        let mut reader = file;
        io::Seek::seek(&mut reader, io::SeekFrom::Start(offset)).map_err(local)?;
        copy_up(up, &mut reader, offset, Some(total), progress)
    }
}

/// Sends the upload step by step (each step returns the bytes it sent, 0 at the end),
/// reports progress after each, then ends it and checks the server's final reply. A step
/// that fails drops the upload, which resets the data connection: the server sees an
/// abort, never a complete file.
fn drive_up(
    mut up: Upload<'_>,
    offset: u64,
    total: Option<u64>,
    mut progress: Option<ProgressFn<'_>>,
    mut step: impl FnMut(&mut Upload<'_>) -> Result<usize>,
) -> Result<u64> {
    while step(&mut up)? > 0 {
        if let Some(p) = progress.as_mut() {
            p(offset + up.sent(), total);
        }
    }
    let sent = up.sent();
    up.finish()?;
    Ok(sent)
}

/// [`copy_up`] with `sendfile(2)`: 1 MiB per call, so that progress, keep-alive and the
/// deadlines see each step.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn send_file_up(
    up: Upload<'_>,
    file: &std::fs::File,
    offset: u64,
    total: u64,
    progress: Option<ProgressFn<'_>>,
) -> Result<u64> {
    let mut at = offset;
    drive_up(up, offset, Some(total), progress, |up| {
        let n = up
            .send_file(file, at, 1 << 20)
            .map_err(|e| Error::from_io(e, Phase::Transfer))?;
        at += n as u64;
        Ok(n)
    })
}

/// Receives the download step by step (each step returns the bytes it moved, 0 at the
/// clean end), reports progress after each, then checks the final reply.
fn drive_down(
    mut dl: Download<'_>,
    offset: u64,
    mut progress: Option<ProgressFn<'_>>,
    mut step: impl FnMut(&mut Download<'_>) -> Result<usize>,
) -> Result<u64> {
    let total = dl.expected().map(|e| e + offset);
    while step(&mut dl)? > 0 {
        if let Some(p) = progress.as_mut() {
            p(offset + dl.received(), total);
        }
    }
    let received = dl.received();
    dl.finish()?;
    Ok(received)
}

/// The download's bytes into `out`, 64 KiB at a time.
fn copy_down<W: Write + ?Sized>(
    dl: Download<'_>,
    out: &mut W,
    offset: u64,
    progress: Option<ProgressFn<'_>>,
) -> Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    drive_down(dl, offset, progress, |dl| {
        let n = dl
            .read(&mut buf)
            .map_err(|e| Error::from_io(e, Phase::Transfer))?;
        if let Err(e) = out.write_all(&buf[..n]) {
            let _ = dl.abort_inner();
            return Err(Error::Io {
                phase: Phase::Transfer,
                source: io::Error::new(e.kind(), format!("writing the local copy: {e}")),
                last_reply: None,
            });
        }
        Ok(n)
    })
}

/// [`copy_down`] with `splice(2)`: up to 1 MiB per step, so that progress, keep-alive and
/// the deadlines see each one.
#[cfg(target_os = "linux")]
fn splice_down(
    dl: Download<'_>,
    pipe: &crate::splice::Pipe,
    file: &std::fs::File,
    offset: u64,
    progress: Option<ProgressFn<'_>>,
) -> Result<u64> {
    drive_down(dl, offset, progress, |dl| {
        dl.splice_to(pipe, file, 1 << 20)
            .map_err(|e| Error::from_io(e, Phase::Transfer))
    })
}

/// The bytes `input` yields, 64 KiB at a time.
fn copy_up<R: Read + ?Sized>(
    up: Upload<'_>,
    input: &mut R,
    offset: u64,
    total: Option<u64>,
    progress: Option<ProgressFn<'_>>,
) -> Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    drive_up(up, offset, total, progress, |up| {
        let n = loop {
            match input.read(&mut buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Error::Io {
                        phase: Phase::Transfer,
                        source: io::Error::new(e.kind(), format!("reading the local file: {e}")),
                        last_reply: None,
                    })
                }
                Ok(n) => break n,
            }
        };
        up.write_all(&buf[..n])
            .map_err(|e| Error::from_io(e, Phase::Transfer))?;
        Ok(n)
    })
}

/// Reads "(1234 bytes)" out of a 150 reply, which many servers include.
fn announced_size(text: &str) -> Option<u64> {
    let end = text.rfind(" bytes)")?;
    let start = text[..end].rfind('(')?;
    text[start + 1..end].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_150() {
        assert_eq!(
            announced_size("Opening BINARY mode data connection for a.bin (67108864 bytes)."),
            Some(67108864)
        );
        assert_eq!(announced_size("Opening data connection"), None);
        assert_eq!(announced_size("weird (x bytes)"), None);
    }
}
