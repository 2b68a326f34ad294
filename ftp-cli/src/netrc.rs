//! `~/.netrc`: `machine NAME login USER password PASS`, a `default` entry for any other
//! host, `account` (read and ignored: ftpc cannot send ACCT) and `macdef NAME` (its body,
//! up to the next empty line, skipped). Tokens are separated by any white space, may be
//! quoted ("a b", with \" \\ \n \r \t escapes, as curl reads them), and a `#` where a
//! keyword is expected starts a comment up to the end of the line. Unknown keywords are
//! skipped. Nothing in the file can make the parser panic; it only ever yields entries.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Files larger than this are not netrc files: refused rather than read whole.
const MAX_LEN: u64 = 1 << 20;

/// One `machine` (or `default`) entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Entry {
    /// The host name; `None` for `default`.
    pub(crate) machine: Option<String>,
    pub(crate) login: Option<String>,
    pub(crate) password: Option<String>,
}

/// A parsed netrc file.
#[derive(Debug, Default)]
pub(crate) struct Netrc {
    pub(crate) entries: Vec<Entry>,
    /// True when any entry has a password (what makes a readable file a problem).
    pub(crate) has_password: bool,
}

struct Tokens<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn skip_space(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// The next token, unquoted; `None` at the end.
    fn next(&mut self) -> Option<String> {
        self.skip_space();
        let first = *self.s.get(self.pos)?;
        let mut out = Vec::new();
        if first == b'"' {
            self.pos += 1;
            while let Some(&b) = self.s.get(self.pos) {
                self.pos += 1;
                match b {
                    b'"' => break,
                    b'\\' => {
                        let Some(&e) = self.s.get(self.pos) else {
                            break;
                        };
                        self.pos += 1;
                        out.push(match e {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            other => other,
                        });
                    }
                    other => out.push(other),
                }
            }
        } else {
            while let Some(&b) = self.s.get(self.pos) {
                if b.is_ascii_whitespace() {
                    break;
                }
                out.push(b);
                self.pos += 1;
            }
        }
        Some(String::from_utf8_lossy(&out).into_owned())
    }

    /// Skips to just after the end of the current line.
    fn skip_line(&mut self) {
        while let Some(&b) = self.s.get(self.pos) {
            self.pos += 1;
            if b == b'\n' {
                return;
            }
        }
    }

    /// Skips a macdef body: every line up to and including the first empty (or blank) one.
    fn skip_macro_body(&mut self) {
        self.skip_line();
        while self.pos < self.s.len() {
            let start = self.pos;
            self.skip_line();
            if self.s[start..self.pos].iter().all(u8::is_ascii_whitespace) {
                return;
            }
        }
    }

    /// True when the next token starts with `#` (a comment where a keyword is expected).
    fn at_comment(&mut self) -> bool {
        self.skip_space();
        self.s.get(self.pos) == Some(&b'#')
    }
}

/// Parses netrc text. Never fails: what it cannot read it skips.
pub(crate) fn parse(text: &[u8]) -> Netrc {
    let mut t = Tokens { s: text, pos: 0 };
    let mut netrc = Netrc::default();
    let mut current: Option<Entry> = None;
    loop {
        if t.at_comment() {
            t.skip_line();
            continue;
        }
        let Some(word) = t.next() else { break };
        match word.as_str() {
            "machine" | "default" => {
                if let Some(e) = current.take() {
                    netrc.entries.push(e);
                }
                let machine = if word == "machine" {
                    match t.next() {
                        Some(m) => Some(m),
                        None => break,
                    }
                } else {
                    None
                };
                current = Some(Entry {
                    machine,
                    ..Entry::default()
                });
            }
            "login" | "password" | "account" => {
                let value = t.next();
                if let (Some(e), Some(v)) = (current.as_mut(), value) {
                    match word.as_str() {
                        "login" => e.login = Some(v),
                        "password" => {
                            netrc.has_password = true;
                            e.password = Some(v);
                        }
                        // ACCT is not something ftpc sends.
                        _ => {}
                    }
                }
            }
            "macdef" => {
                let _name = t.next();
                t.skip_macro_body();
            }
            // An unknown keyword (or a stray value): skipped, as ftp(1) and curl do.
            _ => {}
        }
    }
    if let Some(e) = current.take() {
        netrc.entries.push(e);
    }
    netrc
}

impl Netrc {
    /// The entry for `host` (case-insensitively) whose login is `user` (or that names no
    /// login), else the `default` entry on the same terms.
    pub(crate) fn find(&self, host: &str, user: Option<&str>) -> Option<&Entry> {
        let fits = |e: &&Entry| match (user, e.login.as_deref()) {
            (Some(u), Some(l)) => u == l,
            _ => true,
        };
        self.entries
            .iter()
            .filter(|e| {
                e.machine
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(host))
            })
            .find(fits)
            .or_else(|| {
                self.entries
                    .iter()
                    .filter(|e| e.machine.is_none())
                    .find(fits)
            })
    }
}

/// `~/.netrc` (`$HOME/.netrc`), when HOME is set.
pub(crate) fn default_path() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".netrc"))
}

