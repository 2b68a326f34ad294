//! The local side of a tree transfer: a directory scanned without following symbolic links,
//! with the same relative paths as the remote side.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::path::RemotePath;

/// What a local entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (not followed).
    Link,
    /// Anything else (device, socket, pipe).
    Other,
}

/// One entry of a local tree.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocalEntry {
    /// The path below the root, `/`-separated, as it will be named on the server.
    pub path: RemotePath,
    /// What it is.
    pub kind: LocalKind,
    /// Size in bytes (files).
    pub size: u64,
    /// Last modification time.
    pub modified: Option<SystemTime>,
}

/// A local directory tree.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct LocalTree {
    /// The root directory.
    pub root: PathBuf,
    /// Every entry below the root, directories before what they hold.
    pub entries: Vec<LocalEntry>,
    /// Directories or entries that could not be read, with the error.
    pub problems: Vec<(PathBuf, io::Error)>,
}

impl LocalTree {
    /// Scans `root`. A missing root is an empty tree (a download into a new directory);
    /// a root that is not a directory is an error.
    pub fn scan(root: impl Into<PathBuf>) -> io::Result<LocalTree> {
        let root = root.into();
        let mut tree = LocalTree {
            root: root.clone(),
            ..LocalTree::default()
        };
        match fs::symlink_metadata(&root) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(tree),
            Err(e) => return Err(e),
            Ok(m) if !m.is_dir() => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} is not a directory", root.display()),
                ))
            }
            Ok(_) => {}
        }
        let mut pending = vec![(root.clone(), RemotePath::default())];
        while let Some((dir, rel)) = pending.pop() {
            let read = match fs::read_dir(&dir) {
                Ok(r) => r,
                Err(e) => {
                    tree.problems.push((dir, e));
                    continue;
                }
            };
            let mut children: Vec<_> = Vec::new();
            for item in read {
                match item {
                    Ok(item) => children.push(item),
                    Err(e) => tree.problems.push((dir.clone(), e)),
                }
            }
            children.sort_by_key(|c| c.file_name());
            let mut subdirs = Vec::new();
            for child in children {
                let path = rel.join(name_bytes(&child.file_name()));
                let meta = match child.metadata() {
                    Ok(m) => m,
                    Err(e) => {
                        tree.problems.push((child.path(), e));
                        continue;
                    }
                };
                let ft = meta.file_type();
                let kind = if ft.is_symlink() {
                    LocalKind::Link
                } else if ft.is_dir() {
                    LocalKind::Dir
                } else if ft.is_file() {
                    LocalKind::File
                } else {
                    LocalKind::Other
                };
                if kind == LocalKind::Dir {
                    subdirs.push((child.path(), path.clone()));
                }
                tree.entries.push(LocalEntry {
                    path,
                    kind,
                    size: if kind == LocalKind::File {
                        meta.len()
                    } else {
                        0
                    },
                    modified: meta.modified().ok(),
                });
            }
            pending.extend(subdirs.into_iter().rev());
        }
        Ok(tree)
    }

    /// True when every directory could be read.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The local path of `rel` (a `/`-separated path below `root`). A name from a server is
/// never allowed out of `root`: `.`, `..`, NUL and (off Unix) `\` or `:` in a component
/// are refused.
pub(crate) fn local_path(root: &Path, rel: &RemotePath) -> io::Result<PathBuf> {
    let mut out = root.to_path_buf();
    for part in rel
        .as_bytes()
        .split(|&b| b == b'/')
        .filter(|p| !p.is_empty())
    {
        let odd = part == b"." || part == b".." || part.contains(&0);
        let odd = odd || (!cfg!(unix) && part.iter().any(|b| matches!(b, b'\\' | b':')));
        if odd {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the remote name {rel:?} cannot be a local path below the target directory"
                ),
            ));
        }
        out.push(os_name(part));
    }
    Ok(out)
}

#[cfg(unix)]
fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    name.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    name.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn os_name(part: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(part).to_os_string()
}

#[cfg(not(unix))]
fn os_name(part: &[u8]) -> std::ffi::OsString {
    String::from_utf8_lossy(part).into_owned().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_names_never_leave_the_root() {
        let root = Path::new("/tmp/target");
        let ok = local_path(root, &RemotePath::from("a/b c/d.txt")).unwrap();
        assert_eq!(ok, Path::new("/tmp/target/a/b c/d.txt"));
        for bad in ["../etc/passwd", "a/../../x", "./x", "a/\0b"] {
            let bad = bad.replace("\\0", "\0");
            assert!(
                local_path(root, &RemotePath::from(bad.as_str())).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn scan_reports_links_without_following_them() {
        let dir = std::env::temp_dir().join(format!("ftpkit-scan-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("sub/f.txt"), b"12345").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
        let tree = LocalTree::scan(&dir).unwrap();
        let got: Vec<_> = tree
            .entries
            .iter()
            .map(|e| (e.path.to_string(), e.kind, e.size))
            .collect();
        let mut want = vec![
            ("sub".to_string(), LocalKind::Dir, 0),
            ("sub/f.txt".to_string(), LocalKind::File, 5),
        ];
        if cfg!(unix) {
            want.push(("sub/loop".to_string(), LocalKind::Link, 0));
        }
        assert_eq!(got, want);
        assert!(tree.is_complete());
        assert!(LocalTree::scan(dir.join("missing"))
            .unwrap()
            .entries
            .is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
