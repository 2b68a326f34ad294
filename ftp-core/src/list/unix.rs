//! Unix `ls -l` style `LIST` lines, as sent by vsftpd, ProFTPD, Pure-FTPd, FileZilla
//! Server, busybox ftpd, IIS in Unix mode and most others:
//!
//! ```text
//! drwxr-xr-x    2 1000     1000         4096 Jan 16 10:30 docs
//! -rw-r--r--   1 ftp      ftp          1234 Jan  6  2023 old report.txt
//! lrwxrwxrwx   1 root     root            7 Jan 16 10:30 latest -> v2.1.0
//! crw-rw-rw-   1 root     root       1,   3 Jan  1 12:00 null
//! ```
//!
//! Column widths differ between servers and some leave out the link count or the group, so
//! the line is not read by position. Instead the date is located — the leftmost
//! `Mon DD HH:MM|YYYY` (or `DD Mon …`, or ISO `YYYY-MM-DD HH:MM`) preceded by a size — and
//! the fields between the permissions and the size are assigned from the left. Only when
//! no such date is in the line are the forms of localized and odd servers tried (see
//! `variant_date_at`), so that they never change how a usual line reads.

use std::time::SystemTime;

use std::time::Duration;

use super::{
    all_digits, digits_value, infer_year, month_number, parse_u64, tokens, utc_time, EntryKind,
    ListEntry, Token,
};

/// Parses one `ls -l` line; `None` if it is not one (a MacOS NetPresenz/Peter line is not:
/// see [`parse_macos`]).
pub(super) fn parse(line: &str, now: SystemTime) -> Option<ListEntry> {
    parse_with(line, now, false)
}

/// Parses one line of the `ls -l` look-alike of MacOS FTP servers (Peter N. Lewis's
/// NetPresenz and the WebSTAR family), which puts the resource fork and data fork sizes
/// where `ls` has the link count, owner and group, and the word `folder` for a directory:
///
/// ```text
/// -rw-r--r--    54149       27826    81975 Jul 22  2010 09.jpg
/// drwxr-xr-x               folder        0 Jan  4 14:51 Alias_to_Steak
/// ```
///
/// A file line is recognised by its two numbers adding up to the size (the total of both
/// forks, which `RETR` in binary mode sends); read as `ls -l`, the data fork size would be
/// taken for an owner. There is no owner or group.
pub(super) fn parse_macos(line: &str, now: SystemTime) -> Option<ListEntry> {
    parse_with(line, now, true)
}

