//! Server replies (RFC 959 §4.2): a three-digit code and one or more lines of text.
//!
//! A multi-line reply starts with `ddd-` and ends at the first line that starts with the
//! same code followed by a space (or the bare code). Lines in between may start with
//! anything, digits included, so they are matched on the full `ddd ` prefix only.

use std::fmt;
use std::sync::Arc;

/// A complete reply from the server.
///
/// ```
/// use ftpkit_core::Reply;
/// let r = Reply::new(226, vec!["226 Transfer complete.".into()]);
/// assert!(r.is_positive_completion());
/// assert_eq!(r.text(), "Transfer complete.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    code: u16,
    // Shared: a reply is kept as the session's last reply and copied into errors, and a
    // long multi-line reply must not be duplicated each time.
    lines: Arc<[String]>,
}

impl Reply {
    /// Builds a reply from its code and its raw lines (without line endings).
    pub fn new(code: u16, lines: Vec<String>) -> Reply {
        Reply {
            code,
            lines: lines.into(),
        }
    }

    /// The three-digit reply code, as sent (unknown codes are kept, never mapped to 0).
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The raw lines as received, code prefixes included.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The text of the first line, after the code and separator.
    pub fn text(&self) -> &str {
        self.lines.first().map(|l| strip_code(l)).unwrap_or("")
    }

    /// The text of every line joined with `\n`, code prefixes removed from the first and
    /// last lines (and from inner lines that carry the same code).
    pub fn full_text(&self) -> String {
        self.line_texts().collect::<Vec<_>>().join("\n")
    }

    /// Each line's text: the code and its separator removed from the lines that carry
    /// this reply's code (the first and last, and inner lines some servers mark too).
    pub(crate) fn line_texts(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(|l| {
            let b = l.as_bytes();
            if line_code(b) == Some(self.code) && matches!(b.get(3), None | Some(b' ' | b'-')) {
                strip_code(l)
            } else {
                l.as_str()
            }
        })
    }

    /// `1yz`: positive preliminary (a data transfer is starting).
    pub fn is_preliminary(&self) -> bool {
        self.code / 100 == 1
    }
    /// `2yz`: positive completion.
    pub fn is_positive_completion(&self) -> bool {
        self.code / 100 == 2
    }
    /// `3yz`: positive intermediate (more is needed, e.g. a password).
    pub fn is_intermediate(&self) -> bool {
        self.code / 100 == 3
    }
    /// `4yz`: transient failure; trying again later may work.
    pub fn is_transient_failure(&self) -> bool {
        self.code / 100 == 4
    }
    /// `5yz`: permanent failure.
    pub fn is_permanent_failure(&self) -> bool {
        self.code / 100 == 5
    }
}

impl fmt::Display for Reply {
    /// The whole reply on one line, inner lines separated by ` | `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lines.is_empty() {
            return write!(f, "{:03}", self.code);
        }
        let mut first = true;
        for l in self.lines.iter() {
            if !first {
                f.write_str(" | ")?;
            }
            first = false;
            f.write_str(l.trim_end())?;
        }
        Ok(())
    }
}

fn strip_code(line: &str) -> &str {
    // "ddd text", "ddd-text" or bare "ddd".
    match line.get(3..) {
        Some(rest) => rest.strip_prefix([' ', '-']).unwrap_or(rest),
        None => "",
    }
}

/// Named reply predicates for the commands' expectations: `Control::expect(cmd, phase,
/// expect::positive, …)` reads better than a dozen `|c| c / 100 == 2` closures.
pub(crate) mod expect {
    /// Any `2yz` reply.
    pub(crate) fn positive(code: u16) -> bool {
        code / 100 == 2
    }

    /// Exactly `want`.
    pub(crate) fn code(want: u16) -> impl Fn(u16) -> bool {
        move |code| code == want
    }
}

/// Reads the reply code of a line: three ASCII digits, the first in 1..=5.
pub(crate) fn line_code(line: &[u8]) -> Option<u16> {
    if line.len() < 3 {
        return None;
    }
    let d = &line[..3];
    if !d.iter().all(u8::is_ascii_digit) || !(b'1'..=b'5').contains(&d[0]) {
        return None;
    }
    Some(u16::from(d[0] - b'0') * 100 + u16::from(d[1] - b'0') * 10 + u16::from(d[2] - b'0'))
}

/// Why a sequence of lines is not a valid reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReplyParseError {
    /// The first line does not start with a reply code.
    BadFirstLine(String),
    /// The reply grew past the configured size limit.
    TooLong(usize),
    /// The reply has more lines than the configured limit.
    TooManyLines(usize),
}

/// What one stored line costs beyond its text: the `String` itself and the allocator's
/// bookkeeping. Counted so that a reply of a million one-byte lines hits the size limit
/// long before it costs a hundred times that limit in memory.
pub(crate) const LINE_OVERHEAD: usize = std::mem::size_of::<String>() + 16;

/// Assembles a reply from lines, one at a time.
///
/// Kept separate from the socket so that it can be tested (and fuzzed) on plain bytes.
#[derive(Debug)]
pub(crate) struct ReplyParser {
    max_reply_len: usize,
    max_lines: usize,
    code: Option<u16>,
    lines: Vec<String>,
    len: usize,
}

