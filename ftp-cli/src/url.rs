//! `ftp://[user[:password]@]host[:port]/path`, `ftps://` (implicit TLS) and `ftpes://`
//! (explicit TLS, required: what ftp:// means in ftpc anyway, spelled out) URLs.

use percent_encoding::percent_decode_str;

/// A parsed FTP URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpUrl {
    /// `true` for `ftps://` (implicit TLS).
    pub implicit_tls: bool,
    /// `true` for `ftpes://`: explicit TLS, and no option may turn it off.
    pub explicit_tls: bool,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port, when given.
    pub port: Option<u16>,
    /// Percent-decoded user, when given.
    pub user: Option<String>,
    /// Percent-decoded password, when given.
    pub password: Option<String>,
    /// Percent-decoded path as the server should see it: relative to the login directory
    /// (`ftp://h/a/b` → `a/b`), absolute when the URL has a double slash
    /// (`ftp://h//etc/x` → `/etc/x`), as curl does.
    pub path: String,
}

/// Parses an FTP URL; the error says what is wrong.
pub fn parse(s: &str) -> Result<FtpUrl, String> {
    // ftpes:// is ftp:// with TLS insisted on; parsed as ftp:// (a special scheme for the
    // url crate: host and path rules as for ftp).
    let explicit_tls = s
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("ftpes://"));
    let rewritten;
    let to_parse = if explicit_tls {
        rewritten = format!("ftp://{}", &s[8..]);
        rewritten.as_str()
    } else {
        s
    };
    let u = url::Url::parse(to_parse).map_err(|e| format!("cannot parse URL {s:?}: {e}"))?;
    let implicit_tls = match u.scheme() {
        "ftp" => false,
        "ftps" => true,
        other => {
            return Err(format!(
                "unsupported URL scheme {other:?}: use ftp:// (explicit TLS), ftpes:// (the same, spelled out) or ftps:// (implicit TLS)"
            ))
        }
    };
    // FTP URLs have no query or fragment: a '?' or '#' is part of a file name that must be
    // percent-encoded, not something to drop silently.
    if u.query().is_some() || u.fragment().is_some() {
        return Err(format!(
            "the URL {s:?} contains '?' or '#': in a file name write them as %3F and %23"
        ));
    }
    let host = match u.host() {
        Some(url::Host::Ipv6(a)) => a.to_string(),
        Some(h) => h.to_string(),
        None => return Err(format!("the URL {s:?} has no host")),
    };
    let decode = |v: &str| -> Result<String, String> {
        percent_decode_str(v)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| "the URL contains percent-encoded bytes that are not UTF-8".to_string())
    };
    let user = match u.username() {
        "" => None,
        v => Some(decode(v)?),
    };
    let password = u.password().map(decode).transpose()?;
    // The raw path keeps a leading double slash; url may normalise it, so read it from s.
    let raw_path = u.path();
    let path = match raw_path.strip_prefix('/') {
        Some(rest) => decode(rest)?,
        None => decode(raw_path)?,
    };
    Ok(FtpUrl {
        implicit_tls,
        explicit_tls,
        host,
        port: u.port(),
        user,
        password,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url() {
        let u = parse("ftp://bob:p%40ss%3Aw@example.com:2121/dir/my%20file.txt").unwrap();
        assert!(!u.implicit_tls);
        assert_eq!(u.host, "example.com");
        assert_eq!(u.port, Some(2121));
        assert_eq!(u.user.as_deref(), Some("bob"));
        assert_eq!(u.password.as_deref(), Some("p@ss:w"));
        assert_eq!(u.path, "dir/my file.txt");
    }

    #[test]
    fn minimal_and_ipv6_and_implicit() {
        let u = parse("ftp://127.0.0.1").unwrap();
        assert_eq!((u.port, u.user, u.path.as_str()), (None, None, ""));
        let u = parse("ftps://[::1]:990/x").unwrap();
        assert!(u.implicit_tls);
        assert_eq!(u.host, "::1");
        assert_eq!(u.port, Some(990));
        assert_eq!(u.path, "x");
    }

    #[test]
    fn ftpes_is_ftp_with_explicit_tls() {
        let u = parse("FTPES://bob@h:2121//abs/x%20y").unwrap();
        assert!(u.explicit_tls && !u.implicit_tls);
        assert_eq!((u.host.as_str(), u.port), ("h", Some(2121)));
        assert_eq!(u.user.as_deref(), Some("bob"));
        assert_eq!(u.path, "/abs/x y");
        assert!(!parse("ftp://h/").unwrap().explicit_tls);
        assert!(!parse("ftps://h/").unwrap().explicit_tls);
        assert!(parse("ftpes:/").is_err());
        assert!(parse("ftpe://h/").unwrap_err().contains("ftpes://"));
    }

    #[test]
    fn absolute_path_with_double_slash() {
        assert_eq!(parse("ftp://h//etc/motd").unwrap().path, "/etc/motd");
    }

    #[test]
    fn errors() {
        assert!(parse("http://h/x").unwrap_err().contains("scheme"));
        assert!(parse("not a url").is_err());
        assert!(parse("ftp://h/%ff").unwrap_err().contains("UTF-8"));
        assert!(parse("ftp://h/file#1.txt").unwrap_err().contains("%23"));
        assert!(parse("ftp://h/a?b").unwrap_err().contains("%3F"));
        assert_eq!(
            parse("ftp://h/file%231%3F.txt").unwrap().path,
            "file#1?.txt"
        );
    }
}
