//! Comparing two trees and deciding, before anything moves, what to create, transfer, skip
//! and delete, each with its reason.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, SystemTime};

use crate::list::{EntryKind, ListEntry};
use crate::path::RemotePath;
use crate::retry::RetryPolicy;

use super::glob::Glob;
use super::local::{LocalKind, LocalTree};
use super::walk::RemoteTree;

/// Which way files move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Direction {
    /// From the server to a local directory.
    Download,
    /// From a local directory to the server.
    Upload,
}

/// What to transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SyncMode {
    /// Every file of the source, whatever the target has.
    #[default]
    Copy,
    /// Only files missing on the target, of another size, or newer on the source (by more
    /// than the listing's time precision: a minute for most `LIST` lines, a day for old
    /// ones, a second for `MLSD`).
    Update,
}

/// How a tree transfer behaves.
///
/// ```
/// use ftpkit_core::{Glob, SyncMode, SyncOptions};
/// let mut o = SyncOptions::default();
/// o.mode = SyncMode::Update;
/// o.delete = true; // a mirror: remove what the source lacks (never after an incomplete listing)
/// o.exclude.push(Glob::new("*.tmp"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncOptions {
    /// Every file, or only what changed.
    pub mode: SyncMode,
    /// Also delete, on the target, what the source does not have. Refused as a whole
    /// when any listing of either side failed or was not fully understood.
    pub delete: bool,
    /// When not empty, only files matching one of these are transferred.
    pub include: Vec<Glob>,
    /// Files and directories matching one of these are neither transferred nor deleted.
    pub exclude: Vec<Glob>,
    /// Upload each file under a temporary name (`.NAME.ftpkit-part`) and rename it when it
    /// is complete, so that nobody sees a partial file under the real name. Downloads
    /// always go through `NAME.part`.
    pub atomic_uploads: bool,
    /// Give each copy the source's modification time (`MFMT` on the server when offered).
    pub preserve_times: bool,
    /// Attempts per file and the waits between them.
    pub retry: RetryPolicy,
}

impl Default for SyncOptions {
    fn default() -> SyncOptions {
        SyncOptions {
            mode: SyncMode::Copy,
            delete: false,
            include: Vec::new(),
            exclude: Vec::new(),
            atomic_uploads: false,
            preserve_times: true,
            retry: RetryPolicy::default(),
        }
    }
}

/// One step of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Create a directory on the target.
    MakeDir,
    /// Copy a file from the source to the target.
    Transfer,
    /// Leave the entry as it is.
    Skip,
    /// Delete a file (or link) on the target.
    Delete,
    /// Remove a directory on the target (after its contents).
    RemoveDir,
}

/// Why a step is in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// Copy mode: every file is transferred.
    Copy,
    /// The target does not have it.
    Missing,
    /// The sizes differ.
    SizeDiffers {
        /// The source's size.
        source: u64,
        /// The target's size.
        target: u64,
    },
    /// The source is newer than the target by more than the time precision.
    SourceNewer,
    /// Same size, and the target is not older: nothing to do.
    Unchanged,
    /// An `--include`/`--exclude` pattern left it out.
    Filtered,
    /// A symbolic link: reported, not followed or copied.
    Link,
    /// Not a regular file or directory (device, pipe, an unknown listing type).
    NotAFile,
    /// A file on one side is a directory on the other: left for a person to sort out.
    KindConflict,
    /// The source does not have it (deleted only when [`SyncOptions::delete`]).
    NotOnSource,
    /// It would be deleted, but a listing was incomplete: nothing is deleted.
    DeletionWithheld,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Copy => f.write_str("copy"),
            Reason::Missing => f.write_str("missing on the target"),
            Reason::SizeDiffers { source, target } => {
                write!(f, "size differs ({source} bytes here, {target} there)")
            }
            Reason::SourceNewer => f.write_str("newer on the source"),
            Reason::Unchanged => f.write_str("unchanged"),
            Reason::Filtered => f.write_str("filtered out"),
            Reason::Link => f.write_str("symbolic link, not followed"),
            Reason::NotAFile => f.write_str("not a regular file"),
            Reason::KindConflict => f.write_str("a file on one side, a directory on the other"),
            Reason::NotOnSource => f.write_str("not on the source"),
            Reason::DeletionWithheld => f.write_str(
                "not on the source, but a listing was incomplete, so nothing is deleted",
            ),
        }
    }
}

