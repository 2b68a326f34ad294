//! Trusting a server's certificate without `--insecure`: `--pin`, and trust on first use
//! (`ftpc trust`, the known-certificates file, a changed certificate), against a real
//! vsftpd whose certificate comes from a CA the client does not know.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::*;

use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

/// `ftpc` with its configuration directory in `home` and the password in the environment;
/// standard input is not a terminal.
fn ftpc_in(home: &Path, args: &[&str], password: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ftpc"))
        .args(args)
        .env("FTPC_PASSWORD", password)
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home)
        .stdin(Stdio::null())
        .output()
        .expect("run ftpc")
}

/// The certificate's fingerprint as the openssl tool prints it, `sha256:AB:…`.
fn openssl_fingerprint(cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(cert)
        .output()
        .expect("the openssl tool");
    let text = String::from_utf8(out.stdout).unwrap();
    format!("sha256:{}", text.trim().rsplit('=').next().unwrap())
}

fn serve(certs: &TestCerts) -> Vsftpd {
    Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .start()
}

fn out(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        stderr(o)
    )
}

#[test]
fn a_pinned_certificate_is_accepted_and_another_refused_with_both_fingerprints() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = serve(&certs);
    let home = tempfile::tempdir().unwrap();
    let fp = openssl_fingerprint(&certs.cert);
    let u = url(&server, "");

    // Unknown CA: refused, and the message offers exactly this pin.
    let o = ftpc_in(home.path(), &["ls", &u], server.password());
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    assert!(stderr(&o).contains(&format!("--pin {fp}")), "{}", out(&o));
    assert!(!stderr(&o).contains("--insecure"), "{}", out(&o));

    let o = ftpc_in(home.path(), &["ls", "--pin", &fp, &u], server.password());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));

    let other = openssl_fingerprint(&TestCerts::generate().cert);
    let o = ftpc_in(home.path(), &["ls", "--pin", &other, &u], server.password());
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    let e = stderr(&o);
    assert!(
        e.contains(&format!("is not the pinned one ({other})")),
        "{e}"
    );
    assert!(
        e.contains(&format!("the server presented certificate {fp}")),
        "{e}"
    );
    assert!(e.contains("--pin"), "{e}");

    for bad in ["sha256:1234", "md5:00"] {
        let o = ftpc_in(home.path(), &["ls", "--pin", bad, &u], server.password());
        assert_eq!(o.status.code(), Some(2), "{}", out(&o));
        assert!(
            stderr(&o).contains("is not a certificate pin"),
            "{}",
            out(&o)
        );
    }
    let o = ftpc_in(
        home.path(),
        &["ls", "--pin", &fp, "--insecure", &u],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
}

#[test]
fn trust_on_first_use_records_the_certificate_and_refuses_a_changed_one() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = serve(&certs);
    let home = tempfile::tempdir().unwrap();
    let known = home.path().join("ftpc/known_certs");
    let fp = openssl_fingerprint(&certs.cert);
    let u = url(&server, "");
    let key = format!("127.0.0.1:{}", server.port());

    // Without a terminal and without --yes nothing is recorded.
    let o = ftpc_in(home.path(), &["trust", &u], server.password());
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    assert!(stderr(&o).contains("not accepted"), "{}", out(&o));
    assert!(!known.exists());
    let shown = String::from_utf8_lossy(&o.stdout).into_owned();
    for what in [
        "subject:     CN=localhost",
        "issuer:      CN=ftpkit test CA",
        "valid until:",
        "names:       localhost, 127.0.0.1, ::1",
        &format!("certificate: {fp}"),
        "public key:  sha256//",
    ] {
        assert!(shown.contains(what), "{what}: {}", out(&o));
    }

    let o = ftpc_in(home.path(), &["trust", "--yes", &u], server.password());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = std::fs::read_to_string(&known).unwrap();
    assert!(text.starts_with(&format!("{key} {fp} ")), "{text}");
    // No login on the unverified connection.
    assert!(!server.log().contains("OK LOGIN"), "{}", server.log());

    let o = ftpc_in(home.path(), &["ls", &u], server.password());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = ftpc_in(home.path(), &["trust", "--yes", &u], server.password());
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("already trusted"),
        "{}",
        out(&o)
    );

    // The same address and port now serve another certificate: the recorded one is
    // carried over to the second server's port, as if it had been replaced there.
    let replaced = TestCerts::generate();
    let server2 = serve(&replaced);
    let fp2 = openssl_fingerprint(&replaced.cert);
    let key2 = format!("127.0.0.1:{}", server2.port());
    std::fs::write(&known, format!("{key2} {fp} # the old one\n")).unwrap();
    let u2 = url(&server2, "");
    let o = ftpc_in(home.path(), &["ls", &u2], server2.password());
    assert_eq!(o.status.code(), Some(4), "{}", out(&o));
    let e = stderr(&o);
    assert!(
        e.contains(&format!(
            "CHANGED since you trusted it with ftpc trust: trusted {fp}, now {fp2}"
        )),
        "{e}"
    );
    assert!(e.contains("run ftpc trust again"), "{e}");
    assert!(
        !server2.log().contains("OK LOGIN"),
        "the password went to a changed certificate"
    );

    let o = ftpc_in(home.path(), &["trust", "--yes", &u2], server2.password());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("WARNING: this is not the certificate you trusted"),
        "{}",
        out(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&known)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with(&key2))
            .count(),
        1
    );
    let o = ftpc_in(home.path(), &["ls", &u2], server2.password());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));

    // An explicit --ca-file overrides the record (the user chose how to trust this time):
    // with the old certificate recorded again, the CA of the new one still works.
    std::fs::write(&known, format!("{key2} {fp}\n")).unwrap();
    let o = ftpc_in(
        home.path(),
        &["ls", "--ca-file", replaced.ca.to_str().unwrap(), &u2],
        server2.password(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}
