//! The same scenarios over TLS 1.3, with an OpenSSL test server (native-tls's own acceptor
//! offers TLS 1.2 only on OpenSSL), and the version options against it.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use crate::common::*;
use ftpkit_core::{TlsConnector, TlsError};
use ftpkit_core::{TlsOptions, TlsVersion};
use ftpkit_native_tls::NativeTlsConnector;
use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslMethod, SslStream};
use openssl::x509::X509;

/// `modern`: TLS 1.3 only; otherwise TLS 1.2 and 1.3.
fn ossl_acceptor(pki: &Pki, modern: bool) -> SslAcceptor {
    ossl_acceptor_with(pki, modern, |_| {})
}

fn ossl_acceptor_with(
    pki: &Pki,
    modern: bool,
    tweak: impl FnOnce(&mut openssl::ssl::SslAcceptorBuilder),
) -> SslAcceptor {
    let mut b = if modern {
        SslAcceptor::mozilla_modern_v5(SslMethod::tls()).unwrap()
    } else {
        SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap()
    };
    tweak(&mut b);
    b.set_certificate(&X509::from_pem(pki.cert_pem.as_bytes()).unwrap())
        .unwrap();
    b.set_private_key(&PKey::private_key_from_pem(pki.key_pem.as_bytes()).unwrap())
        .unwrap();
    b.check_private_key().unwrap();
    b.build()
}

/// Accepts one connection and returns the session (or the handshake error).
fn ossl_accept(
    l: &TcpListener,
    acc: &SslAcceptor,
) -> Result<SslStream<std::net::TcpStream>, String> {
    acc.accept(accept(l)).map_err(|e| e.to_string())
}

/// Echoes once; returns the negotiated version.
fn ossl_echo_once(l: &TcpListener, acc: &SslAcceptor) -> Result<&'static str, String> {
    Ok(ossl_echo_once_cipher(l, acc)?.0)
}

/// Echoes once; returns the negotiated version and cipher suite (IANA name).
fn ossl_echo_once_cipher(
    l: &TcpListener,
    acc: &SslAcceptor,
) -> Result<(&'static str, String), String> {
    let tls = ossl_accept(l, acc)?;
    let version = tls.ssl().version_str();
    let cipher = tls
        .ssl()
        .current_cipher()
        .and_then(|c| c.standard_name())
        .unwrap_or("?")
        .to_string();
    echo(tls)?;
    Ok((version, cipher))
}

fn with_ca(pki: &Pki) -> TlsOptions {
    let mut o = TlsOptions::default();
    o.ca_files.push(pki.cert_path.clone());
    o
}

#[test]
fn tls13_connect_exchange_and_connect_data() {
    let pki = pki();
    let acc = ossl_acceptor(&pki, false);
    let (addr, server) = serve(move |l| {
        thread::scope(|scope| {
            let control = scope.spawn(|| ossl_echo_once(&l, &acc));
            let data = ossl_echo_once(&l, &acc);
            (control.join().unwrap(), data)
        })
    });
    let connector = NativeTlsConnector::new(&with_ca(&pki)).unwrap();
    let mut control = connector.connect("localhost", client_tcp(addr, T)).unwrap();
    let mut data = control.connect_data(client_tcp(addr, T)).unwrap();
    assert_eq!(ping(&mut *data), "echo ping\n");
    let info = data.info();
    assert_eq!(info.resumed, None);
    assert_eq!(info.protocol.as_deref(), Some("TLSv1.3"));
    assert_eq!(control.info().protocol.as_deref(), Some("TLSv1.3"));
    data.close_notify().unwrap();
    drop(data);
    assert_eq!(ping(&mut *control), "echo ping\n");
    drop(control);
    let (c, d) = server.join().unwrap();
    assert_eq!(c.unwrap(), "TLSv1.3");
    assert_eq!(d.unwrap(), "TLSv1.3");
}

#[test]
fn tls13_certificate_errors() {
    let pki = pki();
    for (name, options) in [
        ("localhost", TlsOptions::default()),
        ("example.com", with_ca(&pki)),
    ] {
        let acc = ossl_acceptor(&pki, true);
        let (addr, server) = serve(move |l| ossl_echo_once(&l, &acc));
        let connector = NativeTlsConnector::new(&options).unwrap();
        let err = connector.connect(name, client_tcp(addr, T)).unwrap_err();
        assert!(matches!(err, TlsError::Certificate(..)), "{name}: {err:?}");
        assert!(server.join().unwrap().is_err());
    }
}

#[test]
fn tls13_close_notify_is_a_clean_eof() {
    let pki = pki();
    let acc = ossl_acceptor(&pki, true);
    let (addr, server) = serve(move |l| {
        let mut tls = ossl_accept(&l, &acc).unwrap();
        let mut got = Vec::new();
        let r = tls.read_to_end(&mut got).map_err(|e| e.to_string());
        (got, r)
    });
    let connector = NativeTlsConnector::new(&with_ca(&pki)).unwrap();
    let mut s = connector.connect("localhost", client_tcp(addr, T)).unwrap();
    s.write_all(b"upload body").unwrap();
    s.close_notify().unwrap();
    let (got, r) = server.join().unwrap();
    assert_eq!(got, b"upload body");
    assert!(r.is_ok(), "{r:?}");
    drop(s);
}