/// One step: what to do with one path, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Action {
    /// The path below both roots, `/`-separated.
    pub path: RemotePath,
    /// What to do.
    pub op: Op,
    /// Why.
    pub reason: Reason,
    /// The source file's size, when known.
    pub size: Option<u64>,
    /// The source's modification time, given to the copy when times are preserved.
    pub modified: Option<SystemTime>,
}

/// Everything a tree transfer will do, decided before it starts: inspect it (a dry run),
/// then give it to [`crate::TreeSync::run`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Plan {
    /// Which way files move.
    pub direction: Direction,
    /// Every step: directories to make first (parents before children), then files,
    /// then deletions (contents before their directories).
    pub actions: Vec<Action>,
    /// What could not be read on either side (a listing failed, a line not understood).
    /// When not empty, the plan deletes nothing.
    pub problems: Vec<String>,
    /// How far the server's `LIST` times are from UTC, when measured (`MDTM` of one file
    /// against its listed time); already taken off the remote times compared.
    pub clock_offset: Option<i64>,
    /// The remote root, absolute.
    pub remote_root: RemotePath,
    /// False when the remote root does not exist yet (an upload makes it).
    pub remote_exists: bool,
}

impl Plan {
    /// The steps with this op.
    pub fn with_op(&self, op: Op) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(move |a| a.op == op)
    }

    /// Files to transfer, and their total size as far as known.
    pub fn transfer_totals(&self) -> (usize, u64) {
        self.with_op(Op::Transfer)
            .fold((0, 0), |(n, b), a| (n + 1, b + a.size.unwrap_or(0)))
    }

    /// True when nothing needs doing.
    pub fn is_noop(&self) -> bool {
        self.actions.iter().all(|a| a.op == Op::Skip)
    }
}

impl fmt::Display for Plan {
    /// One line per step that does something (skips are summed): the dry-run view.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut skipped = 0;
        for a in &self.actions {
            let verb = match a.op {
                Op::MakeDir => "mkdir",
                Op::Transfer => match self.direction {
                    Direction::Download => "get",
                    Direction::Upload => "put",
                },
                Op::Delete => "delete",
                Op::RemoveDir => "rmdir",
                Op::Skip => {
                    if a.reason == Reason::DeletionWithheld {
                        "keep"
                    } else {
                        skipped += 1;
                        continue;
                    }
                }
            };
            writeln!(f, "{verb:<6} {} ({})", a.path, a.reason)?;
        }
        let (n, bytes) = self.transfer_totals();
        writeln!(
            f,
            "{n} files to transfer ({bytes} bytes), {skipped} skipped"
        )?;
        for p in &self.problems {
            writeln!(f, "problem: {p}")?;
        }
        Ok(())
    }
}

/// A side of the comparison, reduced to what matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Link,
    Other,
}

#[derive(Debug, Clone)]
struct Side {
    kind: Kind,
    size: Option<u64>,
    modified: Option<SystemTime>,
    /// How exact `modified` is.
    precision: Duration,
}

fn remote_sides(tree: &RemoteTree, offset: Option<i64>) -> BTreeMap<RemotePath, Side> {
    tree.entries
        .iter()
        .map(|e| {
            let kind = match e.entry.kind {
                EntryKind::File => Kind::File,
                EntryKind::Dir => Kind::Dir,
                EntryKind::Link => Kind::Link,
                _ => Kind::Other,
            };
            let modified = e.entry.modified.map(|t| shift(t, offset));
            let side = Side {
                kind,
                size: e.entry.size,
                modified,
                precision: time_precision(&e.entry),
            };
            (e.path.clone(), side)
        })
        .collect()
}

fn local_sides(tree: &LocalTree) -> BTreeMap<RemotePath, Side> {
    tree.entries
        .iter()
        .map(|e| {
            let kind = match e.kind {
                LocalKind::File => Kind::File,
                LocalKind::Dir => Kind::Dir,
                LocalKind::Link => Kind::Link,
                _ => Kind::Other,
            };
            let side = Side {
                kind,
                size: (kind == Kind::File).then_some(e.size),
                modified: e.modified,
                precision: Duration::from_secs(1),
            };
            (e.path.clone(), side)
        })
        .collect()
}

