//! Novell NetWare `LIST` lines:
//!
//! ```text
//! d [RWCEAFMS] rwinston                          512 Nov 24  2005 Favorites
//! - [R----F--] rhesus             214059       Oct 20 15:27    10-netware file
//! ```
//!
//! Type (`d` or `-`), the trustee rights in brackets, the owner, the size in bytes, an
//! `ls`-style date (`Mon DD HH:MM`, the year inferred as for Unix lines, or `Mon DD YYYY`),
//! and the name, which starts at the first non-space after the date. The rights stay in
//! `raw`: they are not Unix permission bits.

use std::time::SystemTime;

use super::unix::{day_of_month, time_or_year};
use super::{month_number, parse_u64, tokens, EntryKind, ListEntry};

/// Parses one NetWare line; `None` if it is not one.
pub(super) fn parse(line: &str, now: SystemTime) -> Option<ListEntry> {
    let toks = tokens(line);
    let kind = match toks.first()?.text {
        "d" => EntryKind::Dir,
        "-" => EntryKind::File,
        _ => return None,
    };
    let rights = toks.get(1)?.text;
    let inner = rights.strip_prefix('[')?.strip_suffix(']')?;
    if inner.len() != 8 || !inner.chars().all(|c| "RWCEAFMS-".contains(c)) {
        return None;
    }
    let owner = toks.get(2)?.text;
    let size = parse_u64(toks.get(3)?.text)?;
    let month = month_number(toks.get(4)?.text)?;
    let day = day_of_month(toks.get(5)?.text)?;
    let modified = time_or_year(month, day, toks.get(6)?.text, now)?;
    let name = line.get(toks.get(7)?.start..)?;
    let mut entry = ListEntry::empty(name, kind, line);
    entry.size = Some(size);
    entry.modified = modified;
    entry.owner = Some(owner.to_string());
    Some(entry)
}
