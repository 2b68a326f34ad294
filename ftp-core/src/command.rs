//! Command lines: building them, refusing arguments that could smuggle a second command,
//! and the form that may be logged (passwords masked).

use crate::error::{Error, Result};
use crate::path::RemotePath;

/// One command line, ready to send. Bytes, not text: a remote path is sent exactly as the
/// server named it, whatever its encoding.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Command {
    line: Vec<u8>,
    secret: bool,
}

impl Command {
    /// A command with no argument.
    pub(crate) fn bare(verb: &str) -> Command {
        Command {
            line: verb.as_bytes().to_vec(),
            secret: false,
        }
    }

    /// A command with one argument, refused when the argument contains CR, LF or NUL: a
    /// line break would end the command early and let the rest be read as a second one.
    pub(crate) fn with_arg(verb: &str, what: &'static str, arg: &str) -> Result<Command> {
        Command::with_bytes(verb, what, arg.as_bytes())
    }

    /// A command whose argument is a remote path, sent byte for byte.
    pub(crate) fn with_path(verb: &str, path: &RemotePath) -> Result<Command> {
        Command::with_bytes(verb, "path", path.as_bytes())
    }

    /// `verb path`, or `verb` alone when `path` is empty (the current directory).
    pub(crate) fn with_optional_path(verb: &str, path: &RemotePath) -> Result<Command> {
        if path.is_empty() {
            Ok(Command::bare(verb))
        } else {
            Command::with_path(verb, path)
        }
    }

    fn with_bytes(verb: &str, what: &'static str, arg: &[u8]) -> Result<Command> {
        check_arg(what, arg)?;
        let mut line = Vec::with_capacity(verb.len() + 1 + arg.len());
        line.extend_from_slice(verb.as_bytes());
        line.push(b' ');
        line.extend_from_slice(arg);
        Ok(Command {
            line,
            secret: false,
        })
    }

    /// A raw command line given by the caller; the same CR/LF/NUL rule applies.
    pub(crate) fn raw(line: &str) -> Result<Command> {
        check_arg("raw command", line.as_bytes())?;
        let verb = first_word(line);
        Ok(Command {
            line: line.as_bytes().to_vec(),
            secret: is_secret_verb(verb),
        })
    }

    /// Marks the argument as secret: it is masked in logs and error messages.
    pub(crate) fn secret(mut self) -> Command {
        self.secret = true;
        self
    }

    /// The bytes to send, with the CRLF terminator.
    pub(crate) fn wire(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.line.len() + 2);
        v.extend_from_slice(&self.line);
        v.extend_from_slice(b"\r\n");
        v
    }

    /// The form that may be logged or shown: `PASS ****` for secrets.
    pub(crate) fn display(&self) -> String {
        if self.secret {
            format!("{} ****", self.verb())
        } else {
            String::from_utf8_lossy(&self.line).into_owned()
        }
    }

    /// The verb alone (`RETR`, `PASS`, …): the first word, whatever white space surrounds
    /// it. Verbs are ASCII; a first word that is not UTF-8 is shown as empty.
    pub(crate) fn verb(&self) -> &str {
        let start = self
            .line
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(self.line.len());
        let rest = &self.line[start..];
        let len = rest
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(rest.len());
        std::str::from_utf8(&rest[..len]).unwrap_or("")
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

/// The verb: the first word, whatever white space surrounds it (so that `" PASS x"` or
/// `"PASS\tx"` is still recognised as a password).
fn first_word(line: &str) -> &str {
    line.split_ascii_whitespace().next().unwrap_or("")
}

fn is_secret_verb(verb: &str) -> bool {
    verb.eq_ignore_ascii_case("PASS") || verb.eq_ignore_ascii_case("ACCT")
}

/// Refuses an argument that contains CR, LF or NUL.
pub(crate) fn check_arg(what: &'static str, arg: &[u8]) -> Result<()> {
    if let Some(c) = arg.iter().find(|c| matches!(c, b'\r' | b'\n' | b'\0')) {
        let name = match c {
            b'\r' => "a carriage return (CR)",
            b'\n' => "a line feed (LF)",
            _ => "a NUL byte",
        };
        return Err(Error::InvalidArgument {
            what,
            detail: format!("contains {name}, which would end the command early"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_line_breaks_and_nul() {
        for bad in ["a\r\nDELE x", "a\nb", "a\rb", "a\0b"] {
            let e = Command::with_arg("CWD", "path", bad).unwrap_err();
            assert!(
                matches!(e, Error::InvalidArgument { what: "path", .. }),
                "{bad:?}"
            );
        }
        assert!(Command::raw("NOOP\r\nDELE x").is_err());
        let bad = RemotePath::from(b"caf\xe9\nDELE x".to_vec());
        assert!(Command::with_path("RETR", &bad).is_err());
    }

    #[test]
    fn paths_go_out_byte_for_byte() {
        let p = RemotePath::from(b"caf\xe9.txt".to_vec());
        let c = Command::with_path("RETR", &p).unwrap();
        assert_eq!(c.wire(), b"RETR caf\xe9.txt\r\n");
        assert_eq!(c.verb(), "RETR");
        assert_eq!(c.display(), "RETR caf\u{fffd}.txt");
    }

    #[test]
    fn wire_and_display() {
        let c = Command::with_arg("RETR", "path", "a b.txt").unwrap();
        assert_eq!(c.wire(), b"RETR a b.txt\r\n");
        assert_eq!(c.display(), "RETR a b.txt");
        assert_eq!(c.verb(), "RETR");
    }

    #[test]
    fn secrets_are_masked() {
        let c = Command::with_arg("PASS", "password", "hunter2")
            .unwrap()
            .secret();
        assert_eq!(c.display(), "PASS ****");
        assert_eq!(format!("{c:?}"), "PASS ****");
        assert_eq!(c.wire(), b"PASS hunter2\r\n");
        let raw = Command::raw("pass hunter2").unwrap();
        assert_eq!(raw.display(), "pass ****");
        for odd in [" PASS hunter2", "PASS\thunter2", "acct\t hunter2"] {
            let c = Command::raw(odd).unwrap();
            assert!(!c.display().contains("hunter2"), "{odd:?}: {}", c.display());
        }
    }
}
