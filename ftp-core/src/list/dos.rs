//! DOS/Windows style `LIST` lines, as sent by IIS (its default "MS-DOS" directory listing
//! style) and some other Windows servers:
//!
//! ```text
//! 01-16-24  10:30AM       <DIR>          docs
//! 01-16-24  02:05PM                 1234 report 2024.txt
//! 01-16-2024  14:05                 1234 file.txt
//! 01-01-00  01:00AM       <JUNCTION>     junction1 -> foo1
//! ```
//!
//! A `<JUNCTION>` (an NTFS directory link) is a [`EntryKind::Link`], with its target when
//! the server shows one after ` -> `.
//!
//! The time has no zone; it is taken as UTC.

use super::{all_digits, digits_value, tokens, utc_time, EntryKind, ListEntry};

/// Parses one DOS-style line; `None` if it is not one.
pub(super) fn parse(line: &str) -> Option<ListEntry> {
    let toks = tokens(line);
    let (year, month, day) = date(toks.first()?.text)?;
    let (mut hour, minute, mut half) = time(toks.get(1)?.text)?;
    let mut size_at = 2;
    // Some servers put a space between the time and AM/PM.
    if half.is_none() {
        if let Some(h) = toks.get(2).and_then(|t| am_pm(t.text)) {
            if toks.get(3).is_some_and(|t| is_size_or_dir(t.text)) {
                half = Some(h);
                size_at = 3;
            }
        }
    }
    match half {
        Some(pm) => {
            if hour > 12 {
                return None;
            }
            hour = hour % 12 + if pm { 12 } else { 0 };
        }
        None if hour > 23 => return None,
        None => {}
    }
    let size_tok = toks.get(size_at)?;
    let junction = size_tok.text.eq_ignore_ascii_case("<JUNCTION>");
    let (kind, size, name) = if size_tok.text.eq_ignore_ascii_case("<DIR>") || junction {
        // `<DIR>` is padded out to the end of the size column, so a directory name's own
        // leading spaces cannot be told from the padding: the name starts at the next word.
        (
            EntryKind::Dir,
            None,
            line.get(toks.get(size_at + 1)?.start..)?,
        )
    } else {
        let size = size(size_tok.text)?;
        // Sizes are right-aligned and followed by one space; anything after is the name.
        (EntryKind::File, Some(size), line.get(size_tok.end + 1..)?)
    };
    if name.trim().is_empty() {
        return None;
    }
    let mut entry = ListEntry::empty(name, kind, line);
    if junction {
        // A junction (a directory link); `name -> target` when the server shows the target.
        entry.kind = EntryKind::Link;
        if let Some((link, target)) = name.split_once(" -> ") {
            if !link.is_empty() && !target.is_empty() {
                entry.name = link.into();
                entry.link_target = Some(target.into());
            }
        }
    }
    entry.size = size;
    entry.modified = utc_time(year, month, day, hour, minute, 0, 0);
    Some(entry)
}

/// `MM-DD-YY`, `MM-DD-YYYY` (also with `/`), or `YYYY-MM-DD`. Two-digit years pivot at
/// 70: `70`–`99` are 19xx, `00`–`69` are 20xx.
fn date(s: &str) -> Option<(i32, u8, u8)> {
    let mut parts = s.split(['-', '/']);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let num = |p: &str| digits_value(p).and_then(|v| u8::try_from(v).ok());
    let short = |p: &str| (1..=2).contains(&p.len());
    let (year, month, day) = if a.len() == 4 && short(b) && short(c) {
        (digits_value(a)?, num(b)?, num(c)?)
    } else if short(a) && short(b) && c.len() == 2 {
        let yy = digits_value(c)?;
        (
            if yy >= 70 { 1900 + yy } else { 2000 + yy },
            num(a)?,
            num(b)?,
        )
    } else if short(a) && short(b) && c.len() == 4 {
        (digits_value(c)?, num(a)?, num(b)?)
    } else {
        return None;
    };
    // Range-check here so that a line with a nonsense date is not taken for a DOS line.
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some((i32::try_from(year).ok()?, month, day))
}

/// `HH:MM`, optionally glued to `AM`/`PM` (or `a`/`p`): (hour, minute, Some(is_pm)).
fn time(s: &str) -> Option<(u8, u8, Option<bool>)> {
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == ':'))
        .unwrap_or(s.len());
    let (clock, suffix) = (s.get(..digits_end)?, s.get(digits_end..)?);
    let half = if suffix.is_empty() {
        None
    } else {
        Some(am_pm(suffix)?)
    };
    let (hour, minute) = clock.split_once(':')?;
    if !(1..=2).contains(&hour.len()) || minute.len() != 2 {
        return None;
    }
    let hour = u8::try_from(digits_value(hour)?).ok()?;
    let minute = u8::try_from(digits_value(minute)?).ok()?;
    (minute < 60).then_some((hour, minute, half))
}

/// `AM`/`PM`/`a`/`p` in any case: Some(is_pm).
fn am_pm(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "am" | "a" => Some(false),
        "pm" | "p" => Some(true),
        _ => None,
    }
}

fn is_size_or_dir(s: &str) -> bool {
    s.eq_ignore_ascii_case("<DIR>") || size(s).is_some()
}

/// Digits, possibly with `,` thousands separators as Windows `dir` prints them.
fn size(s: &str) -> Option<u64> {
    if s.starts_with(',') || s.ends_with(',') || s.contains(",,") {
        return None;
    }
    let digits: String = s.chars().filter(|&c| c != ',').collect();
    if !all_digits(&digits) {
        return None;
    }
    digits.parse().ok()
}
