//! Listings over a data connection (`LIST`, `MLSD`, `NLST`) and `MLST`.

use super::*;

impl Client {
    /// Starts a listing command and returns its lines as they arrive.
    fn open_lines(&mut self, verb: &str, path: &RemotePath) -> Result<DataLines<'_>> {
        let cmd = Command::with_optional_path(verb, path)?;
        let max_line = self.config.limits.max_line;
        let (data, reply) = self.open_data(&cmd, None)?;
        let early = reply.is_positive_completion().then_some(reply);
        let idle = self.config.wait(Deadline::Idle).after;
        let dl = Download::new(&mut self.control, data, early, None, idle, cmd.display());
        Ok(DataLines::new(dl, max_line))
    }

    /// Runs a listing command and collects its lines, at most `Limits::max_list_entries`.
    fn data_lines(&mut self, verb: &str, path: &RemotePath) -> Result<Vec<Vec<u8>>> {
        let max = self.config.limits.max_list_entries;
        let mut lines = Vec::new();
        for line in self.open_lines(verb, path)? {
            if lines.len() >= max {
                // Dropping the iterator aborts the transfer and keeps the session in step.
                return Err(too_many_entries(max));
            }
            lines.push(line?);
        }
        Ok(lines)
    }

    /// The entries of directory `path` (empty: the current directory), collected, with
    /// the best listing the server offers: `MLSD` when `FEAT` announces it (exact sizes and
    /// UTC times), else `LIST`, read by [`crate::ListingParser`] (Unix, DOS/IIS, VMS, z/OS, IBM i and more). `.` and `..` are left out;
    /// at most [`Limits::max_list_entries`] entries (use [`Client::list_stream`] for
    /// directories of any size). A line no parser understands comes back as
    /// [`crate::EntryKind::Unknown`] with the raw line, never dropped.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> ftpkit_core::Result<()> {
    /// for entry in ftp.list("/pub")? {
    ///     println!("{:?} {} {:?}", entry.kind, entry.name, entry.size);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&mut self, path: impl Into<RemotePath>) -> Result<Vec<ListEntry>> {
        let max = self.config.limits.max_list_entries;
        let mut out = Vec::new();
        for entry in self.list_stream(path)? {
            if out.len() >= max {
                return Err(too_many_entries(max));
            }
            out.push(entry?);
        }
        Ok(out)
    }

    /// Like [`Client::list`], entry by entry as the listing arrives: memory stays constant
    /// whatever the directory size, and no entry cap applies. The final check (clean end,
    /// 2xx reply) surfaces as the last item when it fails.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> ftpkit_core::Result<()> {
    /// let mut total = 0;
    /// for entry in ftp.list_stream("/big/dir")? {
    ///     total += entry?.size.unwrap_or(0);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_stream(&mut self, path: impl Into<RemotePath>) -> Result<ListStream<'_>> {
        let mlsd = self.features.has("MLST");
        let charset = self.config.charset;
        let now = SystemTime::now();
        let mut list = list::ListingParser::new(now).with_charset(charset);
        if let Some(syst) = &self.system {
            list = list.with_system(syst);
        }
        let lines = self.open_lines(if mlsd { "MLSD" } else { "LIST" }, &path.into())?;
        Ok(ListStream {
            lines,
            mlsd,
            charset,
            list,
            ready: std::collections::VecDeque::new(),
        })
    }

    /// `NLST`: the names in directory `path` (empty: the current directory).
    pub fn nlst(&mut self, path: impl Into<RemotePath>) -> Result<Vec<RemotePath>> {
        let lines = self.data_lines("NLST", &path.into())?;
        // Names as bytes, exactly: NLST lines are nothing but names.
        Ok(lines
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(RemotePath::new)
            .collect())
    }

    /// `LIST`: the lines as the server formats them, unparsed (for a listing the parsers
    /// do not read, or for a person). [`crate::parse_list_line`] parses one.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> ftpkit_core::Result<()> {
    /// // Force LIST even where MLSD is offered:
    /// let now = std::time::SystemTime::now();
    /// let entries: Vec<_> = ftp
    ///     .list_raw("")?
    ///     .iter()
    ///     .filter_map(|line| ftpkit_core::parse_list_line(line, now))
    ///     .collect();
    /// # Ok(()) }
    /// ```
    pub fn list_raw(&mut self, path: impl Into<RemotePath>) -> Result<Vec<String>> {
        let charset = self.config.charset;
        let lines = self.data_lines("LIST", &path.into())?;
        Ok(lines
            .iter()
            .map(|l| match charset {
                Some(cs) => cs.decode(l).into_owned(),
                None => String::from_utf8_lossy(l).into_owned(),
            })
            .collect())
    }

    /// `MLSD`, parsed (RFC 3659), whether or not `FEAT` announced it.
    pub fn mlsd(&mut self, path: impl Into<RemotePath>) -> Result<Vec<ListEntry>> {
        let charset = self.config.charset;
        let lines = self.data_lines("MLSD", &path.into())?;
        Ok(lines
            .iter()
            .filter(|l| !l.trim_ascii().is_empty())
            .map(|l| mlsd_entry(l, charset))
            .collect())
    }

    /// `MLST path`: facts about one file, over the control connection (an empty path: the
    /// current directory).
    pub fn mlst(&mut self, path: impl Into<RemotePath>) -> Result<ListEntry> {
        let cmd = Command::with_optional_path("MLST", &path.into())?;
        let r = self
            .control
            .expect(&cmd, Phase::Command, expect::code(250), None)?;
        r.lines()
            .iter()
            .skip(1)
            .find(|l| l.starts_with(' '))
            .and_then(|l| list::parse_mlsd_line(l))
            .ok_or_else(|| Error::Protocol {
                phase: Phase::Command,
                detail: format!("no fact line in the MLST reply {r}"),
                last_reply: Some(r.clone()),
            })
    }
}

