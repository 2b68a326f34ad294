//! Certificates made the way administrators make them, served by a real vsftpd, on every
//! backend: `openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -subj
//! /CN=localhost` (OpenSSL 3 marks it `CA:TRUE`, and it has no subjectAltName), and the same
//! with `-addext subjectAltName=IP:127.0.0.1,DNS:localhost`.
//!
//! - trusting that very certificate (`TlsOptions::ca_files`) gives a working session, also
//!   on rustls, whose webpki refuses a CA certificate as a server certificate by itself;
//! - a name the certificate lacks is a name mismatch, in plain words naming the names it
//!   carries (where the backend can know them);
//! - an untrusted one is "self-signed and not trusted", with advice to trust it, not to turn
//!   verification off;
//! - an expired (or not yet valid) one, even trusted, says so with the date.
//!
//! No message may be a `Debug` dump of a library's error.

use std::path::{Path, PathBuf};
use std::process::Command;

use ftpkit::{Backend, Client, Error, Phase, Security, TlsOptions};
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

/// A certificate and its key, made by the `openssl` command-line tool.
struct OpensslCert {
    dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command-line tool (apt-get install -y openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn new_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // vsftpd reads the files as root, but keep them readable like the other test certs.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    dir
}

fn finish(dir: tempfile::TempDir) -> OpensslCert {
    let cert = dir.path().join("c.pem");
    let key = dir.path().join("k.pem");
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let c = OpensslCert { dir, cert, key };
    // What this file is about: the tool's default configuration makes a CA certificate.
    let constraints = openssl(
        c.dir.path(),
        &["x509", "-in", "c.pem", "-noout", "-ext", "basicConstraints"],
    );
    assert!(constraints.contains("CA:TRUE"), "{constraints}");
    c
}

/// `openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -subj /CN=localhost`,
/// plus `extra` arguments.
fn req_x509(extra: &[&str]) -> OpensslCert {
    let dir = new_dir();
    let mut args = vec![
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-subj",
        "/CN=localhost",
    ];
    args.extend_from_slice(extra);
    openssl(dir.path(), &args);
    finish(dir)
}

/// The same kind of certificate (self-signed, CA:TRUE, CN=localhost only), with a validity
/// period of its own: `openssl req` only counts days from now, `openssl ca -selfsign` takes
/// dates.
fn self_signed_between(start: &str, end: &str) -> OpensslCert {
    let dir = new_dir();
    std::fs::write(dir.path().join("index.txt"), "").unwrap();
    std::fs::write(
        dir.path().join("ca.cnf"),
        "[ca]\ndefault_ca = self\n\
         [self]\ndatabase = index.txt\nnew_certs_dir = .\nrand_serial = yes\ndefault_md = sha256\n\
         policy = any\nunique_subject = no\n\
         [any]\ncommonName = supplied\n\
         [ext]\nbasicConstraints = critical,CA:TRUE\nsubjectKeyIdentifier = hash\n",
    )
    .unwrap();
    openssl(
        dir.path(),
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "r.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    openssl(
        dir.path(),
        &[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-selfsign",
            "-keyfile",
            "k.pem",
            "-in",
            "r.csr",
            "-out",
            "c.pem",
            "-startdate",
            start,
            "-enddate",
            end,
            "-extensions",
            "ext",
            "-notext",
        ],
    );
    finish(dir)
}

fn cn_only() -> OpensslCert {
    req_x509(&[])
}

fn with_san() -> OpensslCert {
    req_x509(&["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
}

fn serve(cert: &OpensslCert) -> Vsftpd {
    Vsftpd::builder().ftps(&cert.cert, &cert.key, false).start()
}

fn trusting(cert: &OpensslCert) -> TlsOptions {
    let mut o = TlsOptions::default();
    o.ca_files.push(cert.cert.clone());
    o
}

/// Connects (explicit FTPS) to 127.0.0.1, checking the certificate against `server_name`
/// when given, else against `127.0.0.1`.
fn connect(
    backend: Backend,
    server: &Vsftpd,
    options: &TlsOptions,
    server_name: Option<&str>,
) -> Result<Client, Error> {
    let mut b = Client::builder(
        "127.0.0.1",
        Security::Explicit(backend.connector(options).expect("connector")),
    )
    .port(server.port());
    if let Some(name) = server_name {
        b = b.tls_server_name(name);
    }
    b.connect()
}

/// The certificate error's message, checked for what every such message must be.
#[track_caller]
fn certificate_error(backend: Backend, r: Result<Client, Error>, server: &Vsftpd) -> String {
    let err = match r {
        Ok(_) => panic!("{backend}: connected, but the certificate must be refused"),
        Err(e) => e,
    };
    let msg = err.to_string();
    eprintln!("{backend}: {msg}");
    assert!(
        matches!(
            err,
            Error::Tls {
                phase: Phase::TlsUpgrade,
                ..
            }
        ),
        "{backend}: {msg}\n{}",
        server.log()
    );
    assert!(msg.contains("certificate rejected: "), "{backend}: {msg}");
    for debug in [
        "Other(",
        "OtherError",
        "{",
        "}",
        "Context",
        "X509 verify error",
    ] {
        assert!(!msg.contains(debug), "{backend}: Debug text in: {msg}");
    }
    assert!(!msg.contains("--insecure"), "{backend}: {msg}");
    msg
}

/// Whether the backend can tell the names of a certificate it refused.
fn names_known(backend: Backend) -> bool {
    backend != Backend::NativeTls
}

/// Logs in and lists. vsftpd requires data connections to resume the control session,
/// which native-tls cannot: for it, the control connection and the login must work, and
/// the listing must fail for that reason only.
fn session(backend: Backend, mut ftp: Client, server: &Vsftpd) {
    ftp.login(server.user(), server.password())
        .unwrap_or_else(|e| panic!("{backend}: {e}\n{}", server.log()));
    let listing = ftp.list("");
    if backend == Backend::NativeTls {
        let e = listing.expect_err("vsftpd requires session reuse");
        assert!(e.to_string().contains("resume"), "{e}");
    } else {
        listing.unwrap_or_else(|e| panic!("{backend}: {e}\n{}", server.log()));
        ftp.quit().unwrap();
    }
}

#[test]
fn trusting_the_very_certificate_works_on_every_backend() {
    if !require_vsftpd() {
        return;
    }
    let cn = cn_only();
    let server = serve(&cn);
    for backend in Backend::available() {
        // CN=localhost only: the name to check is localhost.
        let ftp = connect(backend, &server, &trusting(&cn), Some("localhost"))
            .unwrap_or_else(|e| panic!("{backend}, CN only: {e}\n{}", server.log()));
        session(backend, ftp, &server);
    }
    drop(server);

    let san = with_san();
    let server = serve(&san);
    for backend in Backend::available() {
        for name in [None, Some("localhost")] {
            let ftp = connect(backend, &server, &trusting(&san), name)
                .unwrap_or_else(|e| panic!("{backend}, {name:?}: {e}\n{}", server.log()));
            session(backend, ftp, &server);
        }
    }
}

#[test]
fn a_name_the_certificate_lacks_is_a_name_mismatch_naming_the_names_it_has() {
    if !require_vsftpd() {
        return;
    }
    let cn = cn_only();
    let server = serve(&cn);
    for backend in Backend::available() {
        // By IP address: the CN is never matched against an address.
        let msg = certificate_error(
            backend,
            connect(backend, &server, &trusting(&cn), None),
            &server,
        );
        assert!(
            msg.contains("the server's certificate is not valid for \"127.0.0.1\""),
            "{backend}: {msg}"
        );
        if names_known(backend) {
            assert!(
                msg.contains("it carries only the name \"localhost\""),
                "{backend}: {msg}"
            );
        }
        assert!(
            msg.contains("connect with one of the names the certificate carries"),
            "{backend}: {msg}"
        );
    }
    drop(server);

    let san = with_san();
    let server = serve(&san);
    for backend in Backend::available() {
        let msg = certificate_error(
            backend,
            connect(backend, &server, &trusting(&san), Some("ftp.example.net")),
            &server,
        );
        assert!(
            msg.contains("not valid for \"ftp.example.net\""),
            "{backend}: {msg}"
        );
        if names_known(backend) {
            // In the certificate's order.
            assert!(
                msg.contains("it carries only the names \"127.0.0.1\", \"localhost\""),
                "{backend}: {msg}"
            );
        }
    }
}

#[test]
fn an_untrusted_self_signed_certificate_asks_to_trust_it() {
    if !require_vsftpd() {
        return;
    }
    let cn = cn_only();
    let server = serve(&cn);
    for backend in Backend::available() {
        // The system roots only.
        let msg = certificate_error(
            backend,
            connect(backend, &server, &TlsOptions::default(), Some("localhost")),
            &server,
        );
        assert!(
            msg.contains(
                "the server's certificate is self-signed, and it is not one of the trusted certificates"
            ),
            "{backend}: {msg}"
        );
        assert!(
            msg.contains("trust exactly this certificate with TlsOptions::ca_files"),
            "{backend}: {msg}"
        );
    }

    // Trusting another self-signed certificate with the same name does not help: only the
    // very certificate counts.
    let other = cn_only();
    for backend in Backend::available() {
        let msg = certificate_error(
            backend,
            connect(backend, &server, &trusting(&other), Some("localhost")),
            &server,
        );
        assert!(msg.contains("the server's certificate"), "{backend}: {msg}");
    }
}

#[test]
fn an_expired_or_not_yet_valid_certificate_says_so_even_when_trusted() {
    if !require_vsftpd() {
        return;
    }
    let expired = self_signed_between("20190101000000Z", "20200101000000Z");
    let server = serve(&expired);
    for backend in Backend::available() {
        let msg = certificate_error(
            backend,
            connect(backend, &server, &trusting(&expired), Some("localhost")),
            &server,
        );
        let expected = if backend == Backend::NativeTls {
            "the server's certificate has expired"
        } else {
            "the server's certificate expired on 2020-01-01 00:00:00 UTC"
        };
        assert!(msg.contains(expected), "{backend}: {msg}");
        assert!(
            msg.contains("the server's administrator must renew the certificate"),
            "{backend}: {msg}"
        );
    }
    drop(server);

    let future = self_signed_between("20900101000000Z", "20910101000000Z");
    let server = serve(&future);
    for backend in Backend::available() {
        let msg = certificate_error(
            backend,
            connect(backend, &server, &trusting(&future), Some("localhost")),
            &server,
        );
        let expected = if backend == Backend::NativeTls {
            "the server's certificate is not valid yet"
        } else {
            "the server's certificate is not valid before 2090-01-01 00:00:00 UTC"
        };
        assert!(msg.contains(expected), "{backend}: {msg}");
        assert!(msg.contains("clock"), "{backend}: {msg}");
    }
}

/// The certificate's pins as the `openssl` tool computes them, independently of the
/// library: `sha256:AB:…` (`x509 -fingerprint -sha256`) and curl's documented
/// `sha256//BASE64` of the public key.
fn openssl_pins(cert: &OpensslCert) -> (String, String) {
    let fp = openssl(
        cert.dir.path(),
        &["x509", "-in", "c.pem", "-noout", "-fingerprint", "-sha256"],
    );
    let hex = fp.trim().rsplit('=').next().unwrap().to_owned();
    let out = Command::new("sh")
        .arg("-c")
        .arg("openssl x509 -in c.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl enc -base64")
        .current_dir(cert.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    (format!("sha256:{hex}"), format!("sha256//{key}"))
}

fn pinning(pins: &[&str]) -> TlsOptions {
    let mut o = TlsOptions::default();
    for p in pins {
        o.pinned.push(p.parse().unwrap());
    }
    o
}

#[test]
fn a_pinned_certificate_is_accepted_whoever_issued_it_and_whatever_its_names() {
    if !require_vsftpd() {
        return;
    }
    // Self-signed, CA:TRUE, CN=localhost only, connected to by IP address: each of these
    // alone makes ordinary verification refuse it.
    let cn = cn_only();
    let (cert_pin, key_pin) = openssl_pins(&cn);
    let server = serve(&cn);
    for backend in Backend::available() {
        for pin in [&cert_pin, &key_pin] {
            let ftp = connect(backend, &server, &pinning(&[pin]), None)
                .unwrap_or_else(|e| panic!("{backend}, {pin}: {e}\n{}", server.log()));
            // The data connections (resumed or not) are held to the pin too.
            session(backend, ftp, &server);
        }
        // One of several pins is enough.
        let other = openssl_pins(&cn_only()).0;
        connect(backend, &server, &pinning(&[&other, &cert_pin]), None)
            .unwrap_or_else(|e| panic!("{backend}, two pins: {e}"));
    }
    drop(server);

    // Dates do not matter either: the user vouches for that very certificate.
    let expired = self_signed_between("20190101000000Z", "20200101000000Z");
    let (cert_pin, _) = openssl_pins(&expired);
    let server = serve(&expired);
    for backend in Backend::available() {
        connect(backend, &server, &pinning(&[&cert_pin]), None)
            .unwrap_or_else(|e| panic!("{backend}, expired but pinned: {e}"));
    }
}

#[test]
fn any_other_certificate_is_refused_with_the_fingerprints_it_has() {
    if !require_vsftpd() {
        return;
    }
    let served = with_san();
    let (served_cert, served_key) = openssl_pins(&served);
    let server = serve(&served);
    let (other_cert, other_key) = openssl_pins(&with_san());
    for backend in Backend::available() {
        for pin in [&other_cert, &other_key] {
            // Even trusted the usual way (it is a CA file here), a certificate that is not
            // the pinned one is refused: the pin is the whole check.
            let mut opts = pinning(&[pin]);
            opts.ca_files.push(served.cert.clone());
            let r = connect(backend, &server, &opts, None);
            let err = r.as_ref().err().map(|e| e.server_fingerprints());
            let msg = certificate_error(backend, r, &server);
            assert!(
                msg.contains(&format!(
                    "the server's certificate is not the pinned one ({pin})"
                )),
                "{backend}: {msg}"
            );
            assert!(
                msg.contains(&format!(
                    "the server presented certificate {served_cert}, public key {served_key}"
                )),
                "{backend}: {msg}"
            );
            assert!(
                msg.contains("someone on the path may be intercepting"),
                "{backend}: {msg}"
            );
            let seen = err
                .flatten()
                .expect("fingerprints of the refused certificate");
            assert_eq!(seen.certificate_pin().to_string(), served_cert);
        }
    }
}

#[test]
fn a_refused_certificate_names_its_fingerprints_so_it_can_be_pinned() {
    if !require_vsftpd() {
        return;
    }
    let cn = cn_only();
    let (cert_pin, key_pin) = openssl_pins(&cn);
    let server = serve(&cn);
    for backend in Backend::available() {
        let msg = certificate_error(
            backend,
            connect(backend, &server, &TlsOptions::default(), Some("localhost")),
            &server,
        );
        // native-tls hands out no certificate from a failed handshake.
        if backend != Backend::NativeTls {
            assert!(
                msg.contains(&format!(
                    "the server presented certificate {cert_pin}, public key {key_pin}"
                )),
                "{backend}: {msg}"
            );
        }
    }
}

#[test]
fn pins_and_accepting_any_certificate_are_refused_together() {
    let mut o = pinning(&["sha256//9rX3P/aofcKY7URxP0j8TZB9X9CW2o0Ur6mauHoHM88="]);
    o.dangerous_accept_invalid_certs = true;
    for backend in Backend::available() {
        let e = backend.connector(&o).expect_err("contradictory options");
        assert!(e.to_string().contains("contradict"), "{backend}: {e}");
    }
}
