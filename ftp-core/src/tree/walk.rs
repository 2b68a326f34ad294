//! Walking a remote directory tree: every directory listed once, nothing followed into a
//! loop, and a listing that failed or could not be read kept as a failure of that directory,
//! never taken for an empty one.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::{Condvar, Mutex};

use log::{debug, info, warn};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::list::{EntryKind, ListEntry};
use crate::path::RemotePath;
use crate::pool::Pool;
use crate::retry::RetryPolicy;

/// Directories deeper than this below the root are not entered (reported as failures):
/// a server that lists a directory inside itself under a new name cannot keep a walk
/// going forever.
const MAX_DEPTH: usize = 128;

/// One entry found in a remote tree.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TreeEntry {
    /// The path below the walk's root, `/`-separated (`docs/a.txt`).
    pub path: RemotePath,
    /// The entry as listed: kind, size, modification time, link target… A symbolic link
    /// is reported as [`EntryKind::Link`] and never followed.
    pub entry: ListEntry,
}

/// Why part of a tree could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum TreeProblem {
    /// Listing a directory failed: its contents are unknown (not empty).
    ListingFailed {
        /// The directory, below the root.
        dir: RemotePath,
        /// What went wrong.
        error: Error,
    },
    /// A listing line no parser understood: one entry of that directory is unknown.
    UnreadableLine {
        /// The directory, below the root.
        dir: RemotePath,
        /// The line as the server sent it.
        line: String,
    },
    /// A directory not entered: too deep, or a name that cannot be a single path component.
    NotEntered {
        /// The directory (or the odd entry), below the root.
        path: RemotePath,
        /// Why.
        why: &'static str,
    },
}

impl fmt::Display for TreeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TreeProblem::ListingFailed { dir, error } => {
                write!(f, "listing {} failed: {error}", shown(dir))
            }
            TreeProblem::UnreadableLine { dir, line } => {
                write!(
                    f,
                    "in {}: a listing line no parser understands: {line:?}",
                    shown(dir)
                )
            }
            TreeProblem::NotEntered { path, why } => {
                write!(f, "{} not entered: {why}", shown(path))
            }
        }
    }
}

fn shown(p: &RemotePath) -> String {
    if p.is_empty() {
        "the root".into()
    } else {
        p.to_string()
    }
}

/// A remote tree as [`Client::walk`] found it.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct RemoteTree {
    /// The absolute path of the root on the server.
    pub root: RemotePath,
    /// Every entry below the root, directories before what they hold.
    pub entries: Vec<TreeEntry>,
    /// What could not be read. Empty when the whole tree was listed and understood.
    pub problems: Vec<TreeProblem>,
}

impl RemoteTree {
    /// True when every directory was listed and every line understood: only then may a
    /// mirror delete what this tree lacks.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }

    /// The regular files, with their sizes when listed.
    pub fn files(&self) -> impl Iterator<Item = &TreeEntry> {
        self.entries
            .iter()
            .filter(|e| e.entry.kind == EntryKind::File)
    }
}

