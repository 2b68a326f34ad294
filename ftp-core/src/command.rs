//! Command lines: building them, refusing arguments that could smuggle a second command,
//! and the form that may be logged (passwords masked).

use crate::error::{Error, Result};

/// One command line, ready to send.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Command {
    line: String,
    secret: bool,
}

impl Command {
    /// A command with no argument.
    pub(crate) fn bare(verb: &str) -> Command {
        Command {
            line: verb.to_string(),
            secret: false,
        }
    }

    /// A command with one argument, refused when the argument contains CR, LF or NUL: a
    /// line break would end the command early and let the rest be read as a second one.
    pub(crate) fn with_arg(verb: &str, what: &'static str, arg: &str) -> Result<Command> {
        check_arg(what, arg)?;
        Ok(Command {
            line: format!("{verb} {arg}"),
            secret: false,
        })
    }

    /// A raw command line given by the caller; the same CR/LF/NUL rule applies.
    pub(crate) fn raw(line: &str) -> Result<Command> {
        check_arg("raw command", line)?;
        let verb = first_word(line);
        Ok(Command {
            line: line.to_string(),
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
        v.extend_from_slice(self.line.as_bytes());
        v.extend_from_slice(b"\r\n");
        v
    }

    /// The form that may be logged or shown: `PASS ****` for secrets.
    pub(crate) fn display(&self) -> String {
        if self.secret {
            let verb = first_word(&self.line);
            format!("{verb} ****")
        } else {
            self.line.clone()
        }
    }

    /// The verb alone (`RETR`, `PASS`, …).
    pub(crate) fn verb(&self) -> &str {
        first_word(&self.line)
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
pub(crate) fn check_arg(what: &'static str, arg: &str) -> Result<()> {
    if let Some(c) = arg.chars().find(|c| matches!(c, '\r' | '\n' | '\0')) {
        let name = match c {
            '\r' => "a carriage return (CR)",
            '\n' => "a line feed (LF)",
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
