//! The `FEAT` reply (RFC 2389): which extensions the server offers.

use std::collections::BTreeMap;

use crate::reply::Reply;

/// The features a server announced in its `FEAT` reply.
///
/// ```
/// use ftpkit_core::{Features, Reply};
/// let reply = Reply::new(211, vec![
///     "211-Features:".into(), " EPSV".into(), " MLST type*;size*;modify*;".into(),
///     " AUTH TLS".into(), " UTF8".into(), "211 End".into(),
/// ]);
/// let f = Features::from_reply(&reply);
/// assert!(f.has("mlst"));
/// assert_eq!(f.params("MLST"), Some("type*;size*;modify*;"));
/// assert_eq!(f.params("AUTH"), Some("TLS"));
/// assert!(!f.has("SIZE"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    map: BTreeMap<String, String>,
}

impl Features {
    /// Parses a `211` reply to `FEAT`. Any other reply (e.g. `500` from a server without
    /// FEAT) gives an empty set.
    pub fn from_reply(reply: &Reply) -> Features {
        let mut map = BTreeMap::new();
        if reply.code() != 211 {
            return Features { map };
        }
        let lines = reply.lines();
        // The first and last lines carry the code; features are the ones in between,
        // indented by one space (some servers forget the space).
        // Real servers announce a few dozen features; a reply of thousands of lines is not
        // worth a map entry per line.
        const MAX_FEATURES: usize = 1024;
        for line in lines
            .iter()
            .skip(1)
            .take(lines.len().saturating_sub(2).min(MAX_FEATURES))
        {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (name, params) = match line.split_once(' ') {
                Some((n, p)) => (n, p.trim()),
                None => (line, ""),
            };
            let name = name.to_ascii_uppercase();
            // Several AUTH lines are possible ("AUTH TLS", "AUTH SSL"): keep them all.
            map.entry(name)
                .and_modify(|v: &mut String| {
                    if !params.is_empty() {
                        if !v.is_empty() {
                            v.push(';');
                        }
                        v.push_str(params);
                    }
                })
                .or_insert_with(|| params.to_string());
        }
        Features { map }
    }

    /// True when the feature (case-insensitive) was announced.
    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(&name.to_ascii_uppercase())
    }

    /// The parameters after the feature name, if the feature was announced.
    pub fn params(&self, name: &str) -> Option<&str> {
        self.map.get(&name.to_ascii_uppercase()).map(String::as_str)
    }

    /// Every announced feature name, upper-cased, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(lines: &[&str]) -> Reply {
        Reply::new(211, lines.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn vsftpd_feat() {
        let f = Features::from_reply(&reply(&[
            "211-Features:",
            " EPRT",
            " EPSV",
            " MDTM",
            " PASV",
            " REST STREAM",
            " SIZE",
            " TVFS",
            " UTF8",
            "211 End",
        ]));
        for n in [
            "EPRT", "EPSV", "MDTM", "PASV", "REST", "SIZE", "TVFS", "UTF8",
        ] {
            assert!(f.has(n), "{n}");
        }
        assert_eq!(f.params("REST"), Some("STREAM"));
        assert!(!f.has("MLST"));
        assert_eq!(f.names().count(), 8);
    }

    #[test]
    fn several_auth_lines_and_missing_indent() {
        let f = Features::from_reply(&reply(&[
            "211-Extensions supported:",
            " AUTH TLS",
            "AUTH SSL",
            "211 END",
        ]));
        assert_eq!(f.params("AUTH"), Some("TLS;SSL"));
    }

    #[test]
    fn not_211_is_empty() {
        let f = Features::from_reply(&Reply::new(500, vec!["500 Unknown command".into()]));
        assert_eq!(f.names().count(), 0);
    }

    #[test]
    fn single_line_211_is_empty() {
        let f = Features::from_reply(&Reply::new(211, vec!["211 No features".into()]));
        assert_eq!(f.names().count(), 0);
    }
}
