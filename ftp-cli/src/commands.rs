//! The one-path commands: `mkdir [-p]`, `rmdir`, `rm [-r]`, `mv`, `cat`, `stat`, `quote`.

use std::io::{self, Write};
use std::path::Path;

use ftpkit::{Client, EntryKind, Error, ListEntry, RemotePath};

use crate::args::Opts;
use crate::failure::{local, usage, Failure, NOT_FOUND};
use crate::session::{open, quit, rpath};

/// Deeper than this, a tree is taken for a server that lies (a directory in itself).
const MAX_DEPTH: usize = 256;

/// `ftpc mkdir URL` and `ftpc mkdir -p URL`.
pub(crate) fn mkdir(url: &str, parents: bool, opts: &Opts) -> Result<(), Failure> {
    let (mut ftp, path) = open(url, opts)?;
    if parents {
        mkdir_parents(&mut ftp, &path)?;
    } else {
        ftp.mkdir(rpath(&path)?)?;
    }
    quit(ftp);
    Ok(())
}

/// Makes every missing directory of `path`, top first; one that exists as a directory is
/// fine, anything else that refuses is the failure.
fn mkdir_parents(ftp: &mut Client, path: &str) -> Result<(), Failure> {
    let mut probe = Probe::default();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err(usage("mkdir -p needs a directory path in the URL"));
    }
    if probe.is_dir(ftp, path)? {
        return Ok(());
    }
    let mut prefix = if path.starts_with('/') {
        "/".to_string()
    } else {
        String::new()
    };
    for part in parts {
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        prefix.push_str(part);
        if part == "." || part == ".." {
            continue;
        }
        if let Err(e) = ftp.mkdir(rpath(&prefix)?) {
            if !matches!(e, Error::Reply { .. }) || !probe.is_dir(ftp, &prefix)? {
                return Err(e.into());
            }
        }
    }
    Ok(())
}

/// Asks whether a path is a directory: MLST when the server has it, else CWD there and
/// back to the login directory.
#[derive(Default)]
struct Probe {
    home: Option<RemotePath>,
}

impl Probe {
    fn home(&mut self, ftp: &mut Client) -> Result<RemotePath, Error> {
        if let Some(h) = &self.home {
            return Ok(h.clone());
        }
        let h = ftp.pwd()?;
        self.home = Some(h.clone());
        Ok(h)
    }