/// Reads and parses a netrc file. `Ok(None)`: it does not exist. Warns on stderr (as
/// ftp(1) does) when it holds a password and others than its owner may read it.
pub(crate) fn load(path: &Path) -> std::io::Result<Option<Netrc>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if meta.len() > MAX_LEN {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_LEN} bytes: not a netrc file"),
        ));
    }
    let mut text = Vec::new();
    file.take(MAX_LEN).read_to_end(&mut text)?;
    let netrc = parse(&text);
    // Once per command, however many sessions it opens.
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if netrc.has_password
        && readable_by_others(&meta)
        && !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        eprintln!(
            "ftpc: warning: {} holds a password and others than you may read it: chmod 600 {}",
            path.display(),
            path.display()
        );
    }
    Ok(Some(netrc))
}

#[cfg(unix)]
fn readable_by_others(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o077 != 0
}

#[cfg(not(unix))]
fn readable_by_others(_: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(m: Option<&str>, l: Option<&str>, p: Option<&str>) -> Entry {
        Entry {
            machine: m.map(Into::into),
            login: l.map(Into::into),
            password: p.map(Into::into),
        }
    }

    #[test]
    fn machines_default_and_any_white_space() {
        let n = parse(
            b"machine a.example login bob password s3cret\n\
              machine\tb.example\n  login\talice\r\n password \"two words\"\n\
              default login anonymous password me@",
        );
        assert_eq!(
            n.entries,
            vec![
                entry(Some("a.example"), Some("bob"), Some("s3cret")),
                entry(Some("b.example"), Some("alice"), Some("two words")),
                entry(None, Some("anonymous"), Some("me@")),
            ]
        );
        assert!(n.has_password);
        assert_eq!(
            n.find("A.EXAMPLE", None).unwrap().login.as_deref(),
            Some("bob")
        );
        assert_eq!(
            n.find("b.example", Some("alice"))
                .unwrap()
                .password
                .as_deref(),
            Some("two words")
        );
        // Another user on b.example: not b's entry; the default's login is not theirs either.
        assert_eq!(n.find("b.example", Some("carol")), None);
        assert_eq!(
            n.find("elsewhere", None).unwrap().login.as_deref(),
            Some("anonymous")
        );
    }

    #[test]
    fn the_right_login_among_several_entries_for_one_host() {
        let n = parse(b"machine h login a password pa machine h login b password pb");
        assert_eq!(
            n.find("h", Some("b")).unwrap().password.as_deref(),
            Some("pb")
        );
        assert_eq!(n.find("h", None).unwrap().password.as_deref(), Some("pa"));
    }

    #[test]
    fn account_and_macdef_are_skipped() {
        let n = parse(
            b"machine h login u account acct-secret password p\n\
              macdef init\n\
              machine evil login x password y\n\
              cd /tmp\n\
              \n\
              machine g login v password w\n",
        );
        assert_eq!(
            n.entries,
            vec![
                entry(Some("h"), Some("u"), Some("p")),
                entry(Some("g"), Some("v"), Some("w")),
            ]
        );
    }

    #[test]
    fn quoted_tokens_and_escapes() {
        let n = parse(br#"machine "my host" login "a\"b" password "x\\y\tz\n" "#);
        assert_eq!(
            n.entries,
            vec![entry(Some("my host"), Some("a\"b"), Some("x\\y\tz\n"))]
        );
        // An unterminated quote ends with the file.
        let n = parse(br#"machine h password "open"#);
        assert_eq!(n.entries[0].password.as_deref(), Some("open"));
    }

    #[test]
    fn comments_where_a_keyword_is_expected_only() {
        let n = parse(b"# my hosts\nmachine h login u password #notacomment\n#machine x\n");
        assert_eq!(
            n.entries,
            vec![entry(Some("h"), Some("u"), Some("#notacomment"))]
        );
    }

    #[test]
    fn no_password_no_flag() {
        let n = parse(b"machine h login u");
        assert!(!n.has_password);
        assert_eq!(n.find("h", Some("u")).unwrap().password, None);
    }

    #[test]
    fn hostile_input_never_panics() {
        let cases: [&[u8]; 12] = [
            b"",
            b"machine",
            b"login",
            b"password p",
            b"machine h login",
            b"\"",
            b"\"\\",
            b"macdef",
            b"macdef m",
            b"machine h macdef m\nline",
            b"\xff\xfe machine \xff login \x00 password \"\xc3",
            b"default default machine machine login login password password",
        ];
        for c in cases {
            let _ = parse(c).find("h", Some("u"));
        }
        // Every prefix of a file with every feature, and bytes of every value.
        let full: &[u8] = b"# c\nmachine \"h x\" login u account a password \"p\\\"q\"\nmacdef m\nx\n\ndefault login d password e\n";
        for i in 0..=full.len() {
            let _ = parse(&full[..i]).find("h x", None);
        }
        let all: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        let _ = parse(&all);
        // Long runs: linear, no recursion.
        let _ = parse(&b"machine ".repeat(100_000));
        let _ = parse(&b"\"".repeat(100_000));
    }

    #[test]
    fn missing_file_is_none_and_a_readable_one_loads() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(&dir.path().join("nope")).unwrap().is_none());
        let p = dir.path().join("netrc");
        std::fs::write(&p, "machine h login u password p").unwrap();
        let n = load(&p).unwrap().unwrap();
        assert_eq!(n.entries.len(), 1);
    }
}
