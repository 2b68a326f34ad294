//! OS/2 `LIST` lines (IBM TCP/IP for OS/2 and servers modelled on it):
//!
//! ```text
//!      0           DIR   12-30-97   12:32  jbrekke
//!  33280      A          02-09-97   13:49  OS2LDR
//! 36611      A    04-23-103  10:57  24-os2 file
//! ```
//!
//! The size in bytes, the file attributes (`A`, `R`, `H`, `S`, in capitals, possibly run
//! together as `RSA`), `DIR` for a directory, the date `MM-DD-YY` (or `MM-DD-YYYY`, or the
//! `MM-DD-1YY` of servers with the Y2K bug: `103` is 2003), the time `HH:MM`, and the name
//! from the first non-space after the time. Two-digit years 70–99 are 19xx, 00–69 20xx.

use super::{all_digits, digits_value, parse_u64, tokens, utc_time, EntryKind, ListEntry};

/// Parses one OS/2 line; `None` if it is not one.
pub(super) fn parse(line: &str) -> Option<ListEntry> {
    let toks = tokens(line);
    let size = parse_u64(toks.first()?.text)?;
    let mut i = 1;
    let mut dir = false;
    let mut attributes = 0;
    while let Some(t) = toks.get(i).map(|t| t.text) {
        if t == "DIR" && !dir {
            dir = true;
        } else if attributes < 2
            && !t.is_empty()
            && t.len() <= 4
            && t.chars().all(|c| "ARHS".contains(c))
        {
            attributes += 1;
        } else {
            break;
        }
        i += 1;
    }
    let (year, month, day) = date(toks.get(i)?.text)?;
    let (hour, minute) = clock(toks.get(i + 1)?.text)?;
    let name = line.get(toks.get(i + 2)?.start..)?;
    let kind = if dir { EntryKind::Dir } else { EntryKind::File };
    let mut entry = ListEntry::empty(name, kind, line);
    entry.size = Some(size);
    entry.modified = utc_time(year, month, day, hour, minute, 0, 0);
    entry.modified?;
    Some(entry)
}

/// `MM-DD-YY`, `MM-DD-YYYY` or `MM-DD-1YY`.
fn date(s: &str) -> Option<(i32, u8, u8)> {
    let mut parts = s.split('-');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || m.len() != 2 || d.len() != 2 || !all_digits(y) {
        return None;
    }
    let yy = digits_value(y)?;
    let year = match y.len() {
        2 if yy >= 70 => 1900 + yy,
        2 => 2000 + yy,
        3 if y.starts_with('1') => 1900 + yy,
        4 => yy,
        _ => return None,
    };
    let month = u8::try_from(digits_value(m)?).ok()?;
    let day = u8::try_from(digits_value(d)?).ok()?;
    Some((i32::try_from(year).ok()?, month, day))
}

/// `HH:MM`.
fn clock(s: &str) -> Option<(u8, u8)> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (hour, minute) = (
        u8::try_from(digits_value(h)?).ok()?,
        u8::try_from(digits_value(m)?).ok()?,
    );
    (hour < 24 && minute < 60).then_some((hour, minute))
}
