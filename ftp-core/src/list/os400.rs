//! IBM i (OS/400, AS/400) `LIST` lines, as its FTP server sends them (`LISTFMT 0`):
//!
//! ```text
//! QSYS            77824 02/23/00 15:09:55 *DIR       QDOC/
//! RADDATZ           200 21.05.11 12:31:18 *STMF      TEST_RG_02_CRLF.properties
//! QPGMR        16347136 29.06.13 15:45:09 *FILE      RPGUNIT.SAVF
//! QPGMR                                   *MEM       RPGUNITC1.FILE/RUCALLTST.MBR
//! ```
//!
//! Owner, size in bytes, date, time, object type, name. Members (`*MEM`) are listed without
//! size or date. The name is the rest of the line, kept as listed (a member keeps its
//! `FILE/MEMBER.MBR` path); a trailing `/` (directories) is removed. The type gives the
//! kind: `*DIR`, `*LIB` and `*FLR` are directories; `*STMF`, `*DOC`, `*MEM` and `*FILE`
//! (a database or save file, whose members are listed as `*MEM`) are files; `*SYMLNK` a
//! link (the target is not listed); any other object type is [`EntryKind::Other`].
//!
//! The date follows the job's date format: `MM/DD/YY`, `DD/MM/YY` or `YY/MM/DD`, with `/`,
//! `.`, `-` or `,` between the fields. The time is kept only when the readings that make a
//! real date all agree (`02/23/00` can only be 2000-02-23; `04/03/18` could be three dates
//! and gives `None`). Two-digit years are read as IBM i reads them: 40–99 are 19xx, 00–39
//! are 20xx.

use super::{all_digits, clock, digits_value, parse_u64, tokens, utc_time, EntryKind, ListEntry};

/// Parses one IBM i line; `None` if it is not one.
pub(super) fn parse(line: &str) -> Option<ListEntry> {
    let toks = tokens(line);
    let owner = toks.first()?;
    if !is_name_word(owner.text) {
        return None;
    }
    let (size, modified, type_at) = match toks.get(1)?.text {
        "*MEM" => (None, None, 1),
        size => {
            let size = parse_u64(size)?;
            let date = toks.get(2)?.text;
            let (hour, minute, second) = clock(toks.get(3)?.text)?;
            let modified = date_readings(date)?
                .and_then(|(y, m, d)| utc_time(y, m, d, hour, minute, second, 0));
            (Some(size), modified, 4)
        }
    };
    let object_type = toks.get(type_at)?.text;
    let kind = kind(object_type)?;
    if object_type == "*MEM" && type_at != 1 {
        // Members have no size or date of their own; a line that gives them is not one.
        return None;
    }
    let name_tok = toks.get(type_at + 1)?;
    let name = line.get(name_tok.start..)?;
    let name = if kind == EntryKind::Dir {
        name.strip_suffix('/').unwrap_or(name)
    } else {
        name
    };
    if name.is_empty() {
        return None;
    }
    let mut entry = ListEntry::empty(name, kind, line);
    entry.size = size;
    entry.modified = modified;
    entry.owner = Some(owner.text.to_string());
    Some(entry)
}

/// The kind an object type means; `None` for a word that is not an object type.
fn kind(t: &str) -> Option<EntryKind> {
    let body = t.strip_prefix('*')?;
    if body.is_empty() || body.len() > 10 || !body.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Some(match body {
        "DIR" | "LIB" | "FLR" | "DDIR" => EntryKind::Dir,
        "STMF" | "DOC" | "MEM" | "FILE" | "DSTMF" => EntryKind::File,
        "SYMLNK" => EntryKind::Link,
        _ => EntryKind::Other,
    })
}

/// A user profile name: letters, digits, `$#@_`, not starting with a digit.
fn is_name_word(s: &str) -> bool {
    (1..=10).contains(&s.len())
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"$#@_".contains(&b))
}

/// The order of a two-digit date's fields, which the IBM i job's date format decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateOrder {
    Mdy,
    Dmy,
    Ymd,
}

const ORDERS: [DateOrder; 3] = [DateOrder::Mdy, DateOrder::Dmy, DateOrder::Ymd];

/// The date as each order reads it: `None` where that reading is no real date. The outer
/// `None`: not a date of three two-digit fields at all.
fn readings(s: &str) -> Option<[Option<(i32, u8, u8)>; 3]> {
    let sep = s.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, '/' | '.' | '-' | ',') {
        return None;
    }
    let parts: Vec<&str> = s.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if ![a, b, c].iter().all(|p| p.len() == 2 && all_digits(p)) {
        return None;
    }
    let n = |p: &str| digits_value(p).and_then(|v| u8::try_from(v).ok());
    let (a, b, c) = (n(a)?, n(b)?, n(c)?);
    let year = |yy: u8| {
        if yy >= 40 {
            1900 + i32::from(yy)
        } else {
            2000 + i32::from(yy)
        }
    };
    let real = |(y, m, d): (i32, u8, u8)| utc_time(y, m, d, 0, 0, 0, 0).map(|_| (y, m, d));
    Some([
        real((year(c), a, b)),
        real((year(c), b, a)),
        real((year(a), b, c)),
    ])
}

/// For a line [`parse`] reads, with a date: the orders in which its date is a real date.
pub(super) fn date_orders(line: &str) -> Vec<DateOrder> {
    let toks = tokens(line);
    match toks.get(2).and_then(|t| readings(t.text)) {
        Some(r) if parse(line).is_some() => ORDERS
            .into_iter()
            .zip(r)
            .filter_map(|(order, reading)| reading.map(|_| order))
            .collect(),
        _ => Vec::new(),
    }
}

/// The time of a line [`parse`] reads, its date read in `order` (the order the rest of the
/// listing showed).
pub(super) fn time_in_order(line: &str, order: DateOrder) -> Option<std::time::SystemTime> {
    parse(line)?;
    let toks = tokens(line);
    let r = readings(toks.get(2)?.text)?;
    let index = ORDERS.iter().position(|o| *o == order)?;
    let (y, m, d) = r.get(index).copied().flatten()?;
    let (hour, minute, second) = clock(toks.get(3)?.text)?;
    utc_time(y, m, d, hour, minute, second, 0)
}

/// A date of three two-digit fields. The outer `None`: not a date at all; the inner one: a
/// date whose readings disagree (or none is a real date).
fn date_readings(s: &str) -> Option<Option<(i32, u8, u8)>> {
    let r = readings(s)?;
    let mut valid = r.into_iter().flatten();
    let first = valid.next();
    Some(first.filter(|f| valid.all(|other| other == *f)))
}
