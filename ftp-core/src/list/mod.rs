//! Directory listings: `LIST` (Unix `ls -l` and its variants, DOS/IIS, EPLF, OpenVMS, z/OS,
//! IBM i, NetWare, OS/2, HP NonStop and MacOS NetPresenz styles), `MLSD`/`MLST` facts,
//! `NLST`.
//!
//! Every parser takes one line and never panics; the line shapes of the `LIST` dialects do
//! not overlap (the corpus test checks that no line is claimed by two), and
//! [`ListingParser`] adds what needs more than one line. A `LIST` line that no parser understands
//! comes back as an entry of kind [`EntryKind::Unknown`] whose `raw` holds the line, so
//! nothing the server sent is dropped silently.

use std::time::SystemTime;

use crate::path::RemotePath;

/// What a listing entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link; see [`ListEntry::link_target`].
    Link,
    /// Something else the server described (device, socket, pipe, `cdir`/`pdir` in MLSD…).
    Other,
    /// A line that no parser understood; [`ListEntry::raw`] has it verbatim.
    Unknown,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListEntry {
    /// The file name, as the server named it (for an [`EntryKind::Unknown`] line, the
    /// whole line). Send it back as it is to download, rename or delete the entry.
    pub name: RemotePath,
    /// What the entry is.
    pub kind: EntryKind,
    /// Size in bytes, when the server said.
    pub size: Option<u64>,
    /// Last modification time (UTC), when the server said.
    pub modified: Option<SystemTime>,
    /// For symbolic links, the target as listed (`a -> b`).
    pub link_target: Option<RemotePath>,
    /// Unix permission bits (e.g. `0o755`) from `ls -l` or MLSD `UNIX.mode`.
    pub unix_mode: Option<u32>,
    /// Owner name or number, when listed.
    pub owner: Option<String>,
    /// Group name or number, when listed.
    pub group: Option<String>,
    /// MLSD `perm` fact (e.g. `adfrw`).
    pub perm: Option<String>,
    /// MLSD `unique` fact.
    pub unique: Option<String>,
    /// The line as the server sent it.
    pub raw: String,
}

#[cfg(test)]
mod corpus;
mod dos;
mod eplf;
mod listing;
mod mlsd;
mod mvs;
mod netware;
mod os2;
mod os400;
mod tandem;
#[cfg(test)]
mod tests;
mod unix;
mod vms;

use std::time::{Duration, UNIX_EPOCH};

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

pub use listing::ListingParser;

impl ListEntry {
    /// An entry for a line that no parser understood: kind [`EntryKind::Unknown`], `name` and
    /// `raw` both hold the line, every other field is `None`.
    pub fn unknown(raw: &str) -> Self {
        Self::empty(raw, EntryKind::Unknown, raw)
    }

    /// Every optional field `None`; the parsers fill in what their format provides.
    fn empty(name: &str, kind: EntryKind, raw: &str) -> Self {
        ListEntry {
            name: RemotePath::from(name),
            kind,
            size: None,
            modified: None,
            link_target: None,
            unix_mode: None,
            owner: None,
            group: None,
            perm: None,
            unique: None,
            raw: raw.to_string(),
        }
    }
}

/// Parses one line of a `LIST` reply in whichever dialect recognises it: Unix `ls -l` (with
/// localized, numeric and other odd dates), DOS/IIS, EPLF, OpenVMS, z/OS datasets and
/// members, IBM i, NetWare, OS/2, HP NonStop, MacOS NetPresenz. No line fits two of them.
///
/// A trailing `\r` (and `\n`) is stripped. Returns `None` only for blank lines and for the
/// `total N` summary line of `ls -l`; any other line that no dialect understands comes back
/// as [`ListEntry::unknown`], so the caller still sees it. What one line cannot tell (a VMS
/// entry split over two lines, a bare PDS member name, headers, the date order of an IBM i
/// listing) needs [`ListingParser`], which [`crate::Client::list_stream`] uses.
///
/// `now` is needed because `ls -l` omits the year for recent files (`Mon DD HH:MM`): the
/// year chosen is the one that puts the date at most about a day after `now` (the slack
/// absorbs the server's time zone being ahead of ours). Listing times carry no time zone;
/// they are taken as UTC.
pub fn parse_list_line(line: &str, now: SystemTime) -> Option<ListEntry> {
    parse_stripped_line(strip_eol(line), now)
}

