//! OpenVMS `LIST` lines (`DIRECTORY/SIZE/DATE/OWNER/PROTECTION` style), as sent by HP
//! TCP/IP Services (UCX), MultiNet and TCPware:
//!
//! ```text
//! 1-JUN.LIS;1              9/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)
//! DATA.DIR;1               1/9           2-JUN-1998 07:32:04  [TRANSLATED]     (,RWED,RWED,RE)
//! 37-vms-file;1       155   2-JUL-2003 10:30:13.64
//! ```
//!
//! The first word is `NAME.EXT;VERSION`. The other fields are recognised by their shape, in
//! whatever order the server puts them: the size in blocks (`used/allocated` or `used`,
//! or `2KB`), the date `D-MMM-YYYY` with an optional `HH:MM[:SS[.hh]]`, the owner
//! `[GROUP,OWNER]`, `[OWNER]` or a bare identifier, and the protection `(S,O,G,W)`. A date
//! and a size are required; any word that fits none of these makes the line not VMS.
//!
//! What is kept:
//! - the name: a file keeps its version (`1-JUN.LIS;1`: `RETR` of that name fetches that
//!   very version, and several versions stay distinct entries); a directory file
//!   `NAME.DIR;1` becomes `NAME`, the name `CWD` takes;
//! - the size: **`None`**. VMS counts 512-byte blocks, and the used blocks only bound the
//!   byte size from above (the last block is partly filled, record formats add overhead):
//!   any byte count would be a guess;
//! - the time (no zone, taken as UTC), with hundredths of a second when listed;
//! - owner and group from the UIC (`[GROUP,OWNER]`); the protection stays in `raw`.
//!
//! Month names must be English (`JUN`): a localized one (`JUI`) could be June or July, so
//! such a line is not read at all. A long name makes the server put the other fields on the
//! next line; [`super::ListingParser`] joins the two (this parser reads the joined text,
//! the two lines separated by `\r\n`), and `parse_list_line` on the name line alone gives
//! kind `Unknown`.

use super::{all_digits, digits_value, month_number, tokens, utc_time, EntryKind, ListEntry};

/// Parses one VMS entry (one line, or a name line and its attribute line joined by
/// whitespace); `None` if it is not one.
pub(super) fn parse(line: &str) -> Option<ListEntry> {
    let toks = tokens(line);
    let (name, kind) = name(toks.first()?.text)?;
    let mut size = false;
    let mut date = None;
    let mut owner: Option<&str> = None;
    let mut protection = false;
    let mut i = 1;
    while let Some(tok) = toks.get(i) {
        let t = tok.text;
        i += 1;
        if !size && is_size(t) {
            size = true;
        } else if date.is_none() && day_month_year(t).is_some() {
            let (year, month, day) = day_month_year(t)?;
            let mut clock = (0, 0, 0, 0);
            if let Some(c) = toks.get(i).and_then(|n| time_of_day(n.text)) {
                clock = c;
                i += 1;
            }
            date = Some(utc_time(
                year, month, day, clock.0, clock.1, clock.2, clock.3,
            ));
        } else if owner.is_none() && t.starts_with('[') {
            let inner = t.strip_prefix('[')?;
            let inner = inner.strip_suffix(']').unwrap_or(inner);
            if inner.is_empty() || !inner.chars().all(|c| is_ident_char(c) || c == ',') {
                return None;
            }
            owner = Some(inner);
        } else if !protection && is_protection(t) {
            protection = true;
        } else if owner.is_none() && date.is_some() && t.chars().all(is_ident_char) {
            // A bare identifier after the date: the owner without brackets.
            owner = Some(t);
        } else {
            return None;
        }
    }
    let modified = date?;
    if !size || modified.is_none() {
        return None;
    }
    let mut entry = ListEntry::empty(name, kind, line);
    entry.modified = modified;
    if let Some(uic) = owner {
        match uic.split_once(',') {
            Some((group, user)) if !group.is_empty() && !user.is_empty() => {
                entry.group = Some(group.to_string());
                entry.owner = Some(user.to_string());
            }
            Some(_) => return None,
            None => entry.owner = Some(uic.to_string()),
        }
    }
    Some(entry)
}

/// Whether the line is a VMS file name and nothing else: the first line of an entry whose
/// name was too long for the name column.
pub(super) fn is_name_line(line: &str) -> bool {
    let toks = tokens(line);
    toks.len() == 1 && toks.first().is_some_and(|t| name(t.text).is_some())
}

