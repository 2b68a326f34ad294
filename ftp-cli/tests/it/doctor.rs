//! `ftpc doctor` against a real vsftpd (FTPS with session reuse required) and against the
//! incident's server (234, then silence; plain FTP works).

use crate::common::*;

use std::time::{Duration, Instant};

use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::fake::{incident_server, FakeServer};
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

/// How many backends this ftpc has: the attempts per mode and version.
fn backends(lines: &[serde_json::Value]) -> usize {
    let mut b: Vec<&str> = lines.iter().filter_map(|l| l["backend"].as_str()).collect();
    b.sort();
    b.dedup();
    b.len()
}

#[test]
fn doctor_recommends_a_resuming_backend_against_vsftpd() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .start();
    let url = format!("ftp://{}@127.0.0.1:{}/", server.user(), server.port());
    // Implicit attempts go to the same (explicit) port: they must fail, quickly.
    let port = server.port().to_string();
    let o = ftpc_env(
        &[
            "doctor",
            &url,
            "--json",
            "--ca-file",
            certs.ca.to_str().unwrap(),
            "--implicit-port",
            &port,
            "--handshake-timeout",
            "2",
        ],
        server.password(),
    );
    let lines = json_lines(&o);
    let n = backends(&lines);
    assert!(n >= 1);
    assert_eq!(lines.len(), n * 4 + 1, "{lines:#?}");
    let summary = lines.last().unwrap();
    assert_eq!(summary["summary"], true);
    assert_eq!(summary["secure_ok"], true, "{summary}");
    assert_eq!(summary["use"]["tls"], "explicit", "{summary}");
    assert_ne!(summary["use"]["backend"], "native-tls", "{summary}");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let rustls13 = lines
        .iter()
        .find(|l| l["backend"] == "rustls" && l["mode"] == "explicit" && l["tls_version"] == "1.3")
        .expect("rustls is always compiled in");
    assert_eq!(rustls13["ok"], true, "{rustls13}");
    assert_eq!(rustls13["protocol"], "TLSv1.3");
    assert_eq!(rustls13["protected_list"], true);
    assert_eq!(rustls13["data_session_resumed"], true);
    assert_eq!(rustls13["verification"], "ok");
    assert!(
        rustls13["certificate"]["subject"]
            .as_str()
            .unwrap()
            .contains("localhost"),
        "{rustls13}"
    );
    for l in lines.iter().filter(|l| l["mode"] == "implicit") {
        assert_eq!(l["ok"], false, "{l}");
        assert_eq!(l["phase"], "tls-upgrade", "{l}");
    }
    if let Some(native) = lines
        .iter()
        .find(|l| l["backend"] == "native-tls" && l["mode"] == "explicit")
    {
        assert_eq!(native["ok"], false, "{native}");
        assert!(
            native["error"]
                .as_str()
                .unwrap()
                .contains("native-tls cannot"),
            "{native}"
        );
    }
}

#[test]
fn doctor_without_the_ca_shows_the_certificate_and_says_what_to_do() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .start();
    let url = format!("ftp://{}@127.0.0.1:{}/", server.user(), server.port());
    let port = server.port().to_string();
    let o = ftpc_env(
        &[
            "doctor",
            &url,
            "--tls",
            "explicit",
            "--backend",
            "rustls",
            "--implicit-port",
            &port,
        ],
        server.password(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(4), "{out}");
    assert!(out.contains("certificate: subject [CN=localhost]"), "{out}");
    assert!(out.contains("--ca-file"), "{out}");
}