/// A remote listing time moved by the measured offset (seconds the listing is ahead of UTC).
fn shift(t: SystemTime, offset: Option<i64>) -> SystemTime {
    match offset {
        Some(o) if o > 0 => t.checked_sub(Duration::from_secs(o as u64)).unwrap_or(t),
        Some(o) if o < 0 => t
            .checked_add(Duration::from_secs(o.unsigned_abs()))
            .unwrap_or(t),
        _ => t,
    }
}

/// How exact a listed time is: `MLSD` gives seconds, `ls -l` minutes for recent files and
/// only the day for older ones (`Mon DD  YYYY`).
pub(crate) fn time_precision(e: &ListEntry) -> Duration {
    let raw = e.raw.to_ascii_lowercase();
    if raw.contains("modify=") {
        return Duration::from_secs(1);
    }
    let has_clock = e.raw.split_whitespace().any(|w| {
        let b = w.as_bytes();
        matches!(b.len(), 4 | 5)
            && b[b.len() - 3] == b':'
            && b.iter().filter(|c| c.is_ascii_digit()).count() == b.len() - 1
    });
    if has_clock {
        Duration::from_secs(60)
    } else {
        Duration::from_secs(24 * 3600)
    }
}

/// Whether `path` or one of its parent directories is excluded.
fn excluded(path: &RemotePath, options: &SyncOptions) -> bool {
    let bytes = path.as_bytes();
    let mut prefixes = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'/')
        .map(|(i, _)| &bytes[..i])
        .collect::<Vec<_>>();
    prefixes.push(bytes);
    prefixes
        .iter()
        .any(|p| options.exclude.iter().any(|g| g.matches(p)))
}

fn included(path: &RemotePath, options: &SyncOptions) -> bool {
    options.include.is_empty() || options.include.iter().any(|g| g.matches(path.as_bytes()))
}

/// Compares `source` with `target` and lists every step.
fn compare(
    direction: Direction,
    source: BTreeMap<RemotePath, Side>,
    target: BTreeMap<RemotePath, Side>,
    problems: Vec<String>,
    clock_offset: Option<i64>,
    options: &SyncOptions,
) -> Plan {
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    let mut deletes = Vec::new();
    let action = |path: &RemotePath, op, reason, side: Option<&Side>| Action {
        path: path.clone(),
        op,
        reason,
        size: side.and_then(|s| s.size),
        modified: side.and_then(|s| s.modified),
    };
    // Directories that exist (or will) on the target, so that a filtered-out directory's
    // files are not made either.
    let mut skipped_dirs: BTreeSet<RemotePath> = BTreeSet::new();
    for (path, s) in &source {
        if excluded(path, options) {
            if s.kind == Kind::Dir {
                skipped_dirs.insert(path.clone());
            }
            files.push(action(path, Op::Skip, Reason::Filtered, Some(s)));
            continue;
        }
        let t = target.get(path);
        match s.kind {
            Kind::Dir => match t.map(|t| t.kind) {
                None => dirs.push(action(path, Op::MakeDir, Reason::Missing, Some(s))),
                Some(Kind::Dir) => {}
                Some(_) => {
                    skipped_dirs.insert(path.clone());
                    files.push(action(path, Op::Skip, Reason::KindConflict, Some(s)));
                }
            },
            Kind::Link => files.push(action(path, Op::Skip, Reason::Link, Some(s))),
            Kind::Other => files.push(action(path, Op::Skip, Reason::NotAFile, Some(s))),
            Kind::File => {
                if !included(path, options) {
                    files.push(action(path, Op::Skip, Reason::Filtered, Some(s)));
                    continue;
                }
                let reason = match t {
                    None => Reason::Missing,
                    Some(t) if t.kind == Kind::Dir => Reason::KindConflict,
                    Some(_) if options.mode == SyncMode::Copy => Reason::Copy,
                    Some(t) => update_reason(s, t),
                };
                let op = match reason {
                    Reason::KindConflict | Reason::Unchanged => Op::Skip,
                    _ => Op::Transfer,
                };
                files.push(action(path, op, reason, Some(s)));
            }
        }
    }
    if options.delete {
        let withheld = !problems.is_empty();
        // Deepest first: contents before their directory.
        for (path, t) in target.iter().rev() {
            if source.contains_key(path) || excluded(path, options) {
                continue;
            }
            let op = match (withheld, t.kind) {
                (true, _) => Op::Skip,
                (false, Kind::Dir) => Op::RemoveDir,
                (false, _) => Op::Delete,
            };
            let reason = if withheld {
                Reason::DeletionWithheld
            } else {
                Reason::NotOnSource
            };
            deletes.push(action(path, op, reason, Some(t)));
        }
    }
    // Files inside directories that cannot be made are skipped too.
    for a in &mut files {
        if a.op == Op::Transfer && skipped_dirs.iter().any(|d| is_below(&a.path, d)) {
            a.op = Op::Skip;
            a.reason = Reason::Filtered;
        }
    }
    let mut actions = dirs;
    actions.extend(files);
    actions.extend(deletes);
    Plan {
        direction,
        actions,
        problems,
        clock_offset,
        remote_root: RemotePath::default(),
        remote_exists: true,
    }
}