impl Client {
    /// Lists `root` and every directory below it (`MLSD` when the server offers it, else
    /// `CWD` into each directory and `LIST`, which reads names with spaces and brackets
    /// exactly). Symbolic links are reported, never followed. A directory whose listing
    /// fails is recorded in [`RemoteTree::problems`] and the walk goes on with the others;
    /// only an error that leaves the session unusable (or a `root` that cannot be listed
    /// at all) ends it with `Err`.
    ///
    /// ```no_run
    /// # fn f(ftp: &mut ftpkit_core::Client) -> ftpkit_core::Result<()> {
    /// let tree = ftp.walk("/pub")?;
    /// for e in tree.files() {
    ///     println!("{} {:?}", e.path, e.entry.size);
    /// }
    /// if !tree.is_complete() {
    ///     for p in &tree.problems {
    ///         eprintln!("{p}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn walk(&mut self, root: impl Into<RemotePath>) -> Result<RemoteTree> {
        let root = root.into();
        let start = self.pwd().ok();
        let absolute = if root.as_bytes().starts_with(b"/") {
            root
        } else {
            let here = start.clone().ok_or_else(|| Error::Protocol {
                phase: crate::Phase::Command,
                detail: "the server did not say its current directory (PWD), so a relative walk root cannot be resolved".into(),
                last_reply: self.last_reply().cloned(),
            })?;
            here.join(root)
        };
        let use_mlsd = self.features().has("MLST");
        let mut tree = RemoteTree {
            root: absolute.clone(),
            ..RemoteTree::default()
        };
        // The root itself must be readable: a walk of nothing is an error, not a tree.
        let first = self.list_dir(&absolute, use_mlsd)?;
        let mut seen = HashSet::new();
        let mut pending = vec![(RemotePath::default(), first, 0usize)];
        while let Some((rel, listing, depth)) = pending.pop() {
            let subdirs = absorb(&mut tree, &mut seen, &rel, listing, depth);
            // Depth first, in listing order.
            for (dir, depth) in subdirs.into_iter().rev() {
                let abs = absolute.join(dir.clone());
                match self.list_dir(&abs, use_mlsd) {
                    Ok(listing) => pending.push((dir, listing, depth)),
                    Err(error) if self.is_usable() => {
                        warn!("walk: listing {abs} failed: {error}");
                        tree.problems
                            .push(TreeProblem::ListingFailed { dir, error });
                    }
                    Err(error) => return Err(error),
                }
            }
        }
        if !use_mlsd {
            if let Some(back) = start {
                // Polite: leave the session where it was.
                if let Err(e) = self.cwd(back) {
                    debug!("walk: could not return to the starting directory: {e}");
                }
            }
        }
        Ok(tree)
    }

    /// One directory's entries (`.` and `..` left out), by absolute path.
    pub(crate) fn list_dir(&mut self, dir: &RemotePath, use_mlsd: bool) -> Result<Vec<ListEntry>> {
        if !use_mlsd && self.system.is_none() {
            // LIST formats differ by system, and z/OS lists a PDS's members as bare names
            // only SYST explains: asked once per session, refused or not.
            match self.system() {
                Ok(_) => {}
                Err(e @ Error::Reply { .. }) => {
                    debug!("walk: SYST: {e}; listings are read from their lines alone");
                    self.system = Some(String::new());
                }
                Err(e) => return Err(e),
            }
        }
        if use_mlsd {
            return self.list(dir);
        }
        // LIST takes options and, on many servers, glob patterns: a directory named
        // "-rf" or "a[1]" would be misread. The directory is entered instead.
        self.cwd(dir)?;
        self.list("")
    }
}

/// Adds one directory's listing (`rel` below the root, `depth` levels down) to `tree`, and
/// returns the subdirectories still to list with their depth: each once (`seen`), none
/// deeper than [`MAX_DEPTH`].
fn absorb(
    tree: &mut RemoteTree,
    seen: &mut HashSet<RemotePath>,
    rel: &RemotePath,
    listing: Vec<ListEntry>,
    depth: usize,
) -> Vec<(RemotePath, usize)> {
    let mut subdirs = Vec::new();
    for entry in listing {
        if is_self_or_parent(&entry) {
            continue;
        }
        let Some(name) = component(&entry) else {
            tree.problems.push(TreeProblem::NotEntered {
                path: rel.join(entry.name.clone()),
                why: "the listed name is not a single path component",
            });
            continue;
        };
        let path = rel.join(name);
        match entry.kind {
            EntryKind::Unknown => {
                tree.problems.push(TreeProblem::UnreadableLine {
                    dir: rel.clone(),
                    line: entry.raw.clone(),
                });
                continue;
            }
            EntryKind::Dir if depth + 1 > MAX_DEPTH => {
                tree.problems.push(TreeProblem::NotEntered {
                    path: path.clone(),
                    why: "deeper than 128 levels below the root",
                })
            }
            EntryKind::Dir if seen.insert(path.clone()) => subdirs.push((path.clone(), depth + 1)),
            _ => {}
        }
        tree.entries.push(TreeEntry { path, entry });
    }
    subdirs
}

