//! EPLF, D. J. Bernstein's "Easily Parsed LIST Format" (<https://cr.yp.to/ftp/list/eplf.html>),
//! sent by publicfile, anonftpd and a few embedded servers:
//!
//! ```text
//! +i8388621.29609,m824255902,/,\tdev
//! +i8388621.44468,m839956783,r,s10376,\tRFCEPLF
//! ```
//!
//! A `+`, comma-separated facts, a tab, the name. The facts read: `/` (a directory: CWD
//! works), `r` (a file: RETR works), `s` size in bytes, `m` modification time in Unix
//! seconds (UTC, so no guess is needed), `i` an identifier (kept as
//! [`ListEntry::unique`](super::ListEntry::unique)) and `up` the Unix permission bits in
//! octal. Unknown facts are skipped, as the format asks; a known fact with a malformed
//! value is skipped too (the field stays `None`) rather than guessed at. An entry that is
//! neither `/` nor `r` is [`EntryKind::Other`].

use std::time::{Duration, UNIX_EPOCH};

use super::{parse_u64, EntryKind, ListEntry};

/// Parses one EPLF line; `None` if it is not one.
pub(super) fn parse(line: &str) -> Option<ListEntry> {
    let (facts, name) = line.strip_prefix('+')?.split_once('\t')?;
    if name.is_empty() || facts.contains([' ', '\r', '\n']) {
        return None;
    }
    let (mut dir, mut file) = (false, false);
    let mut entry = ListEntry::empty(name, EntryKind::Other, line);
    for fact in facts.split(',') {
        match fact.as_bytes().first() {
            Some(b'/') if fact.len() == 1 => dir = true,
            Some(b'r') if fact.len() == 1 => file = true,
            Some(b's') => entry.size = parse_u64(&fact[1..]),
            Some(b'm') => {
                entry.modified = parse_u64(&fact[1..])
                    .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs)));
            }
            Some(b'i') if fact.len() > 1 => entry.unique = Some(fact[1..].to_string()),
            Some(b'u') => {
                entry.unix_mode = fact
                    .strip_prefix("up")
                    .filter(|m| !m.is_empty() && m.len() <= 7)
                    .filter(|m| m.bytes().all(|b| (b'0'..=b'7').contains(&b)))
                    .and_then(|m| u32::from_str_radix(m, 8).ok());
            }
            _ => {}
        }
    }
    entry.kind = match (dir, file) {
        (true, _) => EntryKind::Dir,
        (false, true) => EntryKind::File,
        (false, false) => EntryKind::Other,
    };
    Some(entry)
}
