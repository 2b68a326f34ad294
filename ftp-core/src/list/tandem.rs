//! HP NonStop (Tandem) Guardian `LIST` lines:
//!
//! ```text
//! File         Code             EOF  Last Modification    Owner  RWEP
//! ALV           101             2522 27-Aug-02 13:57:10 155,106 "nnnn"
//! TACLCSTM   O  101             101  4-Mar-01  23:50:06 255,255 "oooo"
//! ```
//!
//! The file name, an optional `O` (the file is open), the file code, the end-of-file
//! offset (the size in bytes), the date `D-Mon-YY` (70–99 are 19xx, 00–69 20xx) and time,
//! the owner as the `group,user` numbers (kept as listed, `255, 0` included), and the
//! security string `"RWEP"`. Guardian subvolumes hold files only: every entry is a file.
//! The header line is skipped by [`super::ListingParser`].

use super::{
    all_digits, clock, digits_value, month_number, parse_u64, tokens, utc_time, EntryKind,
    ListEntry,
};

/// Parses one NonStop line; `None` if it is not one.
pub(super) fn parse(line: &str) -> Option<ListEntry> {
    let toks = tokens(line);
    let words: Vec<&str> = toks.iter().map(|t| t.text).collect();
    let name = *words.first()?;
    let rest = match words.get(1) {
        Some(&"O") => words.get(2..)?,
        _ => words.get(1..)?,
    };
    let (code, eof, date, time, owner, security) = match rest {
        [code, eof, date, time, group, user, security] if group.ends_with(',') => (
            *code,
            *eof,
            *date,
            *time,
            format!("{group} {user}"),
            *security,
        ),
        [code, eof, date, time, owner, security] => {
            (*code, *eof, *date, *time, owner.to_string(), *security)
        }
        _ => return None,
    };
    let owner_ok = owner
        .split_once(',')
        .is_some_and(|(g, u)| all_digits(g) && all_digits(u.trim_start()));
    let security_ok = security
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .is_some_and(|s| {
            (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !(is_file_name(name) && all_digits(code) && owner_ok && security_ok) {
        return None;
    }
    let size = parse_u64(eof)?;
    let (year, month, day) = day_month_year(date)?;
    let (hour, minute, second) = clock(time)?;
    let mut entry = ListEntry::empty(name, EntryKind::File, line);
    entry.size = Some(size);
    entry.modified = Some(utc_time(year, month, day, hour, minute, second, 0)?);
    entry.owner = Some(owner);
    Some(entry)
}

/// The column header that starts a NonStop listing.
pub(super) fn is_header(line: &str) -> bool {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    words
        == [
            "File",
            "Code",
            "EOF",
            "Last",
            "Modification",
            "Owner",
            "RWEP",
        ]
}

/// A Guardian file name: letters, digits, and the `-`/`_` some test suites add.
fn is_file_name(s: &str) -> bool {
    s.len() <= 32
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `27-Aug-02`, `4-Mar-01`.
fn day_month_year(s: &str) -> Option<(i32, u8, u8)> {
    let mut parts = s.split('-');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !(1..=2).contains(&d.len()) || m.len() != 3 || y.len() != 2 {
        return None;
    }
    let yy = i32::try_from(digits_value(y)?).ok()?;
    let year = if yy >= 70 { 1900 + yy } else { 2000 + yy };
    Some((year, month_number(m)?, u8::try_from(digits_value(d)?).ok()?))
}
