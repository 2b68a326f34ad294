//! `ftpc` end to end: the real binary against real servers (vsftpd and the embedded one).

use crate::common::*;

use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::embedded::EmbeddedServer;
use ftpkit_test_support::old_tls::tls11_server;
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

#[test]
fn put_ls_get_rm_mkdir_against_vsftpd() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("hello world.txt");
    let body: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(&local, &body).unwrap();

    let o = ftpc_env(
        &["mkdir", &url(&server, "inbox"), "--tls", "none"],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(server.root().join("inbox").is_dir());

    let o = ftpc_env(
        &[
            "put",
            local.to_str().unwrap(),
            &url(&server, "inbox/"),
            "--tls",
            "none",
        ],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(server.root().join("inbox/hello world.txt")).unwrap(),
        body
    );

    let o = ftpc_env(
        &["ls", &url(&server, "inbox"), "--tls", "none", "--json"],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert_eq!(lines[0]["name"], "hello world.txt");
    assert_eq!(lines[0]["type"], "file");
    assert_eq!(lines[0]["size"], 200_000);
    assert!(
        lines[0]["modified"].as_str().unwrap().ends_with('Z'),
        "{out}"
    );
    assert!(
        lines[0]["raw"].as_str().unwrap().starts_with("-rw"),
        "{out}"
    );

    let target = work.path().join("back.bin");
    let o = ftpc_env(
        &[
            "get",
            &url(&server, "inbox/hello%20world.txt"),
            "-o",
            target.to_str().unwrap(),
            "--tls",
            "none",
        ],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&target).unwrap(), body);

    // Resume: keep the first 1000 bytes locally, fetch the rest.
    std::fs::write(&target, &body[..1000]).unwrap();
    let o = ftpc_env(
        &[
            "get",
            &url(&server, "inbox/hello%20world.txt"),
            "-o",
            target.to_str().unwrap(),
            "--resume",
            "--tls",
            "none",
        ],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&target).unwrap(), body);

    // To standard output.
    let o = ftpc_env(
        &[
            "get",
            &url(&server, "inbox/hello%20world.txt"),
            "-o",
            "-",
            "--tls",
            "none",
            "--active",
        ],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, body);

    let o = ftpc_env(
        &[
            "rm",
            &url(&server, "inbox/hello%20world.txt"),
            "--tls",
            "none",
        ],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!server.root().join("inbox/hello world.txt").exists());
}

#[test]
fn errors_name_the_phase_and_exit_non_zero() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    // Wrong password: login phase, exit 5.
    let o = ftpc_env(&["ls", &url(&server, ""), "--tls", "none"], "wrong");
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.starts_with("ftpc: login:"), "{e}");
    assert!(e.contains("530"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");

    // Missing file: a 550 to RETR is exit 9 (not found), nothing left behind as if complete.
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("x");
    let o = ftpc_env(
        &[
            "get",
            &url(&server, "nope.bin"),
            "-o",
            target.to_str().unwrap(),
            "--tls",
            "none",
        ],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));
    assert!(stderr(&o).contains("550"), "{}", stderr(&o));
    assert!(!target.exists());

    // A percent-encoded line break in the path is refused before sending.
    let o = ftpc_env(
        &["rm", &url(&server, "a%0d%0aDELE%20b"), "--tls", "none"],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("ftpc: command: invalid path: contains a carriage return"),
        "{}",
        stderr(&o)
    );
    assert!(!server.log().contains("DELE"), "{}", server.log());

    // Nothing listening: connect phase, exit 3.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = ftpc(&[
        "ls",
        &format!("ftp://127.0.0.1:{port}/"),
        "--tls",
        "none",
        "--connect-timeout",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("ftpc: connect:"), "{}", stderr(&o));
}

