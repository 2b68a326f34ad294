//! FTPS against a real vsftpd, explicit and implicit, with every compiled backend.
//!
//! vsftpd is configured as in production: TLS required for logins and data, and
//! `require_ssl_reuse=YES`, so a data connection that does not resume the control session
//! is refused. rustls and openssl must fully work; native-tls cannot resume sessions and
//! must fail with that diagnosis.

use std::io::{Read, Write};
use std::sync::Arc;

use ftpkit::{Backend, Client, Error, Phase, Security, TlsConnector, TlsMode, TlsOptions};
use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

fn tls_server(certs: &TestCerts, implicit: bool) -> Vsftpd {
    // Also refuse TLS 1.0: a client must never need it.
    Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, implicit)
        .option("ssl_tlsv1", "NO")
        .option("ssl_sslv2", "NO")
        .option("ssl_sslv3", "NO")
        .start()
}

fn connector(backend: Backend, certs: &TestCerts) -> Arc<dyn TlsConnector> {
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    backend.connector(&opts).expect("connector")
}

/// Logs in, lists, uploads and downloads 16 MiB over protected data connections.
fn session(
    server: &Vsftpd,
    mode: TlsMode,
    backend: Backend,
    certs: &TestCerts,
) -> Result<(), Error> {
    let mut ftp = Client::builder(
        "127.0.0.1",
        Security::with_mode(mode, Some(connector(backend, certs))).expect("a TLS mode"),
    )
    .port(server.port())
    .connect()?;
    let info = ftp.tls_info().expect("control connection is encrypted");
    assert_eq!(info.backend, backend.name());
    assert!(
        info.protocol
            .as_deref()
            .is_some_and(|p| p.starts_with("TLSv1.")),
        "{info:?}"
    );
    ftp.login(server.user(), server.password())?;

    let payload: Vec<u8> = (0..16 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let mut up = ftp.upload("big.bin")?;
    up.write_all(&payload)
        .map_err(|e| Error::from_io(e, Phase::Transfer))?;
    up.finish()?;
    assert_eq!(
        std::fs::read(server.root().join("big.bin")).unwrap(),
        payload
    );

    let entries = ftp.list("")?;
    assert!(
        entries
            .iter()
            .any(|e| e.name == "big.bin" && e.size == Some(payload.len() as u64)),
        "{entries:?}"
    );

    let mut back = Vec::new();
    let mut dl = ftp.download("big.bin")?;
    dl.read_to_end(&mut back)
        .map_err(|e| Error::from_io(e, Phase::Transfer))?;
    dl.finish()?;
    assert!(back == payload, "downloaded bytes differ");
    ftp.quit()
}

fn check_backend(server: &Vsftpd, mode: TlsMode, certs: &TestCerts) {
    for backend in Backend::available() {
        let r = session(server, mode, backend, certs);
        match backend {
            Backend::NativeTls => {
                // Either it works (it cannot here) or it says exactly why.
                let e = r.expect_err(
                    "native-tls cannot resume the control session; vsftpd must refuse it",
                );
                let msg = e.to_string();
                assert!(
                    matches!(e.phase(), Phase::DataConnect | Phase::Transfer),
                    "{msg}"
                );
                assert!(msg.contains("resume"), "{msg}\n{}", server.log());
                // The core knows the capability, not the backend's name.
                assert_eq!(
                    e.hint(),
                    Some(&ftpkit::Hint::UseResumingBackend),
                    "{msg}\n{}",
                    server.log()
                );
            }
            _ => r.unwrap_or_else(|e| panic!("{backend} {mode:?}: {e}\n{}", server.log())),
        }
    }
}

#[test]
fn explicit_ftps_every_backend() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = tls_server(&certs, false);
    check_backend(&server, TlsMode::Explicit, &certs);
}

#[test]
fn implicit_ftps_every_backend() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = tls_server(&certs, true);
    check_backend(&server, TlsMode::Implicit, &certs);
}

/// vsftpd hardened with `strict_ssl_write_shutdown=YES` (and `strict_ssl_read_eof=YES`):
/// after sending a file or a listing over TLS it waits for the client's close_notify, and
/// answers 426 to a client that just closes although every byte arrived. The resuming
/// backends must pass get, ls and put, explicit and implicit.
fn strict_server(certs: &TestCerts, implicit: bool) -> Vsftpd {
    Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, implicit)
        .option("strict_ssl_write_shutdown", "YES")
        .option("strict_ssl_read_eof", "YES")
        .start()
}

fn check_strict(implicit: bool) {
    let certs = TestCerts::generate();
    let server = strict_server(&certs, implicit);
    let mode = if implicit {
        TlsMode::Implicit
    } else {
        TlsMode::Explicit
    };
    for backend in Backend::available()
        .into_iter()
        .filter(|b| *b != Backend::NativeTls)
    {
        session(&server, mode, backend, &certs)
            .unwrap_or_else(|e| panic!("{backend} {mode:?}: {e}\n{}", server.log()));
    }
}

#[test]
fn strict_ssl_shutdown_explicit() {
    if !require_vsftpd() {
        return;
    }
    check_strict(false);
}

#[test]
fn strict_ssl_shutdown_implicit() {
    if !require_vsftpd() {
        return;
    }
    check_strict(true);
}
