//! `ftpc` through proxies: `--proxy` with Dante (SOCKS5), the curl environment variables
//! (`all_proxy`, `ftp_proxy`, `no_proxy`) with tinyproxy (HTTP `CONNECT`), each proxy's log
//! showing what went through it.

use std::net::TcpListener;
use std::process::{Command, Output};

use ftpkit_test_support::proxies::{require_dante, require_tinyproxy, Dante, Tinyproxy};
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

use crate::common::{stderr, url};

const PROXY_VARS: [&str; 6] = [
    "ftp_proxy",
    "FTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// Runs `ftpc` with the password in `FTPC_PASSWORD`, no proxy variable from the test's own
/// environment, and `vars` set.
fn ftpc_with(args: &[&str], password: &str, vars: &[(&str, String)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ftpc"));
    c.args(args).env("FTPC_PASSWORD", password);
    for v in PROXY_VARS {
        c.env_remove(v);
    }
    for (k, v) in vars {
        c.env(k, v);
    }
    c.output().expect("run ftpc")
}

/// A port that accepts connections nobody serves (a proxy that must not be used), and a
/// check that nothing connected to it.
struct Untouched(TcpListener);

impl Untouched {
    fn new() -> Untouched {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        Untouched(l)
    }

    fn url(&self, scheme: &str) -> String {
        format!(
            "{scheme}://127.0.0.1:{}",
            self.0.local_addr().unwrap().port()
        )
    }

    fn assert_untouched(&self) {
        assert!(
            self.0.accept().is_err(),
            "the exempted proxy was connected to"
        );
    }
}

#[test]
fn put_ls_get_through_dante_with_the_proxy_option() {
    if !require_vsftpd() || !require_dante() {
        return;
    }
    let server = Vsftpd::start();
    let dante = Dante::builder().start();
    let proxy = format!("socks5h://127.0.0.1:{}", dante.port());
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("up.bin");
    let body: Vec<u8> = (0..100_000u32).map(|i| (i * 13 % 256) as u8).collect();
    std::fs::write(&local, &body).unwrap();
    // An environment proxy that must lose to --proxy.
    let env_proxy = Untouched::new();
    let vars = [("all_proxy", env_proxy.url("http"))];
    let common = ["--tls", "none", "--proxy", proxy.as_str()];

    let put_url = url(&server, "");
    let mut args = vec!["put", local.to_str().unwrap(), put_url.as_str()];
    args.extend(common);
    let o = ftpc_with(&args, server.password(), &vars);
    assert!(o.status.success(), "{}\n{}", stderr(&o), dante.log());
    assert_eq!(std::fs::read(server.root().join("up.bin")).unwrap(), body);

    let ls_url = url(&server, "");
    let mut args = vec!["ls", ls_url.as_str()];
    args.extend(common);
    let o = ftpc_with(&args, server.password(), &vars);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("up.bin"));

    let back = work.path().join("back.bin");
    let get_url = url(&server, "up.bin");
    let mut args = vec!["get", get_url.as_str(), "-o", back.to_str().unwrap()];
    args.extend(common);
    let o = ftpc_with(&args, server.password(), &vars);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&back).unwrap(), body);

    assert_eq!(dante.tunnels_to(server.port()), 3, "{}", dante.log());
    let data = dante
        .tunnels()
        .iter()
        .filter(|d| **d != format!("127.0.0.1.{}", server.port()))
        .count();
    assert!(
        data >= 3,
        "each data connection through Dante:\n{}",
        dante.log()
    );
    env_proxy.assert_untouched();

    // Active mode cannot go through a proxy: a usage error before anything is sent.
    let mut args = vec!["ls", ls_url.as_str(), "--active"];
    args.extend(common);
    let o = ftpc_with(&args, server.password(), &vars);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("active mode (--active) cannot work through the proxy"),
        "{}",
        stderr(&o)
    );
    assert_eq!(dante.tunnels_to(server.port()), 3, "{}", dante.log());
}

