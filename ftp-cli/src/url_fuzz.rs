//! Property-based fuzz tests of `url::parse` (`ftp://` and `ftps://` URLs from the user).
//!
//! Long run: `FTP_FUZZ_CASES=100000 cargo test -p ftpkit-cli url_fuzz --release`

use std::net::{Ipv4Addr, Ipv6Addr};

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config as ProptestConfig;

use crate::url::parse;

/// 256 cases per property, or `FTP_FUZZ_CASES`. Failures are not persisted to
/// `proptest-regressions/` (the tree is shared); proptest prints the minimal input instead.
fn config() -> ProptestConfig {
    let cases = std::env::var("FTP_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases)
    }
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// Any unicode text, control characters and `\n` included.
fn any_text(max: usize) -> impl Strategy<Value = String> {
    vec(any::<char>(), 0..=max).prop_map(String::from_iter)
}

/// A host as written in the URL and as `parse` must return it.
#[derive(Debug, Clone)]
struct GenHost {
    written: String,
    want: String,
}

/// DNS-ish names (labels start with a letter, so the last label never reads as an IPv4
/// number, and never `xn--`, which would be Punycode), in any case: `ftp://` lowercases
/// them. IPv4 dotted quads. IPv6 in brackets, compressed or written out in upper-case
/// hex: `parse` returns the canonical text without brackets.
fn host() -> impl Strategy<Value = GenHost> {
    let label = "[a-zA-Z]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?".prop_filter("xn-- is Punycode", |l| {
        !l.to_ascii_lowercase().starts_with("xn-")
    });
    prop_oneof![
        vec(label, 1..4).prop_map(|labels| {
            let written = labels.join(".");
            GenHost {
                want: written.to_ascii_lowercase(),
                written,
            }
        }),
        any::<[u8; 4]>().prop_map(|ip| {
            let ip = Ipv4Addr::from(ip);
            GenHost {
                written: ip.to_string(),
                want: ip.to_string(),
            }
        }),
        (any::<[u16; 8]>(), any::<bool>()).prop_map(|(segs, expanded)| {
            let ip = Ipv6Addr::from(segs);
            let written = if expanded {
                let hex: Vec<String> = segs.iter().map(|s| format!("{s:X}")).collect();
                format!("[{}]", hex.join(":"))
            } else {
                format!("[{ip}]")
            };
            GenHost {
                written,
                want: ip.to_string(),
            }
        }),
    ]
}

/// Path segments of any unicode. `.` and `..` are left out: URL parsing removes them (and
/// their percent-encoded forms `%2E`, `%2E%2E`) as dot segments, so they cannot round-trip.
fn path_segments() -> impl Strategy<Value = Vec<String>> {
    vec(
        prop_oneof![
            any_text(8),
            select(vec![
                "", " ", "/", "%", "%41", "a.b", "...", "?", "#", ";", "~"
            ])
            .prop_map(str::to_string),
        ]
        .prop_filter("dot segments", |s| s != "." && s != ".."),
        0..5,
    )
}

/// Strings close to URLs: a scheme, then pieces full of URL delimiters.
fn url_soup() -> impl Strategy<Value = String> {
    (
        select(vec![
            "", "ftp://", "ftps://", "FTP://", "ftp:", "ftps:", "ftp:///", "http://",
        ]),
        vec(
            prop_oneof![
                3 => select(vec![
                    ":", "@", "/", "//", "[", "]", "::", "%", "%2", "%ff", "%C3%A9", "?", "#",
                    ".", "..", "a", "host", "1", "65535", "65536", "127.0.0.1", "::1", "0x7f",
                    " ", "\\", "é", "xn--", "\u{0}",
                ])
                .prop_map(str::to_string),
                1 => any::<char>().prop_map(String::from),
            ],
            0..16,
        ),
    )
        .prop_map(|(scheme, pieces)| format!("{scheme}{}", pieces.concat()))
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary strings and URL-like soup: no panic, and an accepted URL has a host.
    #[test]
    fn parse_no_panic(s in prop_oneof![any::<String>(), url_soup()]) {
        if let Ok(u) = parse(&s) {
            prop_assert!(!u.host.is_empty(), "empty host from {:?}", s);
            let _ = (u.user, u.password, u.port, u.path, u.implicit_tls);
        }
    }

    /// `ftp://user:pass@host:port/path` with everything percent-encoded gives back the
    /// decoded user and password (`None` when empty), the host (lowercased; IPv6 canonical,
    /// no brackets), the port (`None` when absent, and for 21, the default port of `ftp`
    /// that URL parsing elides) and the path (the segments joined with `/`).
    #[test]
    fn ftp_url_roundtrip(
        user in any_text(12),
        pass in any_text(12),
        host in host(),
        port in prop_oneof![Just(None), Just(Some(21u16)), any::<u16>().prop_map(Some)],
        segments in path_segments(),
    ) {
        let port_text = port.map_or(String::new(), |p| format!(":{p}"));
        let path: Vec<String> = segments.iter().map(|s| enc(s)).collect();
        let s = format!(
            "ftp://{}:{}@{}{port_text}/{}",
            enc(&user),
            enc(&pass),
            host.written,
            path.join("/")
        );
        let u = parse(&s).map_err(TestCaseError::fail)?;
        prop_assert!(!u.implicit_tls);
        prop_assert_eq!(u.user, (!user.is_empty()).then_some(user));
        prop_assert_eq!(u.password, (!pass.is_empty()).then_some(pass));
        prop_assert_eq!(u.host, host.want);
        prop_assert_eq!(u.port, port.filter(|&p| p != 21));
        prop_assert_eq!(u.path, segments.join("/"));
    }

    /// The same for `ftps://` (implicit TLS). `ftps` is not a scheme URL parsing knows, so
    /// it keeps the host's case and has no default port: 21 stays 21.
    #[test]
    fn ftps_url_roundtrip(
        user in any_text(12),
        pass in any_text(12),
        host in host(),
        port in prop_oneof![Just(None), any::<u16>().prop_map(Some)],
        segments in path_segments(),
    ) {
        let port_text = port.map_or(String::new(), |p| format!(":{p}"));
        let path: Vec<String> = segments.iter().map(|s| enc(s)).collect();
        let s = format!(
            "ftps://{}:{}@{}{port_text}/{}",
            enc(&user),
            enc(&pass),
            host.written,
            path.join("/")
        );
        let u = parse(&s).map_err(TestCaseError::fail)?;
        prop_assert!(u.implicit_tls);
        prop_assert_eq!(u.user, (!user.is_empty()).then_some(user));
        prop_assert_eq!(u.password, (!pass.is_empty()).then_some(pass));
        prop_assert_eq!(u.host.to_ascii_lowercase(), host.want);
        prop_assert_eq!(u.port, port);
        prop_assert_eq!(u.path, segments.join("/"));
    }

    /// Without user information the URL has neither user nor password.
    #[test]
    fn url_without_userinfo(host in host(), segments in path_segments()) {
        let path: Vec<String> = segments.iter().map(|s| enc(s)).collect();
        let u = parse(&format!("ftp://{}/{}", host.written, path.join("/")))
            .map_err(TestCaseError::fail)?;
        prop_assert_eq!((u.user, u.password), (None, None));
        prop_assert_eq!(u.host, host.want);
        prop_assert_eq!(u.path, segments.join("/"));
    }
}