/// Whether the fields between the permissions and the size are MacOS forks: `folder` for a
/// directory, or two numbers that add up to the size.
fn is_macos(fields: &[Token<'_>], size: Option<u64>, kind: EntryKind) -> bool {
    match fields {
        [folder] => folder.text == "folder" && kind == EntryKind::Dir,
        [resource, data] => match (parse_u64(resource.text), parse_u64(data.text), size) {
            (Some(r), Some(d), Some(total)) => {
                kind == EntryKind::File && r.checked_add(d) == Some(total)
            }
            _ => false,
        },
        _ => false,
    }
}

fn parse_with(line: &str, now: SystemTime, macos: bool) -> Option<ListEntry> {
    let mut toks = tokens(line);
    if parse_permissions(toks.first()?.text).is_none() {
        split_glued_link_count(&mut toks);
    }
    let (kind, mode, is_device) = parse_permissions(toks.first()?.text)?;
    // The size is at `i - 1` and must come after the permissions, so the date starts at 2
    // or later.
    let found = (2..toks.len())
        .find_map(|i| date_at(&toks, i, is_device, now).map(|d| (i, d)))
        // The other date forms only where the usual ones are absent, so that no line the
        // usual forms read is read differently.
        .or_else(|| (2..toks.len()).find_map(|i| variant_date_at(&toks, i, now).map(|d| (i, d))));
    let Some((date_at, date)) = found else {
        return if macos {
            None
        } else {
            dateless(line, &toks, kind, mode)
        };
    };
    let last_date_token = toks.get(date.end_index)?;
    // The name is everything after the single separator that follows the date: further
    // leading spaces belong to the name.
    let name = line.get(last_date_token.end + 1..)?;
    if name.is_empty() {
        return None;
    }
    let (size, fields_end) = size_before(&toks, date_at, is_device)?;
    let fields = toks.get(1..fields_end)?;
    if is_macos(fields, size, kind) != macos {
        return None;
    }

    let mut entry = ListEntry::empty(name, kind, line);
    entry.size = size;
    entry.modified = date.modified;
    entry.unix_mode = Some(mode);
    if !macos {
        let (owner, group) = owner_and_group(line, fields);
        entry.owner = owner;
        entry.group = group;
    }
    if kind == EntryKind::Link {
        if let Some((link, target)) = name.split_once(" -> ") {
            if !link.is_empty() {
                entry.name = link.into();
                entry.link_target = Some(target.into());
            }
        }
    }
    Some(entry)
}

/// `drwxr-sr-t+` → (kind, permission bits, whether the size column holds a device number).
fn parse_permissions(s: &str) -> Option<(EntryKind, u32, bool)> {
    let mut chars = s.chars();
    let (kind, is_device) = match chars.next()? {
        '-' => (EntryKind::File, false),
        'd' => (EntryKind::Dir, false),
        'l' => (EntryKind::Link, false),
        'c' | 'b' => (EntryKind::Other, true),
        // Pipe, socket, Solaris door, HP-UX network special, BSD whiteout.
        'p' | 's' | 'D' | 'n' | 'w' => (EntryKind::Other, false),
        _ => return None,
    };
    let mut mode = 0u32;
    for (class, special) in [(6u32, 0o4000u32), (3, 0o2000), (0, 0o1000)] {
        let r = chars.next()?;
        let w = chars.next()?;
        let x = chars.next()?;
        match r {
            'r' => mode |= 0o4 << class,
            '-' => {}
            _ => return None,
        }
        match w {
            'w' => mode |= 0o2 << class,
            '-' => {}
            _ => return None,
        }
        // `s`/`t` mean the special bit plus execute, `S`/`T` the special bit alone; old
        // System V shows set-group-ID without group execute (mandatory locking) as `l`.
        match x {
            'x' => mode |= 0o1 << class,
            '-' => {}
            's' | 't' => mode |= special | (0o1 << class),
            'S' | 'T' | 'l' | 'L' => mode |= special,
            _ => return None,
        }
    }
    // ACL (`+`), SELinux context (`.`) and extended attribute (`@`) markers.
    if !chars.all(|c| matches!(c, '+' | '.' | '@')) {
        return None;
    }
    Some((kind, mode, is_device))
}

/// A date found in the line: the index of its last token (the name follows it) and the
/// time it denotes, if that is a real calendar date.
struct FoundDate {
    end_index: usize,
    modified: Option<SystemTime>,
}

/// Whether a date starts at token `i`, in any of the layouts servers use.
fn date_at(toks: &[Token<'_>], i: usize, is_device: bool, now: SystemTime) -> Option<FoundDate> {
    let text = |k: usize| toks.get(k).map(|t| t.text);
    let size_like = text(i.checked_sub(1)?)?;
    // Every layout has a size (or a device minor number, or FreeBSD's hex device id) right
    // before the date; checking that avoids mistaking an owner named `may` for a month.
    if !(all_digits(size_like) || (is_device && is_device_number(size_like))) {
        return None;
    }
    let first = text(i)?;
    let second = text(i + 1)?;
    let third = text(i + 2);

    if let (Some(month), Some(day)) = (month_number(first), day_of_month(second)) {
        return Some(FoundDate {
            end_index: i + 2,
            modified: time_or_year(month, day, third?, now)?,
        });
    }
    if let (Some(day), Some(month)) = (day_of_month(first), month_number(second)) {
        return Some(FoundDate {
            end_index: i + 2,
            modified: time_or_year(month, day, third?, now)?,
        });
    }
    // `ls --time-style=long-iso`, used by some NAS and embedded servers.
    let (year, month, day) = iso_date(first)?;
    let (hour, minute, second_of_minute) = clock(second)?;
    Some(FoundDate {
        end_index: i + 1,
        modified: utc_time(year, month, day, hour, minute, second_of_minute, 0),
    })
}

/// A line with no date at all (`drwxr-xr-x 3 slopri devlab 512 71-unix-dateless`): link
/// count, owner, group, size and a one-word name, nothing else (a longer rest could hold a
/// date in a form not understood, so it is not taken for a name).
fn dateless(line: &str, toks: &[Token<'_>], kind: EntryKind, mode: u32) -> Option<ListEntry> {
    let [_, links, owner, group, size, name] = toks else {
        return None;
    };
    if !all_digits(links.text) || kind == EntryKind::Link {
        return None;
    }
    let size = parse_u64(size.text)?;
    let mut entry = ListEntry::empty(name.text, kind, line);
    entry.size = Some(size);
    entry.unix_mode = Some(mode);
    entry.owner = Some(owner.text.to_string());
    entry.group = line.get(group.start..group.end).map(str::to_string);
    Some(entry)
}

/// `drwxr-xr-x+12`, `-rw-r--r--.123`: a link count too wide for its column, run into the
/// ACL or SELinux marker; split into the permissions and the count.
fn split_glued_link_count(toks: &mut Vec<Token<'_>>) {
    let Some(first) = toks.first().copied() else {
        return;
    };
    let Some(digits_at) = first.text.find(|c: char| c.is_ascii_digit()) else {
        return;
    };
    let (perms, count) = first.text.split_at(digits_at);
    let marked = perms.len() > 10 && perms.ends_with(['+', '.', '@']);
    if !marked || !all_digits(count) || parse_permissions(perms).is_none() {
        return;
    }
    let split = first.start + digits_at;
    toks[0] = Token {
        text: perms,
        start: first.start,
        end: split,
    };
    toks.insert(
        1,
        Token {
            text: count,
            start: split,
            end: first.end,
        },
    );
}

/// `longgroup123456`: a size run into the group before it, as servers with fixed columns
/// print a size too wide for its column. Where the group ends and the size begins cannot be
/// told, so neither is kept.
fn is_glued_size(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.ends_with(|c: char| c.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The date forms of localized, embedded and odd servers, tried only when no usual form is
/// in the line: localized month names (`26. Juli,`, `szept 26`, `10月 27`, `2005년 1월
/// 6일`), numeric dates (`3 29 03:26`, `09-26 2000`, `1999/10/12 17:12`, `24-04-2003
/// 17:12`, `01-jun-99`, `2004.07.15`), VShell's `Oct 08, 2002 09:47`, and `24:00`. The size
/// before may carry a unit (`33.5k`): it is then rounded, so the entry's size stays `None`;
/// or it may be run into the group (`longgroup123456`): no size and no group then.
fn variant_date_at(toks: &[Token<'_>], i: usize, now: SystemTime) -> Option<FoundDate> {
    let text = |k: usize| toks.get(k).map(|t| t.text);
    let size_like = text(i.checked_sub(1)?)?;
    if !(all_digits(size_like) || is_unit_size(size_like) || is_glued_size(size_like)) {
        return None;
    }
    let first = text(i)?;
    let second = text(i + 1);
    let third = text(i + 2);
    // The usual forms after a size with a unit, and with `24:00`.
    if let Some(found) = usual_or_midnight(toks, i, now) {
        return Some(found);
    }
    if let (Some(month), Some(day)) = (month_word(first), second.and_then(day_word)) {
        // VShell: `Oct 08, 2002 09:47`.
        if second?.ends_with(',') {
            if let (Some(year), Some((h, m, _))) =
                (third.and_then(year4), text(i + 3).and_then(clock))
            {
                return Some(FoundDate {
                    end_index: i + 3,
                    modified: utc_time(year, month, day, h, m, 0, 0),
                });
            }
        }
        return Some(FoundDate {
            end_index: i + 2,
            modified: time_or_year(month, day, third?.trim_end_matches(['年', '년']), now)?,
        });
    }
    if let (Some(day), Some(month)) = (day_word(first), second.and_then(month_word)) {
        return Some(FoundDate {
            end_index: i + 2,
            modified: time_or_year(month, day, third?.trim_end_matches(['年', '년']), now)?,
        });
    }
    // Korean and Chinese year-first dates: `2005년 1월 6일`.
    if let Some(year) = first.strip_suffix(['년', '年']).and_then(year4) {
        let second = second?;
        let month = month_word(second).filter(|_| !second.is_ascii())?;
        let day = day_word(third?)?;
        return Some(FoundDate {
            end_index: i + 2,
            modified: utc_time(year, month, day, 0, 0, 0, 0),
        });
    }
    // `3 29 03:26`: month and day as numbers, then a time (never a year: `3 12 4096` could
    // be a group and a size).
    if let (Some(month), Some(day), Some((h, m, 0))) = (
        digits_value(first).filter(|m| (1..=12).contains(m)),
        second.and_then(day_of_month),
        third.and_then(clock),
    ) {
        return Some(FoundDate {
            end_index: i + 2,
            modified: infer_year(u8::try_from(month).ok()?, day, h, m, now),
        });
    }
    numeric_date(first, second, now).map(|(span, modified)| FoundDate {
        end_index: i + span,
        modified,
    })
}

/// `Mon DD HH:MM|YYYY` and `DD Mon …` as the usual forms read them, and the same with
/// `24:00` (the midnight at the end of that day).
fn usual_or_midnight(toks: &[Token<'_>], i: usize, now: SystemTime) -> Option<FoundDate> {
    let text = |k: usize| toks.get(k).map(|t| t.text);
    let (first, second, third) = (text(i)?, text(i + 1)?, text(i + 2)?);
    let (month, day) = match (month_number(first), day_of_month(second)) {
        (Some(m), Some(d)) => (m, d),
        _ => (month_number(second)?, day_of_month(first)?),
    };
    let modified = if third == "24:00" {
        infer_year(month, day, 23, 59, now).and_then(|t| t.checked_add(Duration::from_secs(60)))
    } else {
        time_or_year(month, day, third, now)?
    };
    Some(FoundDate {
        end_index: i + 2,
        modified,
    })
}

/// Numeric dates in one token, with the time (or year) that follows when the form has one:
/// (how many tokens after the first the date takes, the time).
fn numeric_date(
    first: &str,
    second: Option<&str>,
    now: SystemTime,
) -> Option<(usize, Option<SystemTime>)> {
    let clock_after = || second.and_then(clock).filter(|c| c.2 == 0);
    let parts: Vec<&str> = first.split(['-', '/', '.']).collect();
    let sep = first
        .chars()
        .find(|c| !c.is_ascii_digit() && !c.is_alphabetic())?;
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    let num = |p: &str| digits_value(p).and_then(|v| u8::try_from(v).ok());
    match (parts.as_slice(), lens.as_slice(), sep) {
        // `09-26 2000`, `09-26 13:45`
        ([m, d], [2, 2], '-') => {
            let (month, day) = (num(m)?, num(d)?);
            if !(1..=12).contains(&month) {
                return None;
            }
            Some((1, time_or_year(month, day, second?, now)?))
        }
        // `1999/10/12 17:12`, `24-04-2003 17:12`
        ([y, m, d], [4, 2, 2], '/') | ([d, m, y], [2, 2, 4], '-') => {
            let (h, mi, _) = clock_after()?;
            Some((
                1,
                utc_time(
                    i32::try_from(digits_value(y)?).ok()?,
                    num(m)?,
                    num(d)?,
                    h,
                    mi,
                    0,
                    0,
                ),
            ))
        }
        // `2004.07.15`
        ([y, m, d], [4, 2, 2], '.') => Some((
            0,
            utc_time(
                i32::try_from(digits_value(y)?).ok()?,
                num(m)?,
                num(d)?,
                0,
                0,
                0,
                0,
            ),
        )),
        // `01-jun-99`: two-digit years 70–99 are 19xx, 00–69 20xx.
        ([d, mon, y], [2, 3, 2], '-') => {
            let month = month_number(mon)?;
            let yy = i32::try_from(digits_value(y)?).ok()?;
            let year = if yy >= 70 { 1900 + yy } else { 2000 + yy };
            Some((0, utc_time(year, month, num(d)?, 0, 0, 0, 0)))
        }
        _ => None,
    }
}

/// `33.5k`, `12M`: a size rounded to a unit.
fn is_unit_size(s: &str) -> bool {
    let Some(number) = s.strip_suffix(['k', 'K', 'm', 'M', 'g', 'G', 't', 'T']) else {
        return false;
    };
    match number.split_once('.') {
        Some((whole, fraction)) => all_digits(whole) && all_digits(fraction),
        None => all_digits(number),
    }
}

/// `2003`, as a year.
fn year4(s: &str) -> Option<i32> {
    (s.len() == 4).then_some(())?;
    i32::try_from(digits_value(s)?).ok()
}

/// A month name in English or in a few other languages (`Juli`, `Okt.`, `szept`, `mai`),
/// or a number with the CJK month sign (`10月`, `1월`); trailing `.` and `,` are ignored.
fn month_word(s: &str) -> Option<u8> {
    let s = s.trim_end_matches(['.', ',']);
    if let Some(n) = s.strip_suffix(['月', '월']) {
        return u8::try_from(digits_value(n)?)
            .ok()
            .filter(|m| (1..=12).contains(m));
    }
    if let Some(m) = month_number(s) {
        return Some(m);
    }
    // German, French, Spanish, Italian, Dutch and Hungarian abbreviations and names that
    // are not English ones; none means two different months in two languages.
    const OTHER: [(&str, u8); 38] = [
        ("jän", 1),
        ("janv", 1),
        ("ene", 1),
        ("gen", 1),
        ("januar", 1),
        ("febr", 2),
        ("févr", 2),
        ("februar", 2),
        ("mär", 3),
        ("mrz", 3),
        ("mars", 3),
        ("márc", 3),
        ("mrt", 3),
        ("märz", 3),
        ("avr", 4),
        ("abr", 4),
        ("ápr", 4),
        ("mai", 5),
        ("mag", 5),
        ("máj", 5),
        ("mei", 5),
        ("juni", 6),
        ("juin", 6),
        ("giu", 6),
        ("jún", 6),
        ("juli", 7),
        ("juil", 7),
        ("lug", 7),
        ("júl", 7),
        ("août", 8),
        ("ago", 8),
        ("sept", 9),
        ("set", 9),
        ("szept", 9),
        ("okt", 10),
        ("ott", 10),
        ("dez", 12),
        ("déc", 12),
    ];
    let lower = s.to_lowercase();
    OTHER
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, m)| *m)
}

/// A day of the month, with a trailing `.` or `,` or the CJK day sign (`26.`, `6일`).
fn day_word(s: &str) -> Option<u8> {
    let s = s.trim_end_matches(['.', ',']);
    let s = s.strip_suffix(['日', '일']).unwrap_or(s);
    day_of_month(s)
}

/// The third date token: `HH:MM` (year to infer) or `YYYY`. The outer `None` means "not a
/// date"; the inner one "a date, but not a real one" (`Feb 30`).
pub(super) fn time_or_year(
    month: u8,
    day: u8,
    s: &str,
    now: SystemTime,
) -> Option<Option<SystemTime>> {
    if s.len() == 4 && all_digits(s) {
        let year = i32::try_from(digits_value(s)?).ok()?;
        return Some(utc_time(year, month, day, 0, 0, 0, 0));
    }
    let (hour, minute, second) = clock(s)?;
    if second != 0 {
        // A year-less date with seconds would need its own inference; no server sends it.
        return None;
    }
    Some(infer_year(month, day, hour, minute, now))
}

/// `1`..`31`, with or without a leading zero.
pub(super) fn day_of_month(s: &str) -> Option<u8> {
    if s.len() > 2 {
        return None;
    }
    let day = u8::try_from(digits_value(s)?).ok()?;
    (1..=31).contains(&day).then_some(day)
}

/// `H:MM`, `HH:MM` or `HH:MM:SS`, range-checked.
fn clock(s: &str) -> Option<(u8, u8, u8)> {
    let mut parts = s.split(':');
    let hour = parts.next()?;
    let minute = parts.next()?;
    let second = parts.next();
    if parts.next().is_some() || hour.len() > 2 || minute.len() != 2 {
        return None;
    }
    let hour = u8::try_from(digits_value(hour)?).ok()?;
    let minute = u8::try_from(digits_value(minute)?).ok()?;
    let second = match second {
        Some(s) if s.len() == 2 => u8::try_from(digits_value(s)?).ok()?,
        Some(_) => return None,
        None => 0,
    };
    (hour < 24 && minute < 60 && second < 60).then_some((hour, minute, second))
}

/// `YYYY-MM-DD`, syntactically (the calendar check comes later).
fn iso_date(s: &str) -> Option<(i32, u8, u8)> {
    let mut parts = s.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    Some((
        i32::try_from(digits_value(year)?).ok()?,
        u8::try_from(digits_value(month)?).ok()?,
        u8::try_from(digits_value(day)?).ok()?,
    ))
}

/// `1,3` (major and minor glued together) or FreeBSD's `0x3d`.
fn is_device_number(s: &str) -> bool {
    if let Some(hex) = s.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    matches!(s.split_once(','), Some((major, minor)) if all_digits(major) && all_digits(minor))
}

/// The size before the date starting at token `date_at`, and where the owner/group fields
/// end. Device files show `major, minor` instead of a size: size `None` then.
fn size_before(
    toks: &[Token<'_>],
    date_at: usize,
    is_device: bool,
) -> Option<(Option<u64>, usize)> {
    let size_at = date_at.checked_sub(1)?;
    let size_text = toks.get(size_at)?.text;
    if is_device {
        if is_device_number(size_text) {
            return Some((None, size_at));
        }
        // `1, 3`: the major number is a token of its own, ending in a comma.
        if let Some(major_at) = size_at.checked_sub(1).filter(|&k| k >= 1) {
            let major = toks.get(major_at)?.text;
            if major.strip_suffix(',').is_some_and(all_digits) && all_digits(size_text) {
                return Some((None, major_at));
            }
        }
    }
    Some((parse_u64(size_text), size_at))
}

/// Assigns the tokens between the permissions and the size. With three of them they are
/// link count, owner, group. Servers that drop one drop either the group (`ls -lG`,
/// some embedded servers) or the link count (some Windows servers); a leading number
/// tells the two apart, since a link count is always a number and an owner rarely is.
/// More than three means a group name with spaces (`Domain Users`), kept as listed.
fn owner_and_group(line: &str, fields: &[Token<'_>]) -> (Option<String>, Option<String>) {
    let rest = match fields.first() {
        Some(first) if all_digits(first.text) => fields.get(1..).unwrap_or_default(),
        _ => fields,
    };
    let owner = rest.first().map(|t| t.text.to_string());
    let group = match (rest.get(1), rest.last()) {
        (Some(first), Some(last)) => line.get(first.start..last.end).map(str::to_string),
        _ => None,
    };
    (owner, group)
}
