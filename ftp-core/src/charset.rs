//! File names in any charset: listing lines are read as bytes, and the names parsed out of
//! them are the server's bytes again, so that a name listed can be sent back unchanged.
//!
//! The parsers work on text. A line that is valid UTF-8 (nearly every server today) is
//! parsed as it is. A line that is not, from a server that names files in Latin-1, CP1251
//! or Shift-JIS without saying so, is parsed with each byte above 0x7F standing for itself
//! (a private-use character per byte): the structure of a listing is ASCII, so the parse is
//! the same, and the name maps back to exactly the bytes the server sent. With a
//! [`Charset`] set ([`crate::Config::charset`]), lines are decoded from it, so names display
//! right, and encoded back to it, which gives the same bytes.

use std::borrow::Cow;
use std::fmt;

use crate::list::ListEntry;
use crate::path::RemotePath;

/// A legacy charset for servers that do not use UTF-8 (`latin1`, `cp1251`, `shift_jis`,
/// `koi8-r`, …: any WHATWG encoding label), backed by `encoding_rs`.
///
/// ```
/// use ftpkit_core::Charset;
/// let latin1 = Charset::for_label("latin1").unwrap();
/// assert_eq!(latin1.decode(b"caf\xe9"), "café");
/// assert_eq!(latin1.encode("café").unwrap(), b"caf\xe9");
/// assert!(latin1.encode("日本").is_err()); // not representable: refused, not replaced
/// assert!(Charset::for_label("klingon").is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Charset(&'static encoding_rs::Encoding);

impl Charset {
    /// The charset for a label such as `latin1`, `iso-8859-1`, `cp1251`, `windows-1251`,
    /// `shift_jis`, `gbk`, `koi8-r` (any case); `None` for an unknown one.
    pub fn for_label(label: &str) -> Option<Charset> {
        encoding_rs::Encoding::for_label(label.trim().as_bytes()).map(Charset)
    }

    /// Its canonical name (`windows-1252` for `latin1`: WHATWG maps Latin-1 to its
    /// superset).
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Text from the server's bytes (never fails: single-byte charsets map every byte).
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        self.0.decode_without_bom_handling(bytes).0
    }

    /// The server's bytes for `text`; `Err` with the text when a character has no
    /// encoding in this charset (nothing is replaced silently).
    pub fn encode(&self, text: &str) -> Result<Vec<u8>, String> {
        let (bytes, _, unmappable) = self.0.encode(text);
        match unmappable {
            false => Ok(bytes.into_owned()),
            true => Err(format!(
                "{text:?} cannot be written in {}: it has characters that charset lacks",
                self.name()
            )),
        }
    }

    /// A path typed as text, in this charset's bytes.
    pub fn path(&self, text: &str) -> Result<RemotePath, String> {
        self.encode(text).map(RemotePath::new)
    }
}

impl fmt::Debug for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Charset({})", self.name())
    }
}

/// How a listing line became text, so that names can become bytes again.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LineText {
    Utf8,
    /// Each byte above 0x7F stands for itself as `ESCAPE_BASE + byte`.
    Escaped,
    Decoded(Charset),
}

/// Private-use characters U+F780..=U+F7FF stand for the bytes 0x80..=0xFF of a line that
/// is not UTF-8.
const ESCAPE_BASE: u32 = 0xF700;

/// A listing line as text for the parsers, and how to get its bytes back.
pub(crate) fn line_text(line: &[u8], charset: Option<Charset>) -> (Cow<'_, str>, LineText) {
    if let Some(cs) = charset {
        // A round trip that gives other bytes (a multi-byte charset and a line that is not
        // valid in it) would send wrong names back: escape such a line instead.
        let text = cs.decode(line);
        if cs.encode(&text).as_deref() == Ok(line) {
            return (text, LineText::Decoded(cs));
        }
    } else if let Ok(s) = std::str::from_utf8(line) {
        return (Cow::Borrowed(s), LineText::Utf8);
    }
    let escaped = line
        .iter()
        .map(|&b| match b {
            0..=0x7F => b as char,
            _ => char::from_u32(ESCAPE_BASE + u32::from(b)).unwrap_or('\u{fffd}'),
        })
        .collect();
    (Cow::Owned(escaped), LineText::Escaped)
}