fn is_below(path: &RemotePath, dir: &RemotePath) -> bool {
    let (p, d) = (path.as_bytes(), dir.as_bytes());
    p.len() > d.len() && p.starts_with(d) && p[d.len()] == b'/'
}

/// The update rule: another size, or a source newer than the target beyond what either
/// side's times can tell apart.
fn update_reason(s: &Side, t: &Side) -> Reason {
    match (s.size, t.size) {
        (Some(a), Some(b)) if a != b => {
            return Reason::SizeDiffers {
                source: a,
                target: b,
            }
        }
        (Some(_), None) | (None, Some(_)) | (None, None) => return Reason::SourceNewer,
        _ => {}
    }
    let slack = s.precision.max(t.precision);
    match (s.modified, t.modified) {
        (Some(a), Some(b)) if a > b + slack => Reason::SourceNewer,
        (Some(_), Some(_)) => Reason::Unchanged,
        // Without times, equal sizes are all there is to go by.
        _ => Reason::Unchanged,
    }
}

impl Plan {
    /// The plan for downloading `remote` into `local`.
    pub fn download(
        remote: &RemoteTree,
        local: &LocalTree,
        clock_offset: Option<i64>,
        options: &SyncOptions,
    ) -> Plan {
        let problems = problems(remote, local);
        compare(
            Direction::Download,
            remote_sides(remote, clock_offset),
            local_sides(local),
            problems,
            clock_offset,
            options,
        )
    }

    /// The plan for uploading `local` into `remote`.
    pub fn upload(
        local: &LocalTree,
        remote: &RemoteTree,
        clock_offset: Option<i64>,
        options: &SyncOptions,
    ) -> Plan {
        let problems = problems(remote, local);
        compare(
            Direction::Upload,
            local_sides(local),
            remote_sides(remote, clock_offset),
            problems,
            clock_offset,
            options,
        )
    }
}

