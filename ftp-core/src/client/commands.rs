//! Commands answered on the control connection alone.

use super::*;

impl Client {
    /// `verb path`, expecting a reply `ok` accepts.
    pub(super) fn simple(
        &mut self,
        verb: &str,
        path: &RemotePath,
        ok: impl Fn(u16) -> bool,
        hint: Option<Hint>,
    ) -> Result<Reply> {
        let cmd = Command::with_path(verb, path)?;
        self.control.expect(&cmd, Phase::Command, ok, hint)
    }

    /// `SYST`: the server's system type (e.g. `UNIX Type: L8`). The reply is kept as a hint
    /// for the listings of the session ([`crate::ListingParser::with_system`]): ask it once
    /// on z/OS, whose PDS member lists may come without a header.
    pub fn system(&mut self) -> Result<String> {
        let r = self.control.expect(
            &Command::bare("SYST"),
            Phase::Command,
            expect::code(215),
            None,
        )?;
        // Kept as a hint for the listings that follow (z/OS member lists have no header).
        self.system = Some(r.text().to_string());
        Ok(r.text().to_string())
    }

    /// `PWD`: the current directory.
    pub fn pwd(&mut self) -> Result<RemotePath> {
        let r = self.control.expect(
            &Command::bare("PWD"),
            Phase::Command,
            expect::code(257),
            None,
        )?;
        parse_257(r.text())
            .map(RemotePath::from)
            .ok_or_else(|| Error::Protocol {
                phase: Phase::Command,
                detail: format!("cannot read a path in the PWD reply {r}"),
                last_reply: Some(r.clone()),
            })
    }

    /// `CWD path`.
    pub fn cwd(&mut self, path: impl Into<RemotePath>) -> Result<()> {
        self.simple(
            "CWD",
            &path.into(),
            expect::positive,
            Some(Hint::Note("check that the directory exists")),
        )
        .map(drop)
    }

    /// `CDUP`: to the parent directory.
    pub fn cdup(&mut self) -> Result<()> {
        self.control
            .expect(
                &Command::bare("CDUP"),
                Phase::Command,
                expect::positive,
                None,
            )
            .map(drop)
    }

    /// `MKD path`; returns the created directory's path as the server names it.
    pub fn mkdir(&mut self, path: impl Into<RemotePath>) -> Result<RemotePath> {
        let path = path.into();
        let r = self.simple(
            "MKD",
            &path,
            expect::positive,
            Some(Hint::Note(
                "the directory may exist already, or the parent may be missing",
            )),
        )?;
        Ok(parse_257(r.text()).map(RemotePath::from).unwrap_or(path))
    }

    /// `RMD path`.
    pub fn rmdir(&mut self, path: impl Into<RemotePath>) -> Result<()> {
        self.simple(
            "RMD",
            &path.into(),
            expect::positive,
            Some(Hint::Note("the directory must exist and be empty")),
        )
        .map(drop)
    }

    /// `DELE path`.
    pub fn delete(&mut self, path: impl Into<RemotePath>) -> Result<()> {
        self.simple(
            "DELE",
            &path.into(),
            expect::positive,
            Some(Hint::CheckPath),
        )
        .map(drop)
    }

    /// `RNFR from` then `RNTO to`.
    pub fn rename(&mut self, from: impl Into<RemotePath>, to: impl Into<RemotePath>) -> Result<()> {
        let rnto = Command::with_path("RNTO", &to.into())?;
        self.simple(
            "RNFR",
            &from.into(),
            expect::code(350),
            Some(Hint::Note("check that the source exists")),
        )?;
        self.control
            .expect(&rnto, Phase::Command, expect::positive, None)
            .map(drop)
    }

    /// `SIZE path`: the size in bytes (in the current transfer type; binary is exact).
    pub fn size(&mut self, path: impl Into<RemotePath>) -> Result<u64> {
        let r = self.simple("SIZE", &path.into(), expect::code(213), None)?;
        r.text().trim().parse().map_err(|_| Error::Protocol {
            phase: Phase::Command,
            detail: format!("cannot read a size in the SIZE reply {r}"),
            last_reply: Some(r.clone()),
        })
    }

