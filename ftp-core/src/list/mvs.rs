//! z/OS (MVS) dataset and PDS member listings, as the z/OS Communications Server FTP
//! server sends them (the HFS side of z/OS lists Unix lines, read by `unix.rs`):
//!
//! ```text
//! Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname
//! WYOSPT 3420   2003/03/18  1  135  FB      80  3120  PS  MY.DATA
//! SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024.D061704
//! Migrated                                                SOME.DATASET
//!
//! Name     VV.MM   Created       Changed      Size  Init   Mod   Id
//! TBSHELF1  01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001
//! ```
//!
//! A dataset line gives the dataset name and its kind from the organisation (`Dsorg`):
//! `PO`/`PO-E` (partitioned: a directory of members) is [`EntryKind::Dir`], `PS`/`DA`
//! (sequential, direct) is [`EntryKind::File`], VSAM, GDG bases and anything else is
//! [`EntryKind::Other`]. A migrated (`Migrated`) or archived (`Not Direct Access Device`)
//! dataset, and one on tape, is a file that the server recalls on `RETR`. Neither the
//! size nor a time is kept: `Used` counts tracks, not bytes, and `Referred` is the date of
//! the last *use*, not of the last change.
//!
//! A member line gives the member name, the time of its last change (`Changed`, with the
//! time of day), and the user who changed it (`Id`) as owner; `Size` counts records, not
//! bytes, so the size stays `None`. A load library member (`Name Size TTR … Amode Rmode`)
//! gives its size, which is in bytes (hexadecimal). A member listed without statistics (a line that is
//! just the name) cannot be told apart from other one-word lines by itself:
//! [`super::ListingParser`] reads it after the member header, or when `SYST` says MVS.

use super::{all_digits, digits_value, tokens, utc_time, EntryKind, ListEntry, Token};

/// Parses one dataset or member line; `None` if it is neither.
pub(super) fn parse(line: &str) -> Option<ListEntry> {
    let toks = tokens(line);
    dataset(line, &toks)
        .or_else(|| member(line, &toks))
        .or_else(|| load_module(line, &toks))
}