impl ReplyParser {
    pub(crate) fn new(max_reply_len: usize) -> ReplyParser {
        ReplyParser {
            max_reply_len,
            max_lines: usize::MAX,
            code: None,
            lines: Vec::new(),
            len: 0,
        }
    }

    /// Also refuses replies of more than `n` lines.
    pub(crate) fn max_lines(mut self, n: usize) -> ReplyParser {
        self.max_lines = n.max(1);
        self
    }

    /// Feeds one line (without its line ending). Returns the reply once it is complete.
    pub(crate) fn feed(&mut self, line: &[u8]) -> Result<Option<Reply>, ReplyParseError> {
        let text = String::from_utf8_lossy(line).into_owned();
        // Counted after decoding (each invalid byte becomes a 3-byte U+FFFD) and with the
        // cost of storing the line: the limit is about the memory kept.
        self.len += text.len() + LINE_OVERHEAD;
        if self.len > self.max_reply_len {
            return Err(ReplyParseError::TooLong(self.max_reply_len));
        }
        if self.lines.len() >= self.max_lines {
            return Err(ReplyParseError::TooManyLines(self.max_lines));
        }
        match self.code {
            None => {
                let code = line_code(line)
                    .ok_or_else(|| ReplyParseError::BadFirstLine(truncate_for_display(&text)))?;
                let multi = line.get(3) == Some(&b'-');
                self.lines.push(text);
                if multi {
                    self.code = Some(code);
                    Ok(None)
                } else {
                    Ok(Some(self.take(code)))
                }
            }
            Some(code) => {
                // The last line: the same code followed by a space, or the bare code.
                let ends =
                    line_code(line) == Some(code) && matches!(line.get(3), None | Some(b' '));
                self.lines.push(text);
                if ends {
                    Ok(Some(self.take(code)))
                } else {
                    Ok(None)
                }
            }
        }
    }

    fn take(&mut self, code: u16) -> Reply {
        self.code = None;
        self.len = 0;
        Reply::new(code, std::mem::take(&mut self.lines))
    }
}

/// Cuts text that came from a server to a length fit for an error message.
pub(crate) fn truncate_for_display(s: &str) -> String {
    const MAX: usize = 120;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(lines: &[&str]) -> Result<Vec<Reply>, ReplyParseError> {
        let mut p = ReplyParser::new(1 << 20);
        let mut out = Vec::new();
        for l in lines {
            if let Some(r) = p.feed(l.as_bytes())? {
                out.push(r);
            }
        }
        Ok(out)
    }

    #[test]
    fn single_line() {
        let r = parse_all(&["220 Welcome"]).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code(), 220);
        assert_eq!(r[0].text(), "Welcome");
    }

    #[test]
    fn bare_code() {
        let r = parse_all(&["220"]).unwrap();
        assert_eq!(r[0].code(), 220);
        assert_eq!(r[0].text(), "");
    }

    #[test]
    fn multi_line_with_digit_lines_inside() {
        let r = parse_all(&[
            "211-Features:",
            " MLST type*;size*;",
            "123 this line starts with digits",
            "211-still going",
            "211x not the end either",
            "211 End",
        ])
        .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code(), 211);
        assert_eq!(r[0].lines().len(), 6);
        assert_eq!(
            r[0].full_text(),
            "Features:\n MLST type*;size*;\n123 this line starts with digits\nstill going\n211x not the end either\nEnd"
        );
    }

    #[test]
    fn two_replies_in_a_row() {
        let r = parse_all(&["150 Opening", "226 Done"]).unwrap();
        assert_eq!(
            r.iter().map(Reply::code).collect::<Vec<_>>(),
            vec![150, 226]
        );
    }

    #[test]
    fn unknown_code_is_kept() {
        let r = parse_all(&["599 weird"]).unwrap();
        assert_eq!(r[0].code(), 599);
    }

    #[test]
    fn garbage_first_line() {
        assert!(matches!(
            parse_all(&["hello"]),
            Err(ReplyParseError::BadFirstLine(_))
        ));
        assert!(matches!(
            parse_all(&["620 code out of range"]),
            Err(ReplyParseError::BadFirstLine(_))
        ));
        assert!(matches!(
            parse_all(&["22"]),
            Err(ReplyParseError::BadFirstLine(_))
        ));
    }

    #[test]
    fn too_long() {
        let mut p = ReplyParser::new(100);
        assert_eq!(p.feed(b"211-start").unwrap(), None);
        let mut failed = false;
        for _ in 0..20 {
            if p.feed(b" a feature line").is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed);
    }

    #[test]
    fn non_utf8_is_lossy_not_a_panic() {
        let mut p = ReplyParser::new(1 << 20);
        let r = p.feed(b"550 \xff\xfe bad name").unwrap().unwrap();
        assert_eq!(r.code(), 550);
        assert!(r.text().contains("bad name"));
    }

    #[test]
    fn display_joins_lines() {
        let r = Reply::new(211, vec!["211-a".into(), " b".into(), "211 c".into()]);
        assert_eq!(r.to_string(), "211-a |  b | 211 c");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = "é".repeat(200);
        let t = truncate_for_display(&s);
        assert!(t.ends_with("(400 bytes)"));
    }
}