    /// The size of `path` when the server can tell (`SIZE`), asked whatever `FEAT` said;
    /// `None` when the server does not implement it (500/502, remembered for the session)
    /// or will not say for this file.
    pub(super) fn size_if_known(&mut self, path: &RemotePath) -> Result<Option<u64>> {
        if self.size_unsupported {
            return Ok(None);
        }
        match self.size(path) {
            Ok(n) => Ok(Some(n)),
            Err(Error::Reply { reply, .. }) => {
                if matches!(reply.code(), 500 | 502) {
                    debug!("SIZE is not implemented here ({reply}); not asking again");
                    self.size_unsupported = true;
                }
                Ok(None)
            }
            Err(Error::Protocol { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `MDTM path`: the modification time (UTC).
    pub fn mdtm(&mut self, path: impl Into<RemotePath>) -> Result<SystemTime> {
        let r = self.simple("MDTM", &path.into(), expect::code(213), None)?;
        list::parse_mlsd_time(r.text().trim()).ok_or_else(|| Error::Protocol {
            phase: Phase::Command,
            detail: format!("cannot read a time in the MDTM reply {r}"),
            last_reply: Some(r.clone()),
        })
    }

    /// Sets the modification time of `path` on the server with `MFMT` (draft-somers-ftp-mfxx)
    /// when `FEAT` offers it, else with `MDTM` and a time when [`Config::mdtm_sets_time`] says
    /// the server understands that; `Ok(false)` when neither, and nothing is sent. The time
    /// is sent in UTC, to the second.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> ftpkit_core::Result<()> {
    /// let local = std::fs::metadata("report.csv").unwrap().modified().unwrap();
    /// if !ftp.set_modified("report.csv", local)? {
    ///     eprintln!("this server cannot set times");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn set_modified(&mut self, path: impl Into<RemotePath>, time: SystemTime) -> Result<bool> {
        let verb = if self.features.has("MFMT") {
            "MFMT"
        } else if self.config.mdtm_sets_time && self.features.has("MDTM") {
            "MDTM"
        } else {
            return Ok(false);
        };
        let stamp = mfmt_stamp(time).ok_or_else(|| Error::InvalidArgument {
            what: "time",
            detail: "before 1970 or after 9999, which MFMT cannot express".into(),
        })?;
        let path = path.into();
        let mut arg = stamp.into_bytes();
        arg.push(b' ');
        arg.extend_from_slice(path.as_bytes());
        self.simple(verb, &RemotePath::from(arg), expect::code(213), None)?;
        Ok(true)
    }

    /// The server's hash of a file, for verifying a transfer: `HASH` (with SHA-256 chosen
    /// when offered) or else `XSHA256`, `XSHA1`, `XMD5`, `XCRC`, whichever the server
    /// announces in `FEAT`. `None` when it offers none.
    pub fn remote_hash(&mut self, path: impl Into<RemotePath>) -> Result<Option<RemoteHash>> {
        let path = path.into();
        check_arg("path", path.as_bytes())?;
        if let Some(params) = self.features.params("HASH").map(str::to_string) {
            let offered: Vec<String> = params.split(';').map(|a| a.trim().to_string()).collect();
            let pick = ["SHA-256", "SHA-512", "SHA-1", "MD5", "CRC32"]
                .into_iter()
                .find_map(|want| {
                    offered
                        .iter()
                        .find(|o| o.trim_end_matches('*').eq_ignore_ascii_case(want))
                        .map(|o| (want, o.ends_with('*')))
                });
            if let Some((algo, selected)) = pick {
                if !selected {
                    self.control.expect(
                        &Command::bare(&format!("OPTS HASH {algo}")),
                        Phase::Command,
                        expect::code(200),
                        None,
                    )?;
                }
                let r = self.simple("HASH", &path, expect::code(213), None)?;
                return hash::parse_hash_reply(&r).map(Some);
            }
        }
        for (cmd, algo) in [
            ("XSHA256", HashAlgorithm::Sha256),
            ("XSHA1", HashAlgorithm::Sha1),
            ("XMD5", HashAlgorithm::Md5),
            ("XCRC", HashAlgorithm::Crc32),
        ] {
            if self.features.has(cmd) {
                let r = self.simple(cmd, &path, expect::positive, None)?;
                return hash::parse_x_reply(cmd, algo, &r).map(Some);
            }
        }
        Ok(None)
    }

    /// `TYPE A` or `TYPE I`.
    pub fn transfer_type(&mut self, t: TransferType) -> Result<()> {
        let cmd = match t {
            TransferType::Ascii => "TYPE A",
            TransferType::Binary => "TYPE I",
        };
        self.control
            .expect(&Command::bare(cmd), Phase::Command, expect::positive, None)?;
        self.transfer_type = Some(t);
        Ok(())
    }

    /// `NOOP`: keeps the session alive and checks it still answers.
    pub fn noop(&mut self) -> Result<()> {
        self.control
            .expect(
                &Command::bare("NOOP"),
                Phase::Command,
                expect::positive,
                None,
            )
            .map(drop)
    }

    /// `STAT path` (a listing over the control connection), or with an empty path `STAT`
    /// alone (the server's status).
    pub fn stat(&mut self, path: impl Into<RemotePath>) -> Result<Reply> {
        let cmd = Command::with_optional_path("STAT", &path.into())?;
        self.control
            .expect(&cmd, Phase::Command, |c| (211..=213).contains(&c), None)
    }

    /// `SITE args`: server-specific commands (e.g. `CHMOD 644 file`).
    pub fn site(&mut self, args: &str) -> Result<Reply> {
        let cmd = Command::with_arg("SITE", "SITE argument", args)?;
        self.control
            .expect(&cmd, Phase::Command, expect::positive, None)
    }

    /// Sends any command line and returns the reply, whatever its code. Commands that open
    /// a data connection are not supported here; use the transfer methods.
    pub fn raw(&mut self, line: &str) -> Result<Reply> {
        let cmd = Command::raw(line)?;
        const DATA: [&str; 9] = [
            "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD", "PASV", "EPSV",
        ];
        if DATA.iter().any(|d| cmd.verb().eq_ignore_ascii_case(d)) {
            return Err(Error::InvalidArgument {
                what: "raw command",
                detail: format!(
                    "{} opens or needs a data connection, which raw() does not manage; use the transfer and listing methods",
                    cmd.verb()
                ),
            });
        }
        self.control.execute(&cmd, Phase::Command)
    }
}

/// Reads the quoted path of a `257` reply: `"/a ""quoted"" dir" created`.
/// `YYYYMMDDHHMMSS` in UTC.
fn mfmt_stamp(t: SystemTime) -> Option<String> {
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    let dt = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()?;
    if dt.year() > 9999 {
        return None;
    }
    Some(format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    ))
}

fn parse_257(text: &str) -> Option<String> {
    let start = text.find('"')?;
    let mut out = String::new();
    let mut chars = text[start + 1..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                out.push('"');
            } else {
                return Some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pwd_paths() {
        assert_eq!(
            parse_257("\"/home/ftp\" is the current directory").as_deref(),
            Some("/home/ftp")
        );
        assert_eq!(
            parse_257("\"/a \"\"b\"\" c\" created").as_deref(),
            Some("/a \"b\" c")
        );
        assert_eq!(parse_257("\"/unterminated"), None);
        assert_eq!(parse_257("no quotes"), None);
    }

    #[test]
    fn mfmt_stamps_are_utc_seconds() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_709_200_800);
        assert_eq!(mfmt_stamp(t).as_deref(), Some("20240229100000"));
        let before = std::time::UNIX_EPOCH - std::time::Duration::from_secs(1);
        assert_eq!(mfmt_stamp(before), None);
    }
}