/// One MLSD line (bytes) as an entry whose name is the server's bytes: see `charset`.
/// (`LIST` lines go through [`list::ListingParser`], which does the same.)
fn mlsd_entry(line: &[u8], charset: Option<crate::charset::Charset>) -> ListEntry {
    let (text, how) = crate::charset::line_text(line, charset);
    let entry = list::parse_mlsd_line(&text).unwrap_or_else(|| ListEntry::unknown(&text));
    crate::charset::restore(entry, line, how)
}

fn too_many_entries(max: usize) -> Error {
    Error::Protocol {
        phase: Phase::Transfer,
        detail: format!(
            "the listing has more than {max} entries (Limits::max_list_entries); use Client::list_stream for listings of any size"
        ),
        last_reply: None,
    }
}

/// A listing read entry by entry; see [`Client::list_stream`].
#[derive(Debug)]
pub struct ListStream<'a> {
    lines: DataLines<'a>,
    mlsd: bool,
    /// MLSD: the charset its lines are read in.
    charset: Option<crate::charset::Charset>,
    /// LIST: the listing-level state (VMS two-line entries, headers).
    list: list::ListingParser,
    /// LIST entries that one line completed, not yet returned.
    ready: std::collections::VecDeque<ListEntry>,
}

impl Iterator for ListStream<'_> {
    type Item = Result<ListEntry>;

    fn next(&mut self) -> Option<Result<ListEntry>> {
        loop {
            let entry = match self.ready.pop_front() {
                Some(entry) => entry,
                None => {
                    let line = match self.lines.next() {
                        Some(Ok(l)) => l,
                        Some(Err(e)) => return Some(Err(e)),
                        None => {
                            // The end of the listing: a held line, if any, is the last.
                            self.ready.push_back(self.list.finish()?);
                            continue;
                        }
                    };
                    if !self.mlsd {
                        self.ready.extend(self.list.push_bytes(&line));
                        continue;
                    }
                    if line.trim_ascii().is_empty() {
                        continue;
                    }
                    mlsd_entry(&line, self.charset)
                }
            };
            if entry.name == "." || entry.name == ".." {
                continue;
            }
            return Some(Ok(entry));
        }
    }
}

/// The lines of a listing's data connection, as they arrive.
#[derive(Debug)]
struct DataLines<'a> {
    dl: Option<Download<'a>>,
    buf: LineBuf,
    max_line: usize,
}

impl<'a> DataLines<'a> {
    fn new(dl: Download<'a>, max_line: usize) -> DataLines<'a> {
        DataLines {
            dl: Some(dl),
            buf: LineBuf::default(),
            max_line,
        }
    }
}

impl Iterator for DataLines<'_> {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Result<Vec<u8>>> {
        let dl = self.dl.as_mut()?;
        match self.buf.read_line(dl, self.max_line, |_| Ok(())) {
            Ok(Some(line)) => Some(Ok(line)),
            Ok(None) => {
                // The end of the data: the final reply decides.
                let dl = self.dl.take()?;
                dl.finish().err().map(Err)
            }
            Err(LineError::TooLong(max)) => {
                if let Some(dl) = self.dl.take() {
                    let _ = dl.abort();
                }
                Some(Err(Error::Protocol {
                    phase: Phase::Transfer,
                    detail: format!("a listing line is longer than {max} bytes"),
                    last_reply: None,
                }))
            }
            Err(LineError::Io(e)) => {
                self.dl = None;
                Some(Err(Error::from_io(e, Phase::Transfer)))
            }
        }
    }
}
