//! `ftpc ls`: entries printed as they arrive, in constant memory.

use std::io::{self, Write};
use std::path::Path;
use std::time::SystemTime;

use ftpkit::{EntryKind, ListEntry};

use crate::args::Opts;
use crate::failure::{local, Failure};
use crate::session::{open, quit};

/// Lists `url`, one line (or one JSON object) per entry.
pub(crate) fn run(url: &str, json: bool, opts: &Opts) -> Result<(), Failure> {
    let (mut ftp, path) = open(url, opts)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    for e in ftp.list_stream(crate::session::rpath(&path)?)? {
        let e = e?;
        let line = if json { json_line(&e) } else { human_line(&e) };
        writeln!(out, "{line}").map_err(|e| local("writing", Path::new("stdout"), e))?;
    }
    out.flush()
        .map_err(|e| local("writing", Path::new("stdout"), e))?;
    quit(ftp);
    Ok(())
}

fn kind_str(k: EntryKind) -> &'static str {
    match k {
        EntryKind::File => "file",
        EntryKind::Dir => "dir",
        EntryKind::Link => "link",
        // A line no parser understood: its text is in "raw", and "name" holds it too.
        EntryKind::Unknown => "unknown",
        _ => "other",
    }
}

pub(crate) fn rfc3339(t: Option<SystemTime>) -> Option<String> {
    let t = time::OffsetDateTime::from(t?);
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn json_line(e: &ListEntry) -> String {
    serde_json::json!({
        "name": crate::session::shown(&e.name),
        "type": kind_str(e.kind),
        "size": e.size,
        "modified": rfc3339(e.modified),
        "raw": e.raw,
    })
    .to_string()
}

fn human_line(e: &ListEntry) -> String {
    let t = match e.kind {
        EntryKind::Dir => 'd',
        EntryKind::Link => 'l',
        EntryKind::File => '-',
        EntryKind::Unknown => '?',
        _ => 'o',
    };
    if e.kind == EntryKind::Unknown {
        return format!("? {}", e.raw);
    }
    let size = e.size.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
    let when = rfc3339(e.modified).unwrap_or_else(|| "-".into());
    let link = e
        .link_target
        .as_ref()
        .map(|t| format!(" -> {}", crate::session::shown(t)))
        .unwrap_or_default();
    format!(
        "{t} {size:>12} {when:<20} {}{link}",
        crate::session::shown(&e.name)
    )
}