/// The server's bytes for a name parsed out of a line made by [`line_text`].
fn wire_bytes(name: &RemotePath, how: LineText) -> RemotePath {
    let Some(text) = name.to_str() else {
        return name.clone();
    };
    match how {
        LineText::Utf8 => name.clone(),
        LineText::Decoded(cs) => cs.path(text).unwrap_or_else(|_| name.clone()),
        LineText::Escaped => RemotePath::new(
            text.chars()
                .flat_map(|c| {
                    let u = c as u32;
                    match u.checked_sub(ESCAPE_BASE) {
                        Some(b @ 0x80..=0xFF) => vec![b as u8],
                        _ => c.to_string().into_bytes(),
                    }
                })
                .collect::<Vec<u8>>(),
        ),
    }
}

/// Gives a parsed entry the server's bytes back (its name, its link target) and, for a line
/// that was escaped, a readable raw line.
pub(crate) fn restore(mut entry: ListEntry, line: &[u8], how: LineText) -> ListEntry {
    if matches!(how, LineText::Utf8) {
        return entry;
    }
    entry.name = wire_bytes(&entry.name, how);
    entry.link_target = entry.link_target.map(|t| wire_bytes(&t, how));
    if matches!(how, LineText::Escaped) {
        entry.raw = String::from_utf8_lossy(line).into_owned();
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::parse_list_line;
    use std::time::SystemTime;

    fn parse(line: &[u8], cs: Option<Charset>) -> ListEntry {
        let (text, how) = line_text(line, cs);
        restore(
            parse_list_line(&text, SystemTime::now()).expect("parsed"),
            line,
            how,
        )
    }

    #[test]
    fn a_latin1_name_keeps_its_bytes_without_a_charset_and_reads_right_with_one() {
        let line = b"-rw-r--r--    1 1000     1000            5 Dec 01 10:00 caf\xe9 cr\xe8me.txt";
        let e = parse(line, None);
        assert_eq!(e.name.as_bytes(), b"caf\xe9 cr\xe8me.txt");
        assert_eq!(e.size, Some(5));
        assert!(e.raw.contains("caf\u{fffd}"));
        let latin1 = Charset::for_label("latin1");
        let e = parse(line, latin1);
        assert_eq!(e.name.as_bytes(), b"caf\xe9 cr\xe8me.txt");
        assert_eq!(latin1.unwrap().decode(e.name.as_bytes()), "café crème.txt");
        assert!(e.raw.contains("café crème.txt"), "{}", e.raw);
    }

    #[test]
    fn utf8_lines_and_symlink_targets_are_untouched_or_restored() {
        let e = parse("-rw-r--r-- 1 u g 3 Jan 02 2020 日本.txt".as_bytes(), None);
        assert_eq!(e.name, "日本.txt");
        let line = b"lrwxrwxrwx 1 u g 3 Jan 02 2020 l\xf6nk -> t\xe4rget";
        let e = parse(line, None);
        assert_eq!(e.name.as_bytes(), b"l\xf6nk");
        assert_eq!(e.link_target.unwrap().as_bytes(), b"t\xe4rget");
    }

    #[test]
    fn a_line_not_valid_in_the_charset_is_escaped_not_mangled() {
        // Shift-JIS: 0x82 0xA0 is a character, a lone 0x82 before a space is not.
        let sjis = Charset::for_label("shift_jis");
        let line = b"-rw-r--r-- 1 u g 3 Jan 02 2020 a\x82 b";
        let e = parse(line, sjis);
        assert_eq!(e.name.as_bytes(), b"a\x82 b");
    }

    #[test]
    fn every_byte_survives_the_escape() {
        for b in 0x80..=0xFFu8 {
            let mut line = b"-rw-r--r-- 1 u g 3 Jan 02 2020 x".to_vec();
            line.push(b);
            line.push(b'y');
            let e = parse(&line, None);
            if std::str::from_utf8(&line).is_err() {
                assert_eq!(e.name.as_bytes(), &[b'x', b, b'y'], "{b:#x}");
            }
        }
    }
}
