//! `MLSD` lines and the entry line of `MLST` replies (RFC 3659 section 7):
//!
//! ```text
//! modify=20240116103000;perm=adfrw;size=1234;type=file;UNIX.mode=0644; report.txt
//!  type=file;size=1234;modify=20240116103000; /home/alice/report.txt
//! ```

use super::{parse_mlsd_time, parse_u64, EntryKind, ListEntry};
use crate::path::RemotePath;

/// Parses one fact line (line terminator already removed).
pub(super) fn parse(line: &str) -> Option<ListEntry> {
    // Inside a `250-` MLST reply the entry is indented by exactly one space.
    let body = line.strip_prefix(' ').unwrap_or(line);
    let (facts, name) = match split_facts(body) {
        Some(split) => split,
        // `entry = [facts] SP pathname`: an MLSD line that starts with the space has no
        // facts at all, and the rest, whatever it holds, is the name.
        None if line.starts_with(' ') && !body.is_empty() => ("", body),
        None => return None,
    };
    if name.is_empty() {
        return None;
    }
    let mut entry = ListEntry::empty(name, EntryKind::Other, line);
    let mut size = None;
    let mut sizd = None;
    let (mut owner_name, mut owner_id) = (None, None);
    let (mut group_name, mut group_id) = (None, None);
    for fact in facts.split(';') {
        let Some((fact_name, value)) = fact.split_once('=') else {
            continue;
        };
        match fact_name.trim().to_ascii_lowercase().as_str() {
            "type" => {
                let (kind, target) = entry_type(value);
                entry.kind = kind;
                entry.link_target = target.map(RemotePath::from);
            }
            "size" => size = parse_u64(value).or(size),
            "sizd" => sizd = parse_u64(value).or(sizd),
            "modify" => entry.modified = parse_mlsd_time(value).or(entry.modified),
            "perm" => entry.perm = Some(value.to_string()),
            "unique" => entry.unique = Some(value.to_string()),
            "unix.mode" => entry.unix_mode = octal_mode(value).or(entry.unix_mode),
            // ProFTPD sends the number as UNIX.owner and the name as UNIX.ownername;
            // Pure-FTPd sends UNIX.uid. A name is the more useful of the two.
            "unix.ownername" | "unix.user" => owner_name = non_empty(value),
            "unix.owner" | "unix.uid" => owner_id = non_empty(value),
            "unix.groupname" => group_name = non_empty(value),
            "unix.group" | "unix.gid" => group_id = non_empty(value),
            _ => {}
        }
    }
    // `sizd` is the size of a directory's listing, only worth having when `size` is absent.
    entry.size = size.or(sizd);
    entry.owner = owner_name.or(owner_id);
    entry.group = group_name.or(group_id);
    Some(entry)
}

/// Splits `facts; name`. Fact values cannot contain spaces (RFC 3659 RCHAR), so the first
/// `;` followed by a space ends the facts (some servers put a tab there) and everything
/// after it, `;` and spaces included, is the name. What comes before must hold at least one
/// `name=value` fact (malformed ones among them are skipped later), or it is not facts.
///
/// Drafts of the MLST specification before `draft-ietf-ftpext-mlst-07` ended the facts
/// without the `;` (`type=file;size=5 name`). Such a line is
/// read too, but only when every fact in it is a well-formed `name=value`, since without
/// the `;` nothing else marks where the facts end.
fn split_facts(body: &str) -> Option<(&str, &str)> {
    let end = body.find([' ', '\t'])?;
    let head = &body[..end];
    let facts = match head.strip_suffix(';') {
        Some(facts) => facts,
        None if head
            .split(';')
            .all(|f| f.split_once('=').is_some_and(|(name, _)| !name.is_empty())) =>
        {
            head
        }
        None => return None,
    };
    if !facts.split(';').any(|f| f.contains('=')) {
        return None;
    }
    Some((facts, &body[end + 1..]))
}

/// The `type` fact: `file`, `dir`, `cdir`, `pdir`, or an `OS.name=type` value such as
/// ProFTPD's `OS.unix=symlink` and `OS.unix=slink:/target`.
fn entry_type(value: &str) -> (EntryKind, Option<String>) {
    let lower = value.to_ascii_lowercase();
    match lower.as_str() {
        "file" => return (EntryKind::File, None),
        "dir" => return (EntryKind::Dir, None),
        "os.unix=symlink" | "os.unix=slink" => return (EntryKind::Link, None),
        _ => {}
    }
    const SLINK: &str = "os.unix=slink:";
    // Compare the prefix case-insensitively but keep the target as sent; `get` keeps the cut
    // on a char boundary.
    match (value.get(..SLINK.len()), value.get(SLINK.len()..)) {
        (Some(prefix), Some(target)) if prefix.eq_ignore_ascii_case(SLINK) => {
            let target = (!target.is_empty()).then(|| target.to_string());
            (EntryKind::Link, target)
        }
        _ => (EntryKind::Other, None),
    }
}

/// `UNIX.mode=0755`: octal, reduced to the permission bits (some servers include the file
/// type bits, `100644`).
fn octal_mode(value: &str) -> Option<u32> {
    if value.is_empty() || value.len() > 11 || !value.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(value, 8).ok().map(|m| m & 0o7777)
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_string())
}