/// [`parse_list_line`] for a line whose terminator is already off: stripping again would
/// also take a `\n` or `\r` that belongs to the line (`"total\n\r"`).
pub(crate) fn parse_stripped_line(line: &str, now: SystemTime) -> Option<ListEntry> {
    if line.trim().is_empty() || is_total_line(line) {
        return None;
    }
    unix::parse(line, now)
        .or_else(|| dos::parse(line))
        .or_else(|| eplf::parse(line))
        .or_else(|| vms::parse(line))
        .or_else(|| mvs::parse(line))
        .or_else(|| os400::parse(line))
        .or_else(|| netware::parse(line, now))
        .or_else(|| os2::parse(line))
        .or_else(|| tandem::parse(line))
        .or_else(|| unix::parse_macos(line, now))
        .or_else(|| Some(ListEntry::unknown(line)))
}

/// Parses one `MLSD` line, or the entry line of an `MLST` reply (which starts with a
/// space), per RFC 3659: `fact=value;fact=value; name`.
///
/// Fact names are case-insensitive; malformed or unknown facts are skipped. The name is
/// everything after the first `"; "`, so it may contain spaces and `;`. Returns `None`
/// when there is no `"; "` separator or the name is empty. An entry without a `type` fact
/// has kind [`EntryKind::Other`]; `cdir` and `pdir` are [`EntryKind::Other`] too, so a
/// caller listing a directory can skip them by kind.
pub fn parse_mlsd_line(line: &str) -> Option<ListEntry> {
    mlsd::parse(strip_eol(line))
}

/// Parses an RFC 3659 time value, `YYYYMMDDHHMMSS` with an optional `.fraction`, in UTC
/// (the format of the MLSD `modify` fact and of `MDTM` replies).
///
/// Surrounding ASCII whitespace is ignored. Every field is range-checked (month 1–12, a
/// day that exists in that month, hour 0–23, minute 0–59, second 0–60); anything else
/// gives `None`. A leap second (`60`) is folded into second 59, since `SystemTime` cannot
/// represent it. Fraction digits beyond nanoseconds are dropped. The `19100…` years sent by
/// some servers with the old Y2K bug (`"19" + (year - 1900)`) are understood.
pub fn parse_mlsd_time(s: &str) -> Option<SystemTime> {
    let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let (main, fraction) = match s.split_once('.') {
        Some((main, fraction)) => (main, Some(fraction)),
        None => (s, None),
    };
    if !all_digits(main) {
        return None;
    }
    let (year, rest) = match main.len() {
        14 => (digits_value(main.get(..4)?)?, main.get(4..)?),
        15 if main.starts_with("191") => (1900 + digits_value(main.get(2..5)?)?, main.get(5..)?),
        _ => return None,
    };
    let field = |range: std::ops::Range<usize>| -> Option<u8> {
        u8::try_from(digits_value(rest.get(range)?)?).ok()
    };
    let (month, day, hour, minute) = (field(0..2)?, field(2..4)?, field(4..6)?, field(6..8)?);
    let second = field(8..10)?;
    if second > 60 {
        return None;
    }
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && all_digits(f) => {
            // Pad or cut to exactly nine digits: "5" is 500 ms, not 5 ns.
            let mut nanos: u32 = 0;
            for i in 0..9 {
                let digit = f.as_bytes().get(i).map_or(0, |b| u32::from(b - b'0'));
                nanos = nanos * 10 + digit;
            }
            nanos
        }
        Some(_) => return None,
    };
    utc_time(
        i32::try_from(year).ok()?,
        month,
        day,
        hour,
        minute,
        second.min(59),
        nanos,
    )
}

/// Removes one line terminator, whichever of `\r\n`, `\n`, `\r` the caller left on.
fn strip_eol(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// `total 8`, `total 1.5K`: the block-count summary `ls -l` prints before the entries.
fn is_total_line(line: &str) -> bool {
    let mut words = line.split_ascii_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(first), Some(count), None) => {
            first.eq_ignore_ascii_case("total")
                && count.starts_with(|c: char| c.is_ascii_digit())
                && count
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == ',')
        }
        _ => false,
    }
}

