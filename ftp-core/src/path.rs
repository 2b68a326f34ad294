//! Remote paths: the bytes a server names a file with.

use std::borrow::Cow;
use std::fmt;

/// A path on the server, kept as the bytes that go on the wire.
///
/// FTP names are bytes. Most servers use UTF-8, old ones a legacy charset, and some send
/// names that are valid in none; a `RemotePath` keeps them exactly, so that a name read
/// from a listing can be sent back unchanged to download, rename or delete the file.
/// `&str` and `String` convert into it for the common case, and every method of
/// [`crate::Client`] that takes a path takes `impl Into<RemotePath>`. Display is lossy
/// (invalid UTF-8 shows as `�`); [`RemotePath::as_bytes`] is exact.
///
/// ```
/// use ftpkit_core::RemotePath;
/// let dir = RemotePath::from("/pub/docs");
/// let file = dir.join("notes.txt");
/// assert_eq!(file, "/pub/docs/notes.txt");
/// assert_eq!(file.file_name().unwrap(), "notes.txt");
/// assert_eq!(file.parent().unwrap(), dir);
///
/// // A Latin-1 name ("café") survives as bytes, and displays lossily.
/// let legacy = RemotePath::from(b"caf\xe9".to_vec());
/// assert_eq!(legacy.as_bytes(), b"caf\xe9");
/// assert_eq!(legacy.to_str(), None);
/// assert_eq!(legacy.to_string(), "caf\u{fffd}");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RemotePath(Vec<u8>);

impl RemotePath {
    /// A path from any bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> RemotePath {
        RemotePath(bytes.into())
    }

    /// The bytes, exactly as they go on the wire.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The path as text, when it is valid UTF-8.
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The path as text, with `�` for bytes that are not UTF-8.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// True for the empty path (which commands treat as "the current directory").
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `name` below this path, with one `/` between them; an absolute `name` (starting
    /// with `/`) replaces the path, as it would on the server.
    pub fn join(&self, name: impl Into<RemotePath>) -> RemotePath {
        let name = name.into();
        if self.0.is_empty() || name.0.starts_with(b"/") {
            return name;
        }
        if name.0.is_empty() {
            return self.clone();
        }
        let mut out = self.0.clone();
        if !out.ends_with(b"/") {
            out.push(b'/');
        }
        out.extend_from_slice(&name.0);
        RemotePath(out)
    }

    /// The last component (after the last `/`, trailing slashes ignored); `None` for `/`
    /// or the empty path.
    pub fn file_name(&self) -> Option<RemotePath> {
        let trimmed = self.trimmed();
        let start = trimmed
            .iter()
            .rposition(|&b| b == b'/')
            .map_or(0, |i| i + 1);
        let name = &trimmed[start..];
        (!name.is_empty()).then(|| RemotePath(name.to_vec()))
    }

    /// Everything before the last component: `/a/b` → `/a`, `/a` → `/`, `a` → empty;
    /// `None` for `/` and the empty path.
    pub fn parent(&self) -> Option<RemotePath> {
        let trimmed = self.trimmed();
        if trimmed.is_empty() {
            return None;
        }
        Some(match trimmed.iter().rposition(|&b| b == b'/') {
            Some(0) => RemotePath(b"/".to_vec()),
            Some(i) => RemotePath(trimmed[..i].to_vec()),
            None => RemotePath::default(),
        })
    }

    /// The bytes without trailing slashes (but `/` alone stays empty-named).
    fn trimmed(&self) -> &[u8] {
        let mut end = self.0.len();
        while end > 0 && self.0[end - 1] == b'/' {
            end -= 1;
        }
        &self.0[..end]
    }
}

impl fmt::Display for RemotePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl fmt::Debug for RemotePath {
    /// Text as a quoted string; bytes that are not UTF-8 escaped (`"caf\xe9"`), so a
    /// log shows exactly what the server sent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_str() {
            Some(s) => fmt::Debug::fmt(s, f),
            None => write!(f, "\"{}\"", self.0.escape_ascii()),
        }
    }
}

impl AsRef<[u8]> for RemotePath {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for RemotePath {
    fn from(s: &str) -> RemotePath {
        RemotePath(s.as_bytes().to_vec())
    }
}

impl From<String> for RemotePath {
    fn from(s: String) -> RemotePath {
        RemotePath(s.into_bytes())
    }
}

impl From<&String> for RemotePath {
    fn from(s: &String) -> RemotePath {
        RemotePath(s.as_bytes().to_vec())
    }
}

impl From<&[u8]> for RemotePath {
    fn from(b: &[u8]) -> RemotePath {
        RemotePath(b.to_vec())
    }
}

impl From<Vec<u8>> for RemotePath {
    fn from(b: Vec<u8>) -> RemotePath {
        RemotePath(b)
    }
}

impl From<&RemotePath> for RemotePath {
    fn from(p: &RemotePath) -> RemotePath {
        p.clone()
    }
}

impl PartialEq<str> for RemotePath {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for RemotePath {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<String> for RemotePath {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<RemotePath> for str {
    fn eq(&self, other: &RemotePath) -> bool {
        self.as_bytes() == other.0
    }
}

impl PartialEq<RemotePath> for &str {
    fn eq(&self, other: &RemotePath) -> bool {
        self.as_bytes() == other.0
    }
}

#[cfg(test)]
mod tests {
    use super::RemotePath;

    #[test]
    fn join_parent_file_name() {
        let p = |s: &str| RemotePath::from(s);
        assert_eq!(p("a").join("b"), "a/b");
        assert_eq!(p("a/").join("b"), "a/b");
        assert_eq!(p("").join("b"), "b");
        assert_eq!(p("/a").join(""), "/a");
        assert_eq!(p("/a").join("/etc"), "/etc");
        assert_eq!(p("/a/b").parent().unwrap(), "/a");
        assert_eq!(p("/a").parent().unwrap(), "/");
        assert_eq!(p("a").parent().unwrap(), "");
        assert_eq!(p("/a/b/").parent().unwrap(), "/a");
        assert!(p("/").parent().is_none());
        assert!(p("").parent().is_none());
        assert_eq!(p("/a/b/").file_name().unwrap(), "b");
        assert!(p("/").file_name().is_none());
    }

    #[test]
    fn bytes_survive_and_debug_escapes() {
        let raw = b"\xff name".to_vec();
        let p = RemotePath::from(raw.clone());
        assert_eq!(p.as_bytes(), &raw[..]);
        assert_eq!(format!("{p:?}"), "\"\\xff name\"");
        assert_eq!(format!("{:?}", RemotePath::from("ü")), "\"ü\"");
        assert_eq!(p.join("x").as_bytes(), b"\xff name/x");
    }
}