#[test]
fn tls_flags_are_never_silently_ignored() {
    let server = EmbeddedServer::start();
    let u = format!("ftp://127.0.0.1:{}/", server.port());
    let o = ftpc(&["ls", &u, "--tls", "none", "--insecure"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = ftpc(&["ls", &u, "--tls", "none", "--backend", "openssl"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = ftpc(&[
        "ls",
        &format!("ftps://127.0.0.1:{}/", server.port()),
        "--tls",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn verbose_log_masks_the_password_and_ls_lists_the_embedded_server() {
    let server = EmbeddedServer::start();
    std::fs::create_dir(server.root().join("sub dir")).unwrap();
    std::fs::write(server.root().join("f.txt"), b"12345").unwrap();
    let o = ftpc_env(
        &[
            "ls",
            &format!("ftp://alice@127.0.0.1:{}/", server.port()),
            "--tls",
            "none",
            "-v",
        ],
        "s3cret-Pa55",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("PASS ****"), "{e}");
    assert!(!e.contains("s3cret-Pa55"), "{e}");
    assert!(e.contains("> MLSD") || e.contains("> LIST"), "{e}");
    let out = String::from_utf8(o.stdout).unwrap();
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("- ") && lines[0].contains(" 5 ") && lines[0].ends_with("f.txt"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("d ") && lines[1].ends_with("sub dir"),
        "{out}"
    );
}

fn tls_vsftpd(certs: &TestCerts, implicit: bool) -> Vsftpd {
    Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, implicit)
        .start()
}

#[test]
fn ftps_by_default_with_ca_file_on_each_resuming_backend() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = tls_vsftpd(&certs, false);
    std::fs::write(server.root().join("a.txt"), b"hello over tls").unwrap();
    server.chown_tree();
    let ca = certs.ca.to_str().unwrap();
    for backend in ["rustls", "openssl"] {
        // No --tls: ftp:// means explicit TLS, required.
        let o = ftpc_env(
            &[
                "get",
                &url(&server, "a.txt"),
                "-o",
                "-",
                "--ca-file",
                ca,
                "--backend",
                backend,
                "-v",
            ],
            server.password(),
        );
        assert!(o.status.success(), "{backend}: {}", stderr(&o));
        assert_eq!(o.stdout, b"hello over tls");
        let e = stderr(&o);
        assert!(e.contains(&format!("control TLS via {backend}")), "{e}");
        assert!(e.contains("expires"), "{e}");
        assert!(
            e.contains("resumed=true"),
            "{backend}: the data connection must resume: {e}"
        );
        assert!(!e.contains(server.password()), "{e}");
    }
    // Without the CA: refused, exit 4, and the message says what to do.
    let o = ftpc_env(&["ls", &url(&server, "")], server.password());
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("--ca-file"), "{}", stderr(&o));
    // --insecure connects anyway.
    let o = ftpc_env(&["ls", &url(&server, ""), "--insecure"], server.password());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("a.txt"));
}

#[test]
fn implicit_ftps_url() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = tls_vsftpd(&certs, true);
    let u = format!("ftps://{}@127.0.0.1:{}/", server.user(), server.port());
    let o = ftpc_env(
        &[
            "mkdir",
            &format!("{u}made"),
            "--ca-file",
            certs.ca.to_str().unwrap(),
        ],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(server.root().join("made").is_dir());
}

#[test]
fn native_tls_against_reuse_requiring_server_explains_itself() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = tls_vsftpd(&certs, false);
    let o = ftpc_env(
        &[
            "ls",
            &url(&server, ""),
            "--ca-file",
            certs.ca.to_str().unwrap(),
            "--backend",
            "native-tls",
        ],
        server.password(),
    );
    if o.status.success() {
        panic!("vsftpd with require_ssl_reuse must refuse native-tls data connections");
    }
    let e = stderr(&o);
    if e.contains("not compiled into this build") {
        // ftpc built without the native-tls feature: that is the message to expect.
        assert_eq!(o.status.code(), Some(4), "{e}");
        return;
    }
    assert_eq!(o.status.code(), Some(7), "{e}");
    assert!(
        e.contains("native-tls cannot") && e.contains("--backend rustls"),
        "{e}"
    );
}

#[test]
fn silent_server_after_auth_tls_ends_within_the_handshake_deadline() {
    // The incident: 234, then nothing. Every backend gives up in time, naming itself.
    for backend in ["rustls", "openssl", "native-tls"] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            use std::io::{BufRead, BufReader, Write};
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(b"220 hi\r\n").unwrap();
            let mut line = String::new();
            let mut r = BufReader::new(s.try_clone().unwrap());
            r.read_line(&mut line).unwrap();
            s.write_all(b"234 go\r\n").unwrap();
            // Silent until the client gives up and closes.
            let mut rest = Vec::new();
            let _ = std::io::Read::read_to_end(&mut r, &mut rest);
        });
        let started = std::time::Instant::now();
        let o = ftpc(&[
            "ls",
            &format!("ftp://127.0.0.1:{port}/"),
            "--backend",
            backend,
            "--handshake-timeout",
            "1",
        ]);
        let elapsed = started.elapsed();
        server.join().unwrap();
        let e = stderr(&o);
        if e.contains("not compiled into this build") {
            continue;
        }
        // A deadline: exit 10 (timeout), not 4 (a TLS refusal), wherever it fired.
        assert_eq!(o.status.code(), Some(10), "{backend}: {e}");
        assert!(
            elapsed < std::time::Duration::from_millis(1500) + std::time::Duration::from_secs(1),
            "{backend}: {elapsed:?}"
        );
        assert!(
            e.starts_with("ftpc: tls-upgrade: no answer from server within 1s"),
            "{e}"
        );
        assert!(e.contains(backend), "{e}");
        // The timeout's hint, in ftpc's words: swap the TLS stack with a flag.
        assert!(e.contains("another TLS backend (--backend)"), "{e}");
        assert!(!e.contains("TlsOptions::"), "{e}");
    }
}

