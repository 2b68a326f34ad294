//! Which proxy a connection takes, as curl decides it: `--proxy URL` (an empty one: none),
//! else `ftp_proxy`/`FTP_PROXY`, else `all_proxy`/`ALL_PROXY`; then `--noproxy LIST`, else
//! `no_proxy`/`NO_PROXY`, exempts hosts from whichever proxy was chosen.

use std::net::IpAddr;

use ftpkit::Proxy;

use crate::args::Opts;
use crate::failure::{usage, Failure};

/// The proxy for `host`, from the options and the environment (`env` looks a variable up;
/// an empty value counts as unset).
pub(crate) fn proxy_for(
    opts: &Opts,
    host: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, Failure> {
    let var = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| env(n).filter(|v| !v.trim().is_empty()))
    };
    let (url, from) = match &opts.proxy {
        Some(url) => (url.clone(), "--proxy".to_string()),
        None => match var(&["ftp_proxy", "FTP_PROXY"])
            .map(|v| (v, "ftp_proxy"))
            .or_else(|| var(&["all_proxy", "ALL_PROXY"]).map(|v| (v, "all_proxy")))
        {
            Some((v, name)) => (v, format!("the {name} environment variable")),
            None => return Ok(None),
        },
    };
    if url.trim().is_empty() {
        return Ok(None);
    }
    let no_proxy = match &opts.noproxy {
        Some(list) => Some(list.clone()),
        None => var(&["no_proxy", "NO_PROXY"]),
    };
    if no_proxy.is_some_and(|list| exempt(host, &list)) {
        log::debug!("not using a proxy for {host}: it matches the no-proxy list");
        return Ok(None);
    }
    let proxy: Proxy = url
        .trim()
        .parse()
        .map_err(|e| usage(format!("{from}: {e}")))?;
    log::debug!("using the proxy {proxy} (from {from}) for {host}");
    Ok(Some(proxy))
}

/// curl's `no_proxy` rules: `*` alone exempts every host; otherwise each comma (or space)
/// separated entry is a host name that matches itself and its subdomains (a leading dot
/// is ignored: `example.com` and `.example.com` both match `ftp.example.com`), or an IP
/// address, optionally with a CIDR prefix length, that matches addresses literally given
/// as the host. Names are compared without case and without a trailing dot.
pub(crate) fn exempt(host: &str, list: &str) -> bool {
    let list = list.trim();
    if list == "*" {
        return true;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip = host.parse::<IpAddr>().ok();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    list.split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| match ip {
            Some(ip) => ip_matches(ip, entry),
            None => {
                let entry = entry
                    .trim_start_matches('.')
                    .trim_end_matches('.')
                    .to_ascii_lowercase();
                !entry.is_empty()
                    && (host == entry
                        || host
                            .strip_suffix(entry.as_str())
                            .is_some_and(|rest| rest.ends_with('.')))
            }
        })
}

fn ip_matches(ip: IpAddr, entry: &str) -> bool {
    let entry = entry.trim_start_matches('[');
    let (addr, bits) = match entry.split_once('/') {
        Some((a, b)) => (a, b.parse::<u32>().ok()),
        None => (entry, None),
    };
    let Ok(net) = addr.trim_end_matches(']').parse::<IpAddr>() else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            prefix_eq(u32::from(a).into(), u32::from(n).into(), 32, bits)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => prefix_eq(u128::from(a), u128::from(n), 128, bits),
        _ => false,
    }
}

/// The first `bits` of two `width`-bit numbers are equal (all of them without `bits`; an
/// impossible prefix length matches nothing).
fn prefix_eq(a: u128, n: u128, width: u32, bits: Option<u32>) -> bool {
    let bits = bits.unwrap_or(width);
    if bits > width {
        return false;
    }
    let shift = width - bits;
    if shift >= 128 {
        return true;
    }
    (a >> shift) == (n >> shift)
}