#[test]
fn doctor_on_the_incident_server_concludes_in_one_deadline() {
    let server = FakeServer::start_many(incident_server);
    let url = format!("ftp://u@127.0.0.1:{}/", server.port());
    let port = server.port().to_string();
    let started = Instant::now();
    let o = ftpc_env(
        &[
            "doctor",
            &url,
            "--allow-plaintext",
            "--handshake-timeout",
            "1",
            "--implicit-port",
            &port,
        ],
        "p",
    );
    let elapsed = started.elapsed();
    let out = String::from_utf8_lossy(&o.stdout);
    // Every attempt runs in parallel: about one handshake deadline, not one per attempt
    // (six explicit attempts one after another would take at least 6 s; the margin is for
    // starting the process and threads on a loaded machine).
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}\n{out}");
    assert_eq!(o.status.code(), Some(4), "{out}");
    assert!(
        out.contains("answers AUTH TLS with 234 but never completes the TLS handshake"),
        "{out}"
    );
    assert!(
        out.contains("Plain FTP works: use --tls none only on a network you trust"),
        "{out}"
    );
    assert!(out.contains("no answer from server within 1s"), "{out}");

    let o = ftpc_env(
        &[
            "doctor",
            &url,
            "--json",
            "--handshake-timeout",
            "1",
            "--implicit-port",
            &port,
        ],
        "p",
    );
    let lines = json_lines(&o);
    let summary = lines.last().unwrap();
    assert_eq!(summary["secure_ok"], false);
    assert!(summary["use"].is_null());
    assert!(
        summary["verdict"]
            .as_str()
            .unwrap()
            .contains("--allow-plaintext"),
        "{summary}"
    );
    for l in lines.iter().filter(|l| l["mode"] == "explicit") {
        assert_eq!(l["phase"], "tls-upgrade", "{l}");
        assert!(l["elapsed_ms"].as_u64().unwrap() < 1500, "{l}");
    }
    assert!(
        lines.iter().all(|l| l["mode"] != "none"),
        "plain FTP must not be tried without --allow-plaintext"
    );
}

#[test]
fn doctor_retries_attempts_turned_away_by_a_connection_limit() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    // At most two sessions from one address: the parallel round gets 421s.
    let server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .option("max_per_ip", "2")
        .start();
    let url = format!("ftp://{}@127.0.0.1:{}/", server.user(), server.port());
    let o = ftpc_env(
        &[
            "doctor",
            &url,
            "--json",
            "--tls",
            "explicit",
            "--ca-file",
            certs.ca.to_str().unwrap(),
            "-v",
        ],
        server.password(),
    );
    let lines = json_lines(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("turned away (too many connections); trying it again alone"),
        "{err}"
    );
    for l in lines
        .iter()
        .filter(|l| l["mode"] == "explicit" && l["backend"] != "native-tls")
    {
        assert_eq!(l["ok"], true, "{l}\n{err}");
    }
    assert_eq!(o.status.code(), Some(0));
}

/// When the handshake and the login work and only the protected data transfer fails, the
/// verdict says exactly that, with the server's reply, and never suggests plain FTP for a
/// problem that is not TLS negotiation (issue 8). native-tls against vsftpd with
/// `require_ssl_reuse=YES` is such a case: vsftpd answers 522 to its data connection.
#[test]
fn doctor_says_when_only_the_data_transfer_fails() {
    if !require_vsftpd() {
        return;
    }
    if !ftpkit::Backend::NativeTls.is_available() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .start();
    let url = format!("ftp://{}@127.0.0.1:{}/", server.user(), server.port());
    let o = ftpc_env(
        &[
            "doctor",
            &url,
            "--tls",
            "explicit",
            "--backend",
            "native-tls",
            "--ca-file",
            certs.ca.to_str().unwrap(),
        ],
        server.password(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(4), "{out}");
    let verdict = out
        .lines()
        .find(|l| l.starts_with("no secure combination works"))
        .unwrap_or_else(|| panic!("no verdict: {out}"));
    assert!(
        verdict.contains("handshake and the login work"),
        "{verdict}"
    );
    assert!(verdict.contains("522"), "the server's reply: {verdict}");
    assert!(!verdict.contains("plaintext"), "{verdict}");
    assert!(!verdict.contains("--tls none"), "{verdict}");
}