/// A load library member (`Name Size TTR Alias-of AC Attributes Amode Rmode`):
/// `PROGRAM1  00B308 000411  00 FO  31  ANY`. The size is the module's length in bytes, in
/// hexadecimal; an alias names its module after the TTR.
fn load_module(line: &str, toks: &[Token<'_>]) -> Option<ListEntry> {
    let words: Vec<&str> = toks.iter().map(|t| t.text).collect();
    let [name, size, ttr, rest @ ..] = words.as_slice() else {
        return None;
    };
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !(is_member_name(name) && hex(size, 6) && hex(ttr, 6)) {
        return None;
    }
    // The authorization code (two hex digits), after an optional alias-of name.
    let ac_at = match rest {
        [ac, ..] if hex(ac, 2) => 0,
        [alias, ac, ..] if is_member_name(alias) && hex(ac, 2) => 1,
        _ => return None,
    };
    let tail = rest.get(ac_at + 1..)?;
    // Attributes are short capital words; AMODE and RMODE are 24, 31, 64 or ANY.
    let mode = |w: &str| matches!(w, "24" | "31" | "64" | "ANY");
    let attributes_ok = tail
        .iter()
        .all(|w| mode(w) || (w.len() <= 3 && w.bytes().all(|b| b.is_ascii_uppercase())));
    if !attributes_ok || !tail.iter().any(|w| mode(w)) {
        return None;
    }
    let mut entry = ListEntry::empty(name, EntryKind::File, line);
    entry.size = u64::from_str_radix(size, 16).ok();
    Some(entry)
}

/// Whether the line is one of the column headers: `Some(true)` for a member listing's,
/// `Some(false)` for a dataset listing's.
pub(super) fn header(line: &str) -> Option<bool> {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    match words.as_slice() {
        ["Volume", "Unit", "Referred", "Ext", "Used", "Recfm", "Lrecl", "BlkSz", "Dsorg", "Dsname"] => {
            Some(false)
        }
        ["Name", "VV.MM", "Created", "Changed", "Size", "Init", "Mod", "Id"] => Some(true),
        ["Name", "Size", "TTR", "Alias-of", "AC", ..] => Some(true),
        _ => None,
    }
}

/// A member listed by name alone (a member without ISPF statistics).
pub(super) fn bare_member(line: &str) -> Option<ListEntry> {
    let toks = tokens(line);
    match toks.as_slice() {
        [only] if is_member_name(only.text) => {
            Some(ListEntry::empty(only.text, EntryKind::File, line))
        }
        _ => None,
    }
}

fn dataset(line: &str, toks: &[Token<'_>]) -> Option<ListEntry> {
    let dsname = toks.last()?.text;
    if !is_dsname(dsname) {
        return None;
    }
    let words: Vec<&str> = toks.iter().map(|t| t.text).collect();
    let kind = match words.as_slice() {
        ["Migrated", _] => EntryKind::File,
        [_, "Not", "Direct", "Access", "Device", _] => EntryKind::File,
        [volume, "Tape", _] if is_volume(volume) => EntryKind::File,
        ["VSAM" | "GDG", _] => EntryKind::Other,
        [volume, unit, "VSAM", _] if is_volume(volume) && is_unit(unit) => EntryKind::Other,
        [volume, unit, referred, ext, used, recfm, lrecl, blksize, dsorg, _] => {
            if !(all_digits(ext) && (all_digits(used) || is_overflow(used))) {
                return None;
            }
            attributes(volume, unit, referred, recfm, lrecl, blksize, dsorg)?
        }
        // Some servers run `Ext` and `Used` together when `Used` is large.
        [volume, unit, referred, ext_used, recfm, lrecl, blksize, dsorg, _] => {
            if !all_digits(ext_used) {
                return None;
            }
            attributes(volume, unit, referred, recfm, lrecl, blksize, dsorg)?
        }
        _ => return None,
    };
    Some(ListEntry::empty(dsname, kind, line))
}

/// Checks the columns of a full dataset line and gives the kind its `Dsorg` means.
fn attributes(
    volume: &str,
    unit: &str,
    referred: &str,
    recfm: &str,
    lrecl: &str,
    blksize: &str,
    dsorg: &str,
) -> Option<EntryKind> {
    let recfm_ok = !recfm.is_empty()
        && recfm.len() <= 4
        && recfm.chars().all(|c| c.is_ascii_uppercase() || c == '?');
    if !(is_volume(volume)
        && is_unit(unit)
        && (referred == "**NONE**" || ymd(referred).is_some())
        && recfm_ok
        && all_digits(lrecl)
        && all_digits(blksize))
    {
        return None;
    }
    Some(match dsorg {
        "PO" | "PO-E" => EntryKind::Dir,
        "PS" | "PS-E" | "DA" => EntryKind::File,
        "VS" | "IS" | "NONE" | "?" => EntryKind::Other,
        _ => return None,
    })
}

fn member(line: &str, toks: &[Token<'_>]) -> Option<ListEntry> {
    let words: Vec<&str> = toks.iter().map(|t| t.text).collect();
    let (name, version, created, changed, time, counts, id) = match words.as_slice() {
        [n, v, c, ch, t, size, init, modified, id] => {
            (n, v, c, ch, t, [size, init, modified], Some(id))
        }
        [n, v, c, ch, t, size, init, modified] => (n, v, c, ch, t, [size, init, modified], None),
        _ => return None,
    };
    let version_ok = version
        .split_once('.')
        .is_some_and(|(v, m)| v.len() == 2 && m.len() == 2 && all_digits(v) && all_digits(m));
    let counts_ok = counts.iter().all(|c| all_digits(c));
    if !(is_member_name(name) && version_ok && ymd(created).is_some() && counts_ok) {
        return None;
    }
    let (year, month, day) = ymd(changed)?;
    let (hour, minute, second) = hms(time)?;
    let mut entry = ListEntry::empty(name, EntryKind::File, line);
    entry.modified = utc_time(year, month, day, hour, minute, second, 0);
    entry.modified?;
    if let Some(id) = id {
        if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@#$".contains(c))
        {
            return None;
        }
        entry.owner = Some(id.to_string());
    }
    Some(entry)
}

/// `2004/06/23`.
fn ymd(s: &str) -> Option<(i32, u8, u8)> {
    let mut parts = s.split('/');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = u8::try_from(digits_value(m)?).ok()?;
    let day = u8::try_from(digits_value(d)?).ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some((
        i32::try_from(digits_value(y)?).ok()?,
        month,
        day,
    ))
}

/// `09:37` or `09:37:12`.
fn hms(s: &str) -> Option<(u8, u8, u8)> {
    let mut parts = s.split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next());
    if parts.next().is_some() || h.len() != 2 || m.len() != 2 {
        return None;
    }
    let second = match sec {
        Some(x) if x.len() == 2 => u8::try_from(digits_value(x)?).ok()?,
        Some(_) => return None,
        None => 0,
    };
    let (hour, minute) = (
        u8::try_from(digits_value(h)?).ok()?,
        u8::try_from(digits_value(m)?).ok()?,
    );
    (hour < 24 && minute < 60 && second < 60).then_some((hour, minute, second))
}

/// `????` or `++++`: a `Used` count too large for its column.
fn is_overflow(s: &str) -> bool {
    !s.is_empty() && (s.bytes().all(|b| b == b'?') || s.bytes().all(|b| b == b'+'))
}

/// A volume serial: one to six letters and digits.
fn is_volume(s: &str) -> bool {
    (1..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A device type: `3390`, `3420`… (digits, possibly with a model letter).
fn is_unit(s: &str) -> bool {
    (1..=8).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A dataset name: qualifiers of letters, digits, `@#$-` joined by dots, at most 44
/// characters (z/OS allows eight per qualifier; test suites use longer ones).
fn is_dsname(s: &str) -> bool {
    s.len() <= 44
        && s.split('.').all(|q| {
            !q.is_empty()
                && q.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"@#$-{}".contains(&b))
        })
}

/// A member name: letters, digits and `@#$-_`, up to the few dozen characters some test
/// suites use (z/OS itself allows eight).
fn is_member_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@#$-_".contains(&b))
}