/// Active mode (`--active`, or an option that implies it) cannot go through a proxy: said
/// before anything is sent.
pub(crate) fn check_mode(active: bool, proxy: &Option<Proxy>) -> Result<(), Failure> {
    match proxy {
        Some(p) if active => Err(usage(format!(
            "active mode (--active) cannot work through the proxy {p}: the server would have to connect back to us; use passive mode (the default), or --noproxy for this host"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn no_proxy_as_curl_reads_it() {
        assert!(exempt("anything.example", "*"));
        assert!(exempt("ftp.example.com", "example.com"));
        assert!(exempt("ftp.example.com", ".example.com"));
        assert!(exempt("FTP.Example.COM.", "other, example.com"));
        assert!(exempt("example.com", ".example.com"));
        assert!(!exempt("badexample.com", "example.com"));
        assert!(!exempt("example.com.evil", "example.com"));
        assert!(!exempt("ftp.example.com", "*.example.com,x"));
        assert!(!exempt("host", "*,other"));
        assert!(exempt("10.1.2.3", "localhost,10.0.0.0/8"));
        assert!(exempt("10.1.2.3", "10.1.2.3"));
        assert!(!exempt("10.1.2.3", "10.1.2.4"));
        assert!(!exempt("11.1.2.3", "10.0.0.0/8"));
        assert!(exempt("[::1]", "::1"));
        assert!(exempt("fd00::5", "fd00::/8"));
        assert!(!exempt("::1", "127.0.0.1"));
        assert!(exempt("1.2.3.4", "0.0.0.0/0"));
        // A name never matches an address entry, nor an address a name.
        assert!(!exempt("localhost", "127.0.0.1"));
        assert!(!exempt("127.0.0.1", "localhost"));
        assert!(!exempt("host", ""));
    }

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        opts: Opts,
    }

    fn opts(args: &[&str]) -> Opts {
        T::parse_from(std::iter::once("t").chain(args.iter().copied())).opts
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn chosen(args: &[&str], vars: &[(&str, &str)], host: &str) -> Option<String> {
        proxy_for(&opts(args), host, env(vars))
            .unwrap_or_else(|f| panic!("{}", f.message))
            .map(|p| p.to_string())
    }

    #[test]
    fn option_then_ftp_proxy_then_all_proxy() {
        let vars = [
            ("ALL_PROXY", "socks5h://all:1"),
            ("FTP_PROXY", "http://ftp:2"),
            ("no_proxy", "skip.example"),
        ];
        assert_eq!(chosen(&[], &vars, "h").as_deref(), Some("http://ftp:2"));
        assert_eq!(
            chosen(&[], &vars[..1], "h").as_deref(),
            Some("socks5h://all:1")
        );
        // Lower case first, as curl does; an empty value is no value.
        let vars2 = [
            ("ftp_proxy", ""),
            ("all_proxy", "socks5://a:3"),
            ("ALL_PROXY", "x:4"),
        ];
        assert_eq!(chosen(&[], &vars2, "h").as_deref(), Some("socks5://a:3"));
        assert_eq!(
            chosen(&["--proxy", "socks5://u:pw@p:9"], &vars, "h").as_deref(),
            Some("socks5://u@p:9")
        );
        assert_eq!(chosen(&["--proxy", ""], &vars, "h"), None);
        assert_eq!(chosen(&[], &vars, "ftp.skip.example"), None);
        // no_proxy applies to --proxy too; --noproxy replaces no_proxy.
        assert_eq!(chosen(&["--proxy", "p:1"], &vars, "skip.example"), None);
        assert_eq!(
            chosen(&["--noproxy", "other"], &vars, "skip.example").as_deref(),
            Some("http://ftp:2")
        );
        assert_eq!(chosen(&["--noproxy", "*"], &vars, "h"), None);
        assert_eq!(chosen(&[], &[], "h"), None);
    }

    #[test]
    fn bad_urls_and_active_mode_are_usage_errors() {
        let f = proxy_for(&opts(&["--proxy", "socks4://p:1"]), "h", env(&[])).unwrap_err();
        assert_eq!(f.code, 2);
        assert!(
            f.message
                .starts_with("--proxy: proxy URL: unsupported scheme socks4://"),
            "{}",
            f.message
        );
        let f = proxy_for(&opts(&[]), "h", env(&[("all_proxy", "ftp://p")])).unwrap_err();
        assert!(
            f.message.starts_with("the all_proxy environment variable:"),
            "{}",
            f.message
        );
        let f = check_mode(true, &Some(Proxy::http("p", 1))).unwrap_err();
        assert_eq!(f.code, 2);
        assert!(check_mode(true, &None).is_ok());
        assert!(check_mode(false, &Some(Proxy::http("p", 1))).is_ok());
    }
}