/// A whitespace-separated word of a listing line, with its byte span so that the name,
/// which may itself contain spaces, can be cut out of the original line.
#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

/// Splits on ASCII whitespace only: every separator is then one byte, so `end + 1` is
/// always a char boundary.
fn tokens(line: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_ascii_whitespace(), start) {
            (true, Some(s)) => {
                if let Some(text) = line.get(s..i) {
                    out.push(Token {
                        text,
                        start: s,
                        end: i,
                    });
                }
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        if let Some(text) = line.get(s..) {
            out.push(Token {
                text,
                start: s,
                end: line.len(),
            });
        }
    }
    out
}

/// Non-empty and ASCII digits only (`str::parse` alone would also accept a leading `+`).
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The value of a short run of ASCII digits; `None` for anything else or on overflow.
/// `HH:MM:SS`, two digits each, as a valid time of day (IBM i and NonStop lines).
fn clock(s: &str) -> Option<(u8, u8, u8)> {
    let mut parts = s.split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || h.len() != 2 || m.len() != 2 || sec.len() != 2 {
        return None;
    }
    let v = |p: &str| digits_value(p).and_then(|v| u8::try_from(v).ok());
    let (hour, minute, second) = (v(h)?, v(m)?, v(sec)?);
    (hour < 24 && minute < 60 && second < 60).then_some((hour, minute, second))
}

fn digits_value(s: &str) -> Option<u32> {
    if all_digits(s) {
        s.parse().ok()
    } else {
        None
    }
}

/// A size or other byte count: ASCII digits, fitting in `u64`.
fn parse_u64(s: &str) -> Option<u64> {
    if all_digits(s) {
        s.parse().ok()
    } else {
        None
    }
}

/// English month names, abbreviated or in full, in any case (`Jan`, `JAN`, `january`).
fn month_number(s: &str) -> Option<u8> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = s.to_ascii_lowercase();
    NAMES
        .iter()
        .position(|full| lower == *full || (lower.len() == 3 && full.starts_with(lower.as_str())))
        .and_then(|i| u8::try_from(i + 1).ok())
}

/// Calendar fields (UTC) to `SystemTime`; `None` for any invalid field or date.
fn utc_time(
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
) -> Option<SystemTime> {
    let month = Month::try_from(month).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    offset_to_system(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Like `SystemTime::from`, but `None` instead of a panic if the platform's `SystemTime`
/// cannot hold the value.
fn offset_to_system(dt: OffsetDateTime) -> Option<SystemTime> {
    let secs = dt.unix_timestamp();
    let whole = Duration::from_secs(secs.unsigned_abs());
    let base = if secs >= 0 {
        UNIX_EPOCH.checked_add(whole)?
    } else {
        UNIX_EPOCH.checked_sub(whole)?
    };
    base.checked_add(Duration::from_nanos(u64::from(dt.nanosecond())))
}

/// Like `OffsetDateTime::from`, but `None` instead of a panic for times outside the
/// calendar range of `time`.
fn system_to_offset(t: SystemTime) -> Option<OffsetDateTime> {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).ok()?,
        Err(e) => {
            let d = e.duration();
            let secs = -i64::try_from(d.as_secs()).ok()?;
            // Round toward the past so the whole second contains `t`.
            if d.subsec_nanos() > 0 {
                secs.checked_sub(1)?
            } else {
                secs
            }
        }
    };
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

/// The year of a `Mon DD HH:MM` date, which `ls -l` shows for files modified in the last
/// six months or so: the latest year that puts the date no more than a day after `now`.
/// Going back up to eight years lets `Feb 29` find a leap year even across 2100.
fn infer_year(month: u8, day: u8, hour: u8, minute: u8, now: SystemTime) -> Option<SystemTime> {
    let this_year = system_to_offset(now)?.year();
    let limit = now
        .checked_add(Duration::from_secs(24 * 60 * 60))
        .unwrap_or(now);
    (this_year - 8..=this_year + 1)
        .rev()
        .filter_map(|year| utc_time(year, month, day, hour, minute, 0, 0))
        .find(|t| *t <= limit)
}