#[test]
fn all_proxy_ftp_proxy_and_no_proxy_from_the_environment() {
    if !require_vsftpd() || !require_tinyproxy() {
        return;
    }
    let server = Vsftpd::start();
    server.write_file("env.txt", b"through the environment\n");
    let proxy = Tinyproxy::builder().basic_auth("envuser", "env-pw").start();
    let via = format!("http://envuser:env%2Dpw@127.0.0.1:{}", proxy.port());
    let ls_url = url(&server, "");
    let ls = ["ls", ls_url.as_str(), "--tls", "none"];
    let connects = || proxy.connects_to("127.0.0.1", server.port());

    // all_proxy alone (its password %-encoded, as in a URL); -v shows the proxy, never
    // its password.
    let mut verbose = ls.to_vec();
    verbose.push("-v");
    let o = ftpc_with(&verbose, server.password(), &[("all_proxy", via.clone())]);
    assert!(o.status.success(), "{}\n{}", stderr(&o), proxy.log());
    assert!(String::from_utf8_lossy(&o.stdout).contains("env.txt"));
    assert_eq!(connects(), 1, "{}", proxy.log());
    assert!(
        stderr(&o).contains(&format!(
            "through http://envuser@127.0.0.1:{}",
            proxy.port()
        )),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("env-pw") && !stderr(&o).contains("env%2Dpw"));

    // ftp_proxy wins over ALL_PROXY.
    let unused = Untouched::new();
    let o = ftpc_with(
        &ls,
        server.password(),
        &[
            ("FTP_PROXY", via.clone()),
            ("ALL_PROXY", unused.url("socks5h")),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(connects(), 2, "{}", proxy.log());
    unused.assert_untouched();

    // no_proxy exempts the host: straight to the server, the proxy never contacted.
    let o = ftpc_with(
        &ls,
        server.password(),
        &[
            ("all_proxy", unused.url("http")),
            ("no_proxy", "example.com, 127.0.0.0/8".into()),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    unused.assert_untouched();

    // --noproxy replaces no_proxy: here it exempts nothing, so the proxy is used.
    let mut args = ls.to_vec();
    args.extend(["--noproxy", "other.example"]);
    let o = ftpc_with(
        &args,
        server.password(),
        &[("all_proxy", via.clone()), ("NO_PROXY", "*".into())],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(connects(), 3, "{}", proxy.log());
    assert!(
        proxy
            .log()
            .lines()
            .filter(|l| l.contains("CONNECT 127.0.0.1:"))
            .count()
            >= 6,
        "each listing's data connection through tinyproxy too:\n{}",
        proxy.log()
    );

    // A proxy that refuses: exit 3 (connect), its answer in the message.
    let o = ftpc_with(
        &ls,
        server.password(),
        &[("all_proxy", format!("http://127.0.0.1:{}", proxy.port()))],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "the HTTP proxy 127.0.0.1:{} refused CONNECT to 127.0.0.1:{}: it answered HTTP/1.0 407",
            proxy.port(),
            server.port()
        )),
        "{}",
        stderr(&o)
    );
}

/// `ftpc trust` and `ftpc doctor` reach the server through the proxy too: the certificate
/// fetched without verification, the doctor's attempts, each a tunnel in Dante's log.
#[test]
fn trust_and_doctor_go_through_the_proxy() {
    if !require_vsftpd() || !require_dante() {
        return;
    }
    let certs = ftpkit_test_support::certs::TestCerts::generate();
    let server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .start();
    let dante = Dante::builder().start();
    let proxy = format!("socks5h://127.0.0.1:{}", dante.port());
    let home = tempfile::tempdir().unwrap();
    let known = home.path().join("known_certs");
    let u = url(&server, "");
    let o = ftpc_with(
        &[
            "trust",
            "--yes",
            "--proxy",
            &proxy,
            "--known-certs",
            known.to_str().unwrap(),
            &u,
        ],
        server.password(),
        &[],
    );
    assert!(o.status.success(), "{}\n{}", stderr(&o), dante.log());
    assert!(std::fs::read_to_string(&known).unwrap().contains("sha256:"));
    assert_eq!(dante.tunnels_to(server.port()), 1, "{}", dante.log());

    // The recorded certificate, through the proxy: a listing works.
    let o = ftpc_with(
        &[
            "ls",
            "--proxy",
            &proxy,
            "--known-certs",
            known.to_str().unwrap(),
            &u,
        ],
        server.password(),
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(dante.tunnels_to(server.port()), 2, "{}", dante.log());

    let port = server.port().to_string();
    let o = ftpc_with(
        &[
            "doctor",
            "--proxy",
            &proxy,
            "--ca-file",
            certs.ca.to_str().unwrap(),
            "--tls",
            "explicit",
            "--backend",
            "rustls",
            "--implicit-port",
            &port,
            &u,
        ],
        server.password(),
        &[],
    );
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
    assert!(dante.tunnels_to(server.port()) > 2, "{}", dante.log());
}
