//! Trust on first use: a file of the certificates a user accepted, one per server, the way
//! SSH's `known_hosts` works and FileZilla and WinSCP users trust self-signed servers.
//!
//! The first time, an application shows the server's certificate (subject, issuer,
//! validity, names and fingerprints, see [`crate::CertificateInfo`]) and records it when the
//! user accepts; from then on it connects with that certificate pinned
//! ([`crate::TlsOptions::pinned`]), so exactly that certificate is accepted, and a changed
//! one is refused with both fingerprints.
//!
//! The file has one line per server, `host:port sha256:AB:CD:…` (`[v6::addr]:port` for
//! IPv6), optionally followed by a comment; lines starting with `#` are comments. It is
//! rewritten whole through a temporary file and a rename, so a crash never leaves half a
//! file.
//!
//! ```
//! use ftpkit_core::{Fingerprints, KnownCertificates};
//! # let dir = tempfile::tempdir().unwrap();
//! # let der = include_bytes!("../tests/data/self-signed.der");
//! let path = dir.path().join("known_certs");
//! let mut known = KnownCertificates::load(&path).unwrap(); // a missing file is empty
//! assert!(known.get("ftp.example.net", 21).is_none());
//! // The user saw the certificate and accepted it:
//! let seen = Fingerprints::of_der(der);
//! known.insert("ftp.example.net", 21, seen.certificate_pin(), "CN=host");
//! known.save().unwrap();
//! // Later connections pin it:
//! let known = KnownCertificates::load(&path).unwrap();
//! assert_eq!(known.get("FTP.example.net", 21), Some(seen.certificate_pin()));
//! ```

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::pin::CertificatePin;

/// The certificates a user accepted, by server: trust on first use, as SSH's `known_hosts`.
///
/// The first time, an application shows the server's certificate ([`crate::CertificateInfo`])
/// and records it when the user accepts; from then on it connects with that certificate
/// pinned ([`crate::TlsOptions::pinned`]). One line per server, `host:port sha256:AB:…`, then
/// an optional comment; rewritten whole through a temporary file and a rename.
#[derive(Debug, Clone)]
pub struct KnownCertificates {
    path: PathBuf,
    /// (`host:port`, pin, comment), in file order.
    entries: Vec<(String, CertificatePin, String)>,
    /// Lines kept as they were: comments, and lines this version cannot read.
    other_lines: Vec<String>,
}

impl KnownCertificates {
    /// Reads the file at `path`; a missing file is an empty store. A line that cannot be
    /// read is kept as it is (and logged), never dropped by a later [`save`](Self::save).
    pub fn load(path: impl Into<PathBuf>) -> io::Result<KnownCertificates> {
        let path = path.into();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        let mut known = KnownCertificates {
            path,
            entries: Vec::new(),
            other_lines: Vec::new(),
        };
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let mut words = trimmed.splitn(3, char::is_whitespace);
            let parsed = match (trimmed.starts_with('#'), words.next(), words.next()) {
                (false, Some(server), Some(pin)) => pin.parse::<CertificatePin>().ok().map(|p| {
                    let comment = words.next().unwrap_or("").trim().to_owned();
                    (server.to_ascii_lowercase(), p, comment)
                }),
                _ => None,
            };
            match parsed {
                Some(entry) => known.entries.push(entry),
                None => {
                    if !trimmed.starts_with('#') {
                        log::warn!(
                            "{}: cannot read the line {trimmed:?}; it is kept as it is",
                            known.path.display()
                        );
                    }
                    known.other_lines.push(line.to_owned());
                }
            }
        }
        Ok(known)
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The certificate accepted for `host` (any case) and `port`, if any.
    pub fn get(&self, host: &str, port: u16) -> Option<CertificatePin> {
        let key = key(host, port);
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, p, _)| *p)
    }

    /// Records (or replaces) the certificate accepted for `host` and `port`; `comment` (one
    /// line, e.g. the subject and the date) is written after it for the human reader.
    pub fn insert(&mut self, host: &str, port: u16, pin: CertificatePin, comment: &str) {
        let key = key(host, port);
        let comment: String = comment
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        match self.entries.iter_mut().find(|(k, _, _)| *k == key) {
            Some(entry) => *entry = (key, pin, comment),
            None => self.entries.push((key, pin, comment)),
        }
    }

    /// Forgets `host` and `port`; true if it was known.
    pub fn remove(&mut self, host: &str, port: u16) -> bool {
        let key = key(host, port);
        let before = self.entries.len();
        self.entries.retain(|(k, _, _)| *k != key);
        self.entries.len() != before
    }

    /// Writes the store back (creating its directory), through a temporary file renamed
    /// over the old one.
    pub fn save(&self) -> io::Result<()> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir)?;
        let mut text = String::new();
        for line in &self.other_lines {
            text.push_str(line);
            text.push('\n');
        }
        for (server, pin, comment) in &self.entries {
            text.push_str(&format!("{server} {pin}"));
            if !comment.is_empty() {
                text.push_str(&format!(" {comment}"));
            }
            text.push('\n');
        }
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "known_certs".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        });
        match written.and_then(|()| fs::rename(&tmp, &self.path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

/// `host:port`, or `[v6]:port`, lower case.
fn key(host: &str, port: u16) -> String {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.contains(':') {
        true => format!("[{}]:{port}", host.to_ascii_lowercase()),
        false => format!("{}:{port}", host.to_ascii_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pin::Fingerprints;

    fn pin(n: u8) -> CertificatePin {
        CertificatePin::Certificate([n; 32])
    }

    #[test]
    fn entries_survive_a_round_trip_with_comments_and_unknown_lines_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/known_certs");
        let mut k = KnownCertificates::load(&path).unwrap();
        k.insert("Ftp.Example.net", 21, pin(1), "CN=ftp, accepted 2026-12-01");
        k.insert("::1", 2121, pin(2), "");
        k.save().unwrap();
        let mut text = fs::read_to_string(&path).unwrap();
        text.insert_str(0, "# my servers\nsomething from a later version\n");
        fs::write(&path, text).unwrap();

        let mut k = KnownCertificates::load(&path).unwrap();
        assert_eq!(k.get("ftp.example.NET", 21), Some(pin(1)));
        assert_eq!(k.get("[::1]", 2121), Some(pin(2)));
        assert_eq!(k.get("ftp.example.net", 990), None);
        k.insert("ftp.example.net", 21, pin(3), "replaced\nline");
        assert!(k.remove("::1", 2121));
        assert!(!k.remove("::1", 2121));
        k.save().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# my servers\nsomething from a later version\n"),
            "{text}"
        );
        assert!(text.contains(&format!("ftp.example.net:21 {} replaced line\n", pin(3))));
        assert!(!text.contains("[::1]"), "{text}");
        assert_eq!(
            fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn a_key_pin_is_stored_as_well() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known");
        let der = include_bytes!("../tests/data/self-signed.der");
        let key = Fingerprints::of_der(der).public_key_pin().unwrap();
        let mut k = KnownCertificates::load(&path).unwrap();
        k.insert("h", 21, key, "");
        k.save().unwrap();
        assert_eq!(
            KnownCertificates::load(&path).unwrap().get("h", 21),
            Some(key)
        );
    }
}