    fn is_dir(&mut self, ftp: &mut Client, path: &str) -> Result<bool, Failure> {
        if ftp.features().has("MLST") {
            return match ftp.mlst(rpath(path)?) {
                Ok(e) => Ok(is_dir_entry(&e)),
                Err(Error::Reply { .. }) => Ok(false),
                Err(e) => Err(e.into()),
            };
        }
        let home = self.home(ftp)?;
        match ftp.cwd(rpath(path)?) {
            Ok(()) => {
                ftp.cwd(&home)?;
                Ok(true)
            }
            Err(Error::Reply { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

fn is_dir_entry(e: &ListEntry) -> bool {
    e.kind == EntryKind::Dir || fact_type(e).is_some_and(|t| t == "cdir")
}

/// The MLSx `type=` fact, lower-cased.
fn fact_type(e: &ListEntry) -> Option<String> {
    e.raw.split(';').find_map(|f| {
        let (k, v) = f.trim().split_once('=')?;
        k.eq_ignore_ascii_case("type")
            .then(|| v.to_ascii_lowercase())
    })
}

/// `ftpc rmdir URL`.
pub(crate) fn rmdir(url: &str, opts: &Opts) -> Result<(), Failure> {
    let (mut ftp, path) = open(url, opts)?;
    if path.is_empty() {
        return Err(usage("rmdir needs a directory path in the URL"));
    }
    ftp.rmdir(rpath(&path)?)?;
    quit(ftp);
    Ok(())
}

/// `ftpc rm URL` and `ftpc rm -r URL`.
pub(crate) fn rm(url: &str, recursive: bool, opts: &Opts) -> Result<(), Failure> {
    let (mut ftp, path) = open(url, opts)?;
    if recursive {
        rm_tree(&mut ftp, &path)?;
    } else {
        ftp.delete(rpath(&path)?)?;
    }
    quit(ftp);
    Ok(())
}

/// The path with `.`, `..` and repeated slashes resolved (`..` above the top is dropped,
/// as a server does at `/`).
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

struct Removal {
    files: usize,
    dirs: usize,
}

/// Deletes `path` and everything below it, deepest first.
fn rm_tree(ftp: &mut Client, path: &str) -> Result<(), Failure> {
    let norm = normalise(path);
    if norm.is_empty() || norm == "/" {
        return Err(usage(format!(
            "rm -r refuses to delete {}: give a directory below it",
            if norm.is_empty() {
                "the login directory"
            } else {
                "/"
            }
        )));
    }
    let mut probe = Probe::default();
    if norm.starts_with('/') {
        let home = probe.home(ftp)?;
        if normalise(&home.to_string_lossy()) == norm {
            return Err(usage(format!(
                "rm -r refuses to delete {norm}: it is the login directory"
            )));
        }
    }
    if !probe.is_dir(ftp, path)? {
        ftp.delete(rpath(path)?)?;
        return Ok(());
    }
    let mut done = Removal { files: 0, dirs: 0 };
    let top = rpath(path)?;
    remove_dir(ftp, &top, 0, &mut done).map_err(|(at, f)| Failure {
        code: f.code,
        message: format!(
            "{}; rm -r stopped at {at}: {} files and {} directories were deleted, {at} and the rest of {path} are left as they were",
            f.message, done.files, done.dirs
        ),
    })?;
    log::info!(
        "rm -r {path}: {} files and {} directories deleted",
        done.files,
        done.dirs
    );
    Ok(())
}

fn remove_dir(
    ftp: &mut Client,
    dir: &RemotePath,
    depth: usize,
    done: &mut Removal,
) -> Result<(), (RemotePath, Failure)> {
    let fail = |f: Failure| (dir.clone(), f);
    if depth > MAX_DEPTH {
        return Err(fail(Failure {
            code: 7,
            message: format!("the tree is deeper than {MAX_DEPTH} directories"),
        }));
    }
    let entries = ftp.list(dir).map_err(|e| fail(e.into()))?;
    for e in entries {
        let name = e.name.as_bytes();
        if name.is_empty() || name == b"." || name == b".." {
            continue;
        }
        let child = dir.join(e.name.clone());
        // A name with a slash would reach outside this directory; a line nobody could read
        // may be anything. Neither is deleted blindly.
        if name.contains(&b'/') || e.kind == EntryKind::Unknown {
            return Err((
                child,
                Failure {
                    code: 7,
                    message: format!("cannot tell what the listing line {:?} is", e.raw),
                },
            ));
        }
        if let Some("cdir" | "pdir") = fact_type(&e).as_deref() {
            continue;
        }
        if e.kind == EntryKind::Dir {
            remove_dir(ftp, &child, depth + 1, done)?;
        } else {
            ftp.delete(&child)
                .map_err(|err| (child.clone(), err.into()))?;
            done.files += 1;
        }
    }
    ftp.rmdir(dir).map_err(|e| fail(e.into()))?;
    done.dirs += 1;
    Ok(())
}

/// `ftpc mv URL NEWPATH`.
pub(crate) fn mv(url: &str, new_path: &str, opts: &Opts) -> Result<(), Failure> {
    if new_path.is_empty() {
        return Err(usage("mv needs a new path"));
    }
    let (mut ftp, path) = open(url, opts)?;
    if path.is_empty() {
        return Err(usage("mv needs the path to rename in the URL"));
    }
    let to = target_path(&path, new_path);
    ftp.rename(rpath(&path)?, rpath(&to)?)?;
    log::info!("renamed {path} to {to}");
    quit(ftp);
    Ok(())
}

/// NEWPATH as the server should see it: absolute as given, else beside the URL's path.
fn target_path(path: &str, new_path: &str) -> String {
    if new_path.starts_with('/') {
        return new_path.to_string();
    }
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) => format!("/{new_path}"),
        Some((dir, _)) => format!("{dir}/{new_path}"),
        None => new_path.to_string(),
    }
}

/// `ftpc cat URL`.
pub(crate) fn cat(url: &str, opts: &Opts) -> Result<(), Failure> {
    let (mut ftp, path) = open(url, opts)?;
    if path.is_empty() || path.ends_with('/') {
        return Err(usage("cat needs a file path in the URL"));
    }
    crate::get::run(
        &mut ftp,
        crate::get::Get {
            path,
            target: "-".into(),
            resume: false,
            verify: false,
        },
    )?;
    quit(ftp);
    Ok(())
}

/// What `stat` found, and how.
struct Found {
    kind: EntryKind,
    size: Option<u64>,
    modified: Option<std::time::SystemTime>,
    via: &'static str,
}

/// `ftpc stat URL`.
pub(crate) fn stat(url: &str, json: bool, opts: &Opts) -> Result<(), Failure> {
    let (mut ftp, path) = open(url, opts)?;
    let f = find(&mut ftp, &path)?;
    let kind = match f.kind {
        EntryKind::File => "file",
        EntryKind::Dir => "dir",
        EntryKind::Link => "link",
        _ => "other",
    };
    let modified = crate::ls::rfc3339(f.modified);
    let line = if json {
        serde_json::json!({
            "path": path,
            "type": kind,
            "size": f.size,
            "modified": modified,
            "via": f.via,
        })
        .to_string()
    } else {
        let size = f.size.map_or("-".into(), |s| s.to_string());
        format!(
            "{kind} {size} {} {path}",
            modified.as_deref().unwrap_or("-")
        )
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| local("writing", Path::new("stdout"), e))?;
    quit(ftp);
    Ok(())
}

fn not_found(path: &str, how: &str) -> Failure {
    Failure {
        code: NOT_FOUND,
        message: format!("command: {path}: no such file or directory ({how})"),
    }
}

/// MLST when the server has it, else SIZE (and MDTM), else the parent's listing.
fn find(ftp: &mut Client, path: &str) -> Result<Found, Failure> {
    if ftp.features().has("MLST") {
        let e = ftp.mlst(rpath(path)?)?;
        let kind = if is_dir_entry(&e) {
            EntryKind::Dir
        } else {
            e.kind
        };
        return Ok(Found {
            kind,
            size: e.size.filter(|_| kind == EntryKind::File),
            modified: e.modified,
            via: "mlst",
        });
    }
    match ftp.size(rpath(path)?) {
        Ok(size) => {
            let modified = match ftp.mdtm(rpath(path)?) {
                Ok(t) => Some(t),
                Err(Error::Reply { .. } | Error::Protocol { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            return Ok(Found {
                kind: EntryKind::File,
                size: Some(size),
                modified,
                via: "size+mdtm",
            });
        }
        // A directory, no SIZE, or nothing there: the listing tells.
        Err(Error::Reply { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let p = RemotePath::from(path);
    let Some(name) = p.file_name() else {
        // The login directory or /: a directory if one can go there.
        return if Probe::default().is_dir(ftp, path)? {
            Ok(Found {
                kind: EntryKind::Dir,
                size: None,
                modified: None,
                via: "cwd",
            })
        } else {
            Err(not_found(path, "CWD refused"))
        };
    };
    let parent = p.parent().unwrap_or_default();
    let e = ftp
        .list(&parent)?
        .into_iter()
        .find(|e| e.name == name)
        .ok_or_else(|| not_found(path, "not in its directory's listing"))?;
    Ok(Found {
        kind: e.kind,
        size: e.size.filter(|_| e.kind == EntryKind::File),
        modified: e.modified,
        via: "list",
    })
}

/// `ftpc quote URL CMD...`: the reply on standard output, the exit code by its class.
pub(crate) fn quote(url: &str, words: &[String], opts: &Opts) -> Result<(), Failure> {
    let line = words.join(" ");
    if line.contains(['\r', '\n', '\0']) {
        return Err(usage(
            "quote: the command contains a line break or NUL: one command, one line",
        ));
    }
    if line.trim().is_empty() {
        return Err(usage("quote needs a command"));
    }
    let (mut ftp, _) = open(url, opts)?;
    let reply = ftp.raw(&line)?;
    let mut out = io::stdout().lock();
    for l in reply.lines() {
        // A server's bytes go to a terminal: no control characters (escape sequences).
        let shown: String = l
            .chars()
            .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
            .collect();
        writeln!(out, "{shown}").map_err(|e| local("writing", Path::new("stdout"), e))?;
    }
    out.flush()
        .map_err(|e| local("writing", Path::new("stdout"), e))?;
    quit(ftp);
    if reply.code() >= 400 {
        let verb = line.split_ascii_whitespace().next().unwrap_or("");
        return Err(Failure {
            code: 6,
            message: format!("command: {verb} refused: server replied {}", reply.code()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_paths() {
        assert_eq!(normalise(""), "");
        assert_eq!(normalise("./"), "");
        assert_eq!(normalise("a/.."), "");
        assert_eq!(normalise("/"), "/");
        assert_eq!(normalise("//x/../"), "/");
        assert_eq!(normalise("a//b/./c/"), "a/b/c");
        assert_eq!(normalise("/home/u/"), "/home/u");
    }

    #[test]
    fn mv_targets() {
        assert_eq!(target_path("a.txt", "b.txt"), "b.txt");
        assert_eq!(target_path("in/a.txt", "b.txt"), "in/b.txt");
        assert_eq!(target_path("in/a.txt", "../out/b.txt"), "in/../out/b.txt");
        assert_eq!(target_path("/srv/in/a", "b"), "/srv/in/b");
        assert_eq!(target_path("/a", "b"), "/b");
        assert_eq!(target_path("in/sub/", "new"), "in/new");
        assert_eq!(target_path("in/a.txt", "/abs/b"), "/abs/b");
    }
}