#[test]
fn version_options_against_tls13() {
    let pki = pki();
    let cases = [
        // (client min, client max, server TLS 1.3 only, expected server version)
        (TlsVersion::Tls13, TlsVersion::Tls13, false, Some("TLSv1.3")),
        (TlsVersion::Tls13, TlsVersion::Tls13, true, Some("TLSv1.3")),
        (TlsVersion::Tls12, TlsVersion::Tls12, false, Some("TLSv1.2")),
        (TlsVersion::Tls12, TlsVersion::Tls12, true, None),
        (TlsVersion::Tls12, TlsVersion::Tls13, false, Some("TLSv1.3")),
    ];
    for (min, max, modern, expected) in cases {
        let mut options = with_ca(&pki);
        options.min_version = min;
        options.max_version = max;
        let connector = NativeTlsConnector::new(&options).unwrap();
        let acc = ossl_acceptor(&pki, modern);
        let (addr, server) = serve(move |l| ossl_echo_once(&l, &acc));
        let result = connector.connect("localhost", client_tcp(addr, T));
        let case = format!("{min:?}..={max:?} vs modern={modern}");
        match expected {
            Some(version) => {
                let mut s = result.unwrap_or_else(|e| panic!("{case}: {e:?}"));
                assert_eq!(ping(&mut *s), "echo ping\n");
                assert_eq!(s.info().protocol.as_deref(), Some(version), "{case}");
                drop(s);
                assert_eq!(server.join().unwrap().unwrap(), version, "{case}");
            }
            None => {
                let err = result.unwrap_err();
                assert!(matches!(err, TlsError::Handshake(..)), "{case}: {err:?}");
                assert!(server.join().unwrap().is_err());
            }
        }
    }
}

/// What a server that demands session reuse (vsftpd, ProFTPD) does to a fresh data session:
/// it completes the handshake, sees the session was not resumed and drops the connection.
/// The client's handshake has already succeeded by then, so the refusal shows on the first
/// read, not in `connect_data`.
#[test]
fn reuse_demanding_server_refuses_after_the_handshake() {
    let pki = pki();
    let acc = ossl_acceptor(&pki, false);
    let (addr, server) = serve(move |l| {
        let control = ossl_accept(&l, &acc).unwrap();
        let data = ossl_accept(&l, &acc).unwrap();
        let reused = data.ssl().session_reused();
        drop(data);
        drop(control);
        reused
    });
    let connector = NativeTlsConnector::new(&with_ca(&pki)).unwrap();
    let control = connector.connect("localhost", client_tcp(addr, T)).unwrap();
    let mut data = control.connect_data(client_tcp(addr, T)).unwrap();
    assert!(!server.join().unwrap(), "the data session was resumed");
    let mut buf = [0u8; 16];
    match data.read(&mut buf) {
        Ok(0) | Err(_) => {}
        Ok(n) => panic!("read {n} bytes from a dropped connection"),
    }
}

/// The protocol and cipher reported by `info()` are those the server negotiated, including
/// after a TLS 1.3 HelloRetryRequest and for each TLS 1.2 suite family.
#[test]
fn info_matches_what_the_server_negotiated() {
    let pki = pki();
    type Tweak = fn(&mut openssl::ssl::SslAcceptorBuilder);
    let cases: [(bool, Tweak); 5] = [
        (true, |b| {
            b.set_ciphersuites("TLS_AES_256_GCM_SHA384").unwrap()
        }),
        (true, |b| {
            b.set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256").unwrap()
        }),
        // The client's first key share (X25519) is refused: HelloRetryRequest.
        (true, |b| b.set_groups_list("P-384").unwrap()),
        (false, |b| {
            b.set_max_proto_version(Some(openssl::ssl::SslVersion::TLS1_2))
                .unwrap();
            b.set_cipher_list("ECDHE-ECDSA-AES256-GCM-SHA384").unwrap();
        }),
        (false, |b| {
            b.set_max_proto_version(Some(openssl::ssl::SslVersion::TLS1_2))
                .unwrap();
            b.set_cipher_list("ECDHE-ECDSA-CHACHA20-POLY1305").unwrap();
        }),
    ];
    let connector = NativeTlsConnector::new(&with_ca(&pki)).unwrap();
    for (i, (modern, tweak)) in cases.into_iter().enumerate() {
        let acc = ossl_acceptor_with(&pki, modern, tweak);
        let (addr, server) = serve(move |l| ossl_echo_once_cipher(&l, &acc));
        let mut s = connector
            .connect("localhost", client_tcp(addr, T))
            .unwrap_or_else(|e| panic!("case {i}: {e:?}"));
        assert_eq!(ping(&mut *s), "echo ping\n");
        let info = s.info();
        drop(s);
        let (version, cipher) = server.join().unwrap().unwrap();
        assert_eq!(info.protocol.as_deref(), Some(version), "case {i}");
        assert_eq!(info.cipher.as_deref(), Some(cipher.as_str()), "case {i}");
    }
}
