//! The conformance suite every TLS backend runs: one module of tests, instantiated once per
//! backend compiled in. Servers: the embedded libunftp server (FTPS, TLS 1.2) and a real
//! vsftpd (TLS 1.3 with OpenSSL 3, `require_ssl_reuse=YES`).

use std::io::{Read, Write};

use ftpkit::{Backend, Client, Error, Phase, Security, TlsMode, TlsOptions};
use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::embedded::EmbeddedServer;
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

fn options(ca: Option<&TestCerts>) -> TlsOptions {
    let mut o = TlsOptions::default();
    if let Some(c) = ca {
        o.ca_files.push(c.ca.clone());
    }
    o
}

fn connect(backend: Backend, port: u16, mode: TlsMode, opts: &TlsOptions) -> Result<Client, Error> {
    Client::builder(
        "127.0.0.1",
        Security::with_mode(mode, Some(backend.connector(opts).expect("connector")))
            .expect("a TLS mode"),
    )
    .port(port)
    .connect()
}

fn vsftpd_tls(cert: &std::path::Path, key: &std::path::Path, implicit: bool) -> Vsftpd {
    Vsftpd::builder().ftps(cert, key, implicit).start()
}

/// Explicit upgrade, a listing and a 16 MiB round trip over PROT P against the embedded
/// server, which does not require session reuse: every backend must pass.
fn explicit_round_trip_embedded(backend: Backend) {
    let certs = TestCerts::generate();
    let server = EmbeddedServer::start_ftps(&certs.cert, &certs.key);
    let mut ftp = connect(
        backend,
        server.port(),
        TlsMode::Explicit,
        &options(Some(&certs)),
    )
    .unwrap_or_else(|e| panic!("{backend}: {e}"));
    ftp.login("u", "p").unwrap();
    let info = ftp.tls_info().unwrap();
    assert_eq!(info.backend, backend.name());
    let payload: Vec<u8> = (0..16 * 1024 * 1024u32)
        .map(|i| (i ^ (i >> 9)) as u8)
        .collect();
    let mut up = ftp.upload("rt.bin").unwrap();
    assert!(up.tls_info().is_some(), "data connection must be encrypted");
    up.write_all(&payload).unwrap();
    up.finish().unwrap();
    assert!(std::fs::read(server.root().join("rt.bin")).unwrap() == payload);
    let names: Vec<String> = ftp
        .list("")
        .unwrap()
        .into_iter()
        .map(|e| e.name.to_string())
        .collect();
    assert_eq!(names, vec!["rt.bin".to_string()]);
    let mut back = Vec::with_capacity(payload.len());
    let mut dl = ftp.download("rt.bin").unwrap();
    dl.read_to_end(&mut back).unwrap();
    dl.finish().unwrap();
    assert!(back == payload, "{backend}: downloaded bytes differ");
    ftp.quit().unwrap();
}

/// The embedded server speaks TLS 1.2 only; a backend that reports its protocol says so.
fn tls12_server(backend: Backend) {
    let certs = TestCerts::generate();
    let server = EmbeddedServer::start_ftps(&certs.cert, &certs.key);
    let ftp = connect(
        backend,
        server.port(),
        TlsMode::Explicit,
        &options(Some(&certs)),
    )
    .unwrap();
    let info = ftp.tls_info().unwrap();
    if let Some(p) = info.protocol {
        assert_eq!(p, "TLSv1.2", "{backend}");
    }
}

/// vsftpd with OpenSSL 3 negotiates TLS 1.3, and requires session reuse on data
/// connections: backends that resume must list; native-tls must fail saying why.
fn tls13_vsftpd_implicit(backend: Backend) {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = vsftpd_tls(&certs.cert, &certs.key, true);
    let mut ftp = connect(
        backend,
        server.port(),
        TlsMode::Implicit,
        &options(Some(&certs)),
    )
    .unwrap_or_else(|e| panic!("{backend}: {e}\n{}", server.log()));
    if let Some(p) = ftp.tls_info().unwrap().protocol {
        assert_eq!(p, "TLSv1.3", "{backend}");
    }
    ftp.login(server.user(), server.password()).unwrap();
    let r = ftp.list("");
    if backend == Backend::NativeTls {
        let e = r.expect_err("vsftpd requires session reuse");
        assert_eq!(e.hint(), Some(&ftpkit::Hint::UseResumingBackend), "{e}");
    } else {
        r.unwrap_or_else(|e| panic!("{backend}: {e}\n{}", server.log()));
    }
}

/// Without the CA the certificate is rejected, the error names the problem and the option.
fn untrusted_certificate_rejected(backend: Backend) {
    let certs = TestCerts::generate();
    let server = EmbeddedServer::start_ftps(&certs.cert, &certs.key);
    let mut opts = options(None);
    opts.system_roots = true;
    let err = connect(backend, server.port(), TlsMode::Explicit, &opts).expect_err("untrusted CA");
    assert!(
        matches!(
            err,
            Error::Tls {
                phase: Phase::TlsUpgrade,
                ..
            }
        ),
        "{backend}: {err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("certificate"), "{backend}: {msg}");
    assert!(msg.contains("TlsOptions::ca_files"), "{backend}: {msg}");
}

/// A certificate for another name, from a trusted CA, is rejected.
fn hostname_mismatch_rejected(backend: Backend) {
    let certs = TestCerts::generate();
    let server = EmbeddedServer::start_ftps(&certs.wrong_name_cert, &certs.wrong_name_key);
    let err = connect(
        backend,
        server.port(),
        TlsMode::Explicit,
        &options(Some(&certs)),
    )
    .expect_err("name mismatch");
    assert!(
        matches!(
            err,
            Error::Tls {
                phase: Phase::TlsUpgrade,
                ..
            }
        ),
        "{backend}: {err}"
    );
    assert!(err.to_string().contains("certificate"), "{backend}: {err}");
}

/// `dangerous_accept_invalid_certs` connects to the mismatching server.
fn insecure_accepts(backend: Backend) {
    let certs = TestCerts::generate();
    let server = EmbeddedServer::start_ftps(&certs.wrong_name_cert, &certs.wrong_name_key);
    let mut opts = options(None);
    opts.dangerous_accept_invalid_certs = true;
    let mut ftp = connect(backend, server.port(), TlsMode::Explicit, &opts).unwrap();
    ftp.login("u", "p").unwrap();
    ftp.nlst("").unwrap();
}

macro_rules! conformance {
    ($name:ident, $backend:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn explicit_round_trip() {
                explicit_round_trip_embedded($backend)
            }
            #[test]
            fn tls12_only_server() {
                tls12_server($backend)
            }
            #[test]
            fn tls13_vsftpd_implicit_with_reuse() {
                tls13_vsftpd_implicit($backend)
            }
            #[test]
            fn untrusted_certificate() {
                untrusted_certificate_rejected($backend)
            }
            #[test]
            fn hostname_mismatch() {
                hostname_mismatch_rejected($backend)
            }
            #[test]
            fn insecure_option() {
                insecure_accepts($backend)
            }
        }
    };
}

#[cfg(feature = "rustls")]
conformance!(rustls, Backend::Rustls);
#[cfg(feature = "openssl")]
conformance!(openssl, Backend::OpenSsl);
#[cfg(feature = "native-tls")]
conformance!(native_tls, Backend::NativeTls);