/// `Directory DISK$USER:[ALICE]` and `Total of 6 files, 54/54 blocks.` (or
/// `Grand total of …`): the header and trailer a VMS listing wraps its entries in.
/// `Directory DEVICE:[PATH]`: the first line of a VMS listing.
pub(super) fn is_directory_header(line: &str) -> bool {
    let mut words = line.split_ascii_whitespace();
    words.next() == Some("Directory")
        && words
            .next()
            .is_some_and(|d| d.ends_with(']') && d.contains(":["))
        && words.next().is_none()
}

pub(super) fn is_header_or_trailer(line: &str) -> bool {
    let line = line.trim();
    let mut words = line.split_ascii_whitespace();
    match words.next() {
        Some("Directory") => {
            words.next().is_some_and(|d| d.ends_with(']')) && words.next().is_none()
        }
        Some("Total") | Some("Grand") => line.contains(" file") && line.contains(char::is_numeric),
        _ => false,
    }
}

/// `NAME.EXT;VERSION` → (the name to use, its kind).
fn name(s: &str) -> Option<(&str, EntryKind)> {
    let (stem, version) = s.rsplit_once(';')?;
    if stem.is_empty() || !all_digits(version) || stem.contains([';', '[', ']', '(', ')']) {
        return None;
    }
    if stem.len() > 4 && stem.is_char_boundary(stem.len() - 4) {
        let (dir, ext) = stem.split_at(stem.len() - 4);
        if ext.eq_ignore_ascii_case(".DIR") && !dir.is_empty() {
            return Some((dir, EntryKind::Dir));
        }
    }
    Some((s, EntryKind::File))
}

/// `9/9`, `155`, `2KB`: a size in blocks (or a rounded size); only its shape is checked.
fn is_size(s: &str) -> bool {
    if let Some((used, allocated)) = s.split_once('/') {
        return all_digits(used) && all_digits(allocated);
    }
    if all_digits(s) {
        return true;
    }
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(digits_end);
    all_digits(n)
        && ["KB", "MB", "GB"]
            .iter()
            .any(|u| unit.eq_ignore_ascii_case(u))
}

/// `2-JUN-1998` → (year, month, day); the month must be English.
fn day_month_year(s: &str) -> Option<(i32, u8, u8)> {
    let mut parts = s.split('-');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !(1..=2).contains(&d.len()) || m.len() != 3 || y.len() != 4 {
        return None;
    }
    let day = u8::try_from(digits_value(d)?).ok()?;
    let month = month_number(m)?;
    Some((i32::try_from(digits_value(y)?).ok()?, month, day))
}

/// `07:32`, `07:32:04`, `10:30:13.64` → (hour, minute, second, nanoseconds).
fn time_of_day(s: &str) -> Option<(u8, u8, u8, u32)> {
    let (clock, hundredths) = match s.split_once('.') {
        Some((c, h)) if h.len() == 2 && all_digits(h) => (c, digits_value(h)? * 10_000_000),
        Some(_) => return None,
        None => (s, 0),
    };
    let mut parts = clock.split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next());
    if parts.next().is_some() || !(1..=2).contains(&h.len()) || m.len() != 2 {
        return None;
    }
    let second = match sec {
        Some(x) if x.len() == 2 => u8::try_from(digits_value(x)?).ok()?,
        Some(_) => return None,
        None if hundredths > 0 => return None,
        None => 0,
    };
    let (hour, minute) = (
        u8::try_from(digits_value(h)?).ok()?,
        u8::try_from(digits_value(m)?).ok()?,
    );
    (hour < 24 && minute < 60 && second < 60).then_some((hour, minute, second, hundredths))
}

/// `(RWED,RWED,RE,)`: four classes (system, owner, group, world) of `R`, `W`, `E`, `D`.
fn is_protection(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('(').and_then(|s| s.strip_suffix(')')) else {
        return false;
    };
    let classes: Vec<&str> = inner.split(',').collect();
    classes.len() == 4
        && classes
            .iter()
            .all(|c| c.len() <= 4 && c.chars().all(|ch| matches!(ch, 'R' | 'W' | 'E' | 'D')))
}

/// A character of a VMS identifier (user or group name).
fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}