/// Walks `root` with every session of `pool` listing directories at once: on a long link
/// the listings, one or more round trips each, are most of a tree's cost. Same rules as
/// [`Client::walk`]; a session that breaks while listing is replaced, and that directory is
/// a problem of the tree (never an empty directory).
pub(crate) fn walk_pool(pool: &Pool, root: &RemotePath, retry: RetryPolicy) -> Result<RemoteTree> {
    let mut session = pool.get()?;
    let absolute = absolute(&mut session, root)?;
    let use_mlsd = session.features().has("MLST");
    let first = session.list_dir(&absolute, use_mlsd)?;
    drop(session);
    let mut tree = RemoteTree {
        root: absolute.clone(),
        ..RemoteTree::default()
    };
    let mut seen = HashSet::new();
    let queue = absorb(&mut tree, &mut seen, &RemotePath::default(), first, 0);
    struct State {
        queue: VecDeque<(RemotePath, usize)>,
        busy: usize,
        tree: RemoteTree,
        seen: HashSet<RemotePath>,
    }
    let state = Mutex::new(State {
        queue: queue.into(),
        busy: 0,
        tree,
        seen,
    });
    let changed = Condvar::new();
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    std::thread::scope(|s| {
        for _ in 0..pool.size() {
            s.spawn(|| loop {
                let mut st = lock();
                let (dir, depth) = loop {
                    if let Some(next) = st.queue.pop_front() {
                        break next;
                    }
                    if st.busy == 0 {
                        return;
                    }
                    st = changed.wait(st).unwrap_or_else(|p| p.into_inner());
                };
                st.busy += 1;
                drop(st);
                let abs = absolute.join(dir.clone());
                let listed = list_with_retries(pool, &abs, use_mlsd, retry);
                let mut st = lock();
                st.busy -= 1;
                match listed {
                    Ok(listing) => {
                        let State { tree, seen, .. } = &mut *st;
                        let more = absorb(tree, seen, &dir, listing, depth);
                        st.queue.extend(more);
                    }
                    Err(error) => {
                        warn!("walk: listing {abs} failed: {error}");
                        st.tree
                            .problems
                            .push(TreeProblem::ListingFailed { dir, error });
                    }
                }
                changed.notify_all();
            });
        }
    });
    let mut tree = state.into_inner().unwrap_or_else(|p| p.into_inner()).tree;
    // Parents before children, as the sequential walk gives them.
    tree.entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(tree)
}

/// One directory's listing on a session of `pool`, tried again as `retry` allows when the
/// error is one another attempt can fix (a dropped session is replaced first), so that a
/// passing failure does not leave the directory out of the tree.
fn list_with_retries(
    pool: &Pool,
    dir: &RemotePath,
    use_mlsd: bool,
    retry: RetryPolicy,
) -> Result<Vec<ListEntry>> {
    let mut attempt = 1;
    loop {
        let listed = pool.get().and_then(|mut session| {
            let r = session.list_dir(dir, use_mlsd);
            if r.is_err() && !session.is_usable() {
                session.discard();
            }
            r
        });
        match listed {
            Err(e) if retry.should_retry(attempt, &e) => {
                info!("walk: listing {dir} failed, attempt {attempt}: {e}");
                attempt += 1;
                // Backoff between attempts, not synchronisation.
                std::thread::sleep(retry.delay(attempt));
            }
            other => return other,
        }
    }
}

/// `path` made absolute against the session's current directory (`PWD`).
pub(crate) fn absolute(client: &mut Client, path: &RemotePath) -> Result<RemotePath> {
    if path.as_bytes().starts_with(b"/") {
        return Ok(path.clone());
    }
    Ok(client.pwd()?.join(path))
}

/// MLSD's `cdir` and `pdir` entries (the directory itself and its parent, often named by
/// their full path): not part of the tree.
fn is_self_or_parent(entry: &ListEntry) -> bool {
    if entry.kind != EntryKind::Other {
        return false;
    }
    let facts = entry
        .raw
        .split(' ')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    facts
        .split(';')
        .any(|f| matches!(f.trim(), "type=cdir" | "type=pdir"))
}

/// The entry's name when it is one path component (MLSD `cdir` entries and odd servers
/// can send a path).
fn component(entry: &ListEntry) -> Option<RemotePath> {
    let name = entry.name.as_bytes();
    if entry.kind == EntryKind::Unknown {
        // Kept whole for the problem report.
        return Some(entry.name.clone());
    }
    if name.is_empty() || name.contains(&b'/') || name == b"." || name == b".." {
        return None;
    }
    Some(entry.name.clone())
}