#[test]
fn tls_auto_needs_allow_plaintext_to_fall_back() {
    use ftpkit_test_support::fake::{incident_server, FakeServer};
    let server = FakeServer::start_many(incident_server);
    let u = format!("ftp://u:p@127.0.0.1:{}/", server.port());
    // Without --allow-plaintext: every secure way fails, each is listed, nothing plain is tried.
    let o = ftpc(&["ls", &u, "--tls", "auto", "--handshake-timeout", "1"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("no way of connecting worked") && e.contains("explicit TLS via rustls"),
        "{e}"
    );
    assert!(!e.contains("plain FTP"), "{e}");
    // With it: the listing comes over plain FTP after the TLS attempts timed out.
    let o = ftpc(&[
        "ls",
        &u,
        "--tls",
        "auto",
        "--allow-plaintext",
        "--handshake-timeout",
        "1",
        "-v",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("a.txt"));
    let e = stderr(&o);
    assert!(
        e.contains("auto-connect: plain FTP on port") && e.contains("works"),
        "{e}"
    );
    // --allow-plaintext is refused where it would mean nothing.
    let o = ftpc(&["ls", &u, "--tls", "explicit", "--allow-plaintext"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn old_tls_needs_tls_min_and_a_backend_that_speaks_it() {
    let certs = TestCerts::generate();
    let server = tls11_server(&certs);
    let u = format!("ftp://u:p@127.0.0.1:{}/", server.port());
    let ca = certs.ca.to_str().unwrap();
    // By default TLS 1.1 is refused: a TLS error.
    let o = ftpc(&["ls", &u, "--ca-file", ca]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    // rustls cannot speak TLS 1.1 at all, and says which backend can.
    let o = ftpc(&[
        "ls",
        &u,
        "--ca-file",
        ca,
        "--backend",
        "rustls",
        "--tls-min",
        "1.1",
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("openssl"), "{}", stderr(&o));
    // openssl, asked for 1.1, completes the handshake; the scripted server then refuses
    // the login, which proves TLS got through.
    let o = ftpc(&[
        "ls",
        &u,
        "--ca-file",
        ca,
        "--backend",
        "openssl",
        "--tls-min",
        "1.1",
        "-v",
    ]);
    let e = stderr(&o);
    if e.contains("not compiled into this build") {
        return;
    }
    assert_eq!(o.status.code(), Some(5), "{e}");
    assert!(e.contains("TLSv1.1"), "{e}");
    // A minimum above the maximum is a usage error.
    let o = ftpc(&["ls", &u, "--tls-min", "1.3", "--tls-max", "1.2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