fn problems(remote: &RemoteTree, local: &LocalTree) -> Vec<String> {
    remote
        .problems
        .iter()
        .map(|p| format!("server: {p}"))
        .chain(
            local
                .problems
                .iter()
                .map(|(p, e)| format!("local: {}: {e}", p.display())),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn side(kind: Kind, size: u64, secs: u64) -> Side {
        Side {
            kind,
            size: (kind == Kind::File).then_some(size),
            modified: Some(UNIX_EPOCH + Duration::from_secs(secs)),
            precision: Duration::from_secs(60),
        }
    }

    fn map(items: &[(&str, Side)]) -> BTreeMap<RemotePath, Side> {
        items
            .iter()
            .map(|(p, s)| (RemotePath::from(*p), s.clone()))
            .collect()
    }

    fn ops(plan: &Plan) -> Vec<(String, Op)> {
        plan.actions
            .iter()
            .map(|a| (a.path.to_string(), a.op))
            .collect()
    }

    #[test]
    fn update_transfers_only_what_changed() {
        let src = map(&[
            ("d", side(Kind::Dir, 0, 0)),
            ("d/same.txt", side(Kind::File, 10, 1000)),
            ("d/bigger.txt", side(Kind::File, 11, 1000)),
            ("d/newer.txt", side(Kind::File, 10, 5000)),
            ("d/within-a-minute.txt", side(Kind::File, 10, 1030)),
            ("new", side(Kind::Dir, 0, 0)),
            ("new/x", side(Kind::File, 1, 0)),
        ]);
        let dst = map(&[
            ("d", side(Kind::Dir, 0, 0)),
            ("d/same.txt", side(Kind::File, 10, 1000)),
            ("d/bigger.txt", side(Kind::File, 10, 1000)),
            ("d/newer.txt", side(Kind::File, 10, 1000)),
            ("d/within-a-minute.txt", side(Kind::File, 10, 1000)),
            ("gone.txt", side(Kind::File, 3, 0)),
        ]);
        let mut o = SyncOptions {
            mode: SyncMode::Update,
            ..SyncOptions::default()
        };
        let plan = compare(
            Direction::Download,
            src.clone(),
            dst.clone(),
            vec![],
            None,
            &o,
        );
        assert_eq!(
            ops(&plan),
            vec![
                ("new".into(), Op::MakeDir),
                ("d/bigger.txt".into(), Op::Transfer),
                ("d/newer.txt".into(), Op::Transfer),
                ("d/same.txt".into(), Op::Skip),
                ("d/within-a-minute.txt".into(), Op::Skip),
                ("new/x".into(), Op::Transfer),
            ]
        );
        o.delete = true;
        let plan = compare(
            Direction::Download,
            src.clone(),
            dst.clone(),
            vec![],
            None,
            &o,
        );
        assert_eq!(plan.actions.last().unwrap().op, Op::Delete);
        // An incomplete listing: the deletion is withheld, the transfers still go ahead.
        let plan = compare(Direction::Download, src, dst, vec!["x".into()], None, &o);
        let last = plan.actions.last().unwrap();
        assert_eq!(
            (last.op, &last.reason),
            (Op::Skip, &Reason::DeletionWithheld)
        );
        assert_eq!(plan.transfer_totals().0, 3);
    }

    #[test]
    fn filters_and_conflicts() {
        let src = map(&[
            ("a.tmp", side(Kind::File, 1, 0)),
            ("keep.txt", side(Kind::File, 1, 0)),
            ("cache", side(Kind::Dir, 0, 0)),
            ("cache/x.txt", side(Kind::File, 1, 0)),
            ("clash", side(Kind::File, 1, 0)),
            ("ln", side(Kind::Link, 0, 0)),
        ]);
        let dst = map(&[
            ("clash", side(Kind::Dir, 0, 0)),
            ("old.tmp", side(Kind::File, 1, 0)),
        ]);
        let o = SyncOptions {
            exclude: vec![Glob::new("*.tmp"), Glob::new("cache")],
            delete: true,
            ..SyncOptions::default()
        };
        let plan = compare(Direction::Upload, src, dst, vec![], None, &o);
        let got: Vec<_> = plan
            .actions
            .iter()
            .map(|a| (a.path.to_string(), a.op, a.reason.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.tmp".into(), Op::Skip, Reason::Filtered),
                ("cache".into(), Op::Skip, Reason::Filtered),
                ("cache/x.txt".into(), Op::Skip, Reason::Filtered),
                ("clash".into(), Op::Skip, Reason::KindConflict),
                ("keep.txt".into(), Op::Transfer, Reason::Missing),
                ("ln".into(), Op::Skip, Reason::Link),
            ],
            "old.tmp is excluded, so not deleted"
        );
    }

    #[test]
    fn listing_time_precision() {
        let e = |raw: &str| {
            let mut e = ListEntry::unknown(raw);
            e.kind = EntryKind::File;
            e
        };
        let p = |raw| time_precision(&e(raw)).as_secs();
        assert_eq!(p("type=file;modify=20240101000000; a"), 1);
        assert_eq!(p("-rw-r--r-- 1 u g 5 Jan 02 10:11 a"), 60);
        assert_eq!(p("-rw-r--r-- 1 u g 5 Jan 02  2019 a"), 86400);
        assert_eq!(p("01-02-24  10:11AM  5 a"), 86400, "DOS times: be generous");
    }
}
