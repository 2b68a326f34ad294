//! Shell-style patterns for `--include` / `--exclude`: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`.

/// A file-name pattern, matched the way lftp's `--exclude-glob` does: a pattern without a
/// `/` matches the last component of a path (`*.tmp` excludes `a/b/x.tmp`); a pattern with
/// one matches the whole path below the root (`logs/*` excludes `logs/a.txt`, and `*`
/// does not cross `/`).
///
/// ```
/// use ftpkit_core::Glob;
/// let g = Glob::new("*.tmp");
/// assert!(g.matches(b"cache/x.tmp"));
/// assert!(!g.matches(b"cache/x.tmp.keep"));
/// assert!(Glob::new("logs/*").matches(b"logs/a.txt"));
/// assert!(!Glob::new("logs/*").matches(b"logs/old/a.txt"));
/// assert!(Glob::new("report-[0-9].csv").matches(b"report-7.csv"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: Vec<u8>,
    whole_path: bool,
}

impl Glob {
    /// A pattern; any text is valid (an unclosed `[` matches itself).
    pub fn new(pattern: impl AsRef<[u8]>) -> Glob {
        let pattern = pattern.as_ref().to_vec();
        let whole_path = pattern.contains(&b'/');
        Glob {
            pattern,
            whole_path,
        }
    }

    /// Whether `path` (below the root, `/`-separated) matches.
    pub fn matches(&self, path: &[u8]) -> bool {
        let subject = if self.whole_path {
            path
        } else {
            path.rsplit(|&b| b == b'/').next().unwrap_or(path)
        };
        fnmatch(&self.pattern, subject)
    }
}

/// Iterative matching with one backtrack point per `*`: linear in practice, and never
/// exponential whatever the pattern.
fn fnmatch(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                b'?' if text[t] != b'/' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                b'[' => {
                    if let Some((hit, next)) = class(&pattern[p..], text[t]) {
                        if hit {
                            p += next;
                            t += 1;
                            continue;
                        }
                    } else if text[t] == b'[' {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pattern.len() && pattern[p + 1] == text[t] => {
                    p += 2;
                    t += 1;
                    continue;
                }
                c if c == text[t] && c != b'?' && c != b'\\' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        // Mismatch: let the last `*` take one more byte (never a `/`).
        match star {
            Some((sp, st)) if text[st] != b'/' => {
                star = Some((sp, st + 1));
                p = sp + 1;
                t = st + 1;
            }
            _ => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// A `[...]` class at the start of `pattern`: whether `c` is in it and the class's length;
/// `None` when the bracket is not closed.
fn class(pattern: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pattern.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    while i < pattern.len() {
        let b = pattern[i];
        if b == b']' && !first {
            return Some((hit != negate && c != b'/', i + 1));
        }
        first = false;
        if i + 2 < pattern.len() && pattern[i + 1] == b'-' && pattern[i + 2] != b']' {
            if (b..=pattern[i + 2]).contains(&c) {
                hit = true;
            }
            i += 3;
        } else {
            if b == c {
                hit = true;
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let m = |p: &str, t: &str| Glob::new(p).matches(t.as_bytes());
        assert!(m("*", "anything"));
        assert!(m("*.txt", "a/b/c.txt"));
        assert!(!m("*.txt", "a/b/c.txt/d"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("?.csv", "x.csv"));
        assert!(!m("?.csv", "xy.csv"));
        assert!(m("[abc].txt", "b.txt"));
        assert!(!m("[!abc].txt", "b.txt"));
        assert!(m("[!abc].txt", "d.txt"));
        assert!(m("[a-c]x", "bx"));
        assert!(m("[]]", "]"));
        assert!(m("a[", "a["), "an unclosed bracket is literal");
        assert!(m("dir/*.log", "dir/x.log"));
        assert!(!m("dir/*.log", "dir/sub/x.log"));
        assert!(!m("dir/*", "other/dir/x"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "x"));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("**", "x"));
    }

    #[test]
    fn long_inputs_stay_fast() {
        let text = vec![b'a'; 10_000];
        let pattern = "*a*a*a*a*a*a*a*b";
        assert!(!Glob::new(pattern).matches(&text));
    }
}
