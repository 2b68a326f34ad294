//! End-to-end tests against TLS servers running in threads on 127.0.0.1.

use std::io::{Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::*;
use ftpkit_core::{TlsConnector, TlsError};
use ftpkit_core::{TlsOptions, TlsVersion};
use ftpkit_native_tls::native_tls::{self, Protocol, TlsAcceptor};
use ftpkit_native_tls::NativeTlsConnector;
use ftpkit_test_support::certs::{self, DnType, PemDir};

#[test]
fn a_connect_with_ca_and_exchange_data() {
    let pki = pki();
    for name in ["localhost", "127.0.0.1"] {
        let acc = acceptor(&pki);
        let (addr, server) = serve(move |l| echo_once(&l, &acc));
        let connector = NativeTlsConnector::new(&options_with_ca(&pki)).unwrap();
        assert_eq!(connector.backend(), "native-tls");
        let mut s = connector.connect(name, client_tcp(addr, T)).unwrap();
        assert_eq!(ping(&mut *s), "echo ping\n");
        assert_eq!(s.tcp().peer_addr().unwrap(), addr);
        let info = s.info();
        assert_eq!(info.backend, "native-tls");
        // Read from the ServerHello (native-tls's acceptor does TLS 1.2 on OpenSSL).
        assert!(
            info.protocol
                .as_deref()
                .is_some_and(|p| p.starts_with("TLSv1.")),
            "{info:?}"
        );
        assert!(
            info.cipher
                .as_deref()
                .is_some_and(|c| c.starts_with("TLS_")),
            "{info:?}"
        );
        assert_eq!(info.resumed, None);
        // Not parsed: the fingerprints only, which pinning needs.
        let cert = info
            .peer_certificate
            .expect("the peer certificate's fingerprints");
        assert!(cert.subject.is_empty() && cert.names.is_empty());
        assert!(cert.fingerprints.is_some_and(|f| f.public_key.is_some()));
        drop(s);
        server.join().unwrap().unwrap();
    }
}

#[test]
fn b_unknown_ca_is_a_certificate_error() {
    let pki = pki();
    let mut no_roots = TlsOptions::default();
    no_roots.system_roots = false;
    for options in [TlsOptions::default(), no_roots] {
        let acc = acceptor(&pki);
        let (addr, server) = serve(move |l| echo_once(&l, &acc));
        let connector = NativeTlsConnector::new(&options).unwrap();
        let err = connector
            .connect("localhost", client_tcp(addr, T))
            .unwrap_err();
        assert!(matches!(err, TlsError::Certificate(..)), "{err:?}");
        assert!(server.join().unwrap().is_err());
    }
}

#[test]
fn c_hostname_mismatch_is_a_certificate_error() {
    let pki = pki();
    for name in ["example.com", "127.0.0.2"] {
        let acc = acceptor(&pki);
        let (addr, server) = serve(move |l| echo_once(&l, &acc));
        let connector = NativeTlsConnector::new(&options_with_ca(&pki)).unwrap();
        let err = connector.connect(name, client_tcp(addr, T)).unwrap_err();
        assert!(matches!(err, TlsError::Certificate(..)), "{name}: {err:?}");
        let _ = server.join().unwrap();
    }
}

#[test]
fn d_dangerous_accept_invalid_certs() {
    let pki = pki();
    let mut options = TlsOptions::default();
    options.dangerous_accept_invalid_certs = true;
    let connector = NativeTlsConnector::new(&options).unwrap();
    for name in ["localhost", "example.com"] {
        let acc = acceptor(&pki);
        let (addr, server) = serve(move |l| echo_once(&l, &acc));
        let mut s = connector.connect(name, client_tcp(addr, T)).unwrap();
        assert_eq!(ping(&mut *s), "echo ping\n");
        drop(s);
        server.join().unwrap().unwrap();
    }
}

#[test]
fn e_silent_server_times_out() {
    let (addr, server) = serve(|l| {
        // Swallow the ClientHello, never answer, wait for the client to leave.
        let mut s = accept(&l);
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    });
    let connector = NativeTlsConnector::new(&TlsOptions::default()).unwrap();
    let tcp = client_tcp(addr, Duration::from_secs(1));
    let started = Instant::now();
    let err = connector.connect("localhost", tcp).unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, TlsError::Timeout(_)), "{err:?}");
    assert!(elapsed < Duration::from_millis(1500), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(900), "took {elapsed:?}");
    server.join().unwrap();
}

#[test]
fn f_plain_ftp_greeting_is_a_handshake_error() {
    let (addr, server) = serve(|l| {
        let mut s = accept(&l);
        s.write_all(b"220 hello\r\n").unwrap();
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    });
    let connector = NativeTlsConnector::new(&TlsOptions::default()).unwrap();
    let started = Instant::now();
    let err = connector
        .connect("localhost", client_tcp(addr, T))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, TlsError::Handshake(..)), "{err:?}");
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    server.join().unwrap();
}

#[test]
fn g_connect_data_opens_a_fresh_session() {
    let pki = pki();
    let acc = acceptor(&pki);
    let (addr, server) = serve(move |l| {
        let control = thread::scope(|scope| {
            let control = scope.spawn(|| echo_once(&l, &acc));
            // The data connection arrives while the control one is still open.
            let data = echo_once(&l, &acc);
            (control.join().unwrap(), data)
        });
        control
    });
    let connector = NativeTlsConnector::new(&options_with_ca(&pki)).unwrap();
    let mut control = connector.connect("localhost", client_tcp(addr, T)).unwrap();
    let mut data = control.connect_data(client_tcp(addr, T)).unwrap();
    assert_eq!(ping(&mut *data), "echo ping\n");
    let info = data.info();
    assert_eq!(info.backend, "native-tls");
    assert_eq!(info.resumed, None);
    data.close_notify().unwrap();
    drop(data);
    assert_eq!(ping(&mut *control), "echo ping\n");
    drop(control);
    let (c, d) = server.join().unwrap();
    c.unwrap();
    d.unwrap();
}

#[test]
fn g_data_handshake_refusals_are_handshake_errors() {
    let pki = pki();
    // 0: the server closes the data connection at once; 1: after reading the ClientHello;
    // 2: it answers in plain text.
    for mode in 0..3 {
        let acc = acceptor(&pki);
        let (addr, server) = serve(move |l| {
            let control = accept(&l);
            let control = acc.accept(control).unwrap();
            let mut data = accept(&l);
            match mode {
                0 => drop(data),
                1 => {
                    let mut buf = [0u8; 4096];
                    let _ = data.read(&mut buf);
                    drop(data);
                }
                _ => {
                    let _ = data.write_all(b"425 no\r\n");
                    let mut sink = Vec::new();
                    let _ = data.read_to_end(&mut sink);
                }
            }
            drop(control);
        });
        let connector = NativeTlsConnector::new(&options_with_ca(&pki)).unwrap();
        let control = connector.connect("localhost", client_tcp(addr, T)).unwrap();
        let started = Instant::now();
        let err = control.connect_data(client_tcp(addr, T)).unwrap_err();
        assert!(
            matches!(err, TlsError::Handshake(..)),
            "mode {mode}: {err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(control);
        server.join().unwrap();
    }
}

#[test]
fn h_min_tls13() {
    let pki = pki();
    let mut options = options_with_ca(&pki);
    options.min_version = TlsVersion::Tls13;
    let connector = NativeTlsConnector::new(&options);
    if cfg!(target_vendor = "apple") {
        let err = connector.unwrap_err();
        assert!(
            matches!(err, TlsError::Config(ref m) if m.contains("rustls") && m.contains("openssl")),
            "{err:?}"
        );
        return;
    }
    // Expressible with OpenSSL and SChannel: a TLS 1.2-only server is refused. (A TLS 1.3
    // server is accepted: see the tls13 module.)
    let connector = connector.unwrap();
    let acc = TlsAcceptor::builder(pki.identity.clone())
        .max_protocol_version(Some(Protocol::Tlsv12))
        .build()
        .unwrap();
    let (addr, server) = serve(move |l| echo_once(&l, &acc));
    let err = connector
        .connect("localhost", client_tcp(addr, T))
        .unwrap_err();
    assert!(matches!(err, TlsError::Handshake(..)), "{err:?}");
    assert!(server.join().unwrap().is_err());
}

#[test]
fn h_empty_version_range_is_a_config_error() {
    let mut options = TlsOptions::default();
    options.min_version = TlsVersion::Tls13;
    options.max_version = TlsVersion::Tls12;
    let err = NativeTlsConnector::new(&options).unwrap_err();
    assert!(matches!(err, TlsError::Config(_)), "{err:?}");
}

#[test]
fn i_close_notify_is_a_clean_eof_for_the_server() {
    let pki = pki();
    let acc = acceptor(&pki);
    let (addr, server) = serve(move |l| {
        let tcp = accept(&l);
        let mut tls = acc.accept(tcp).unwrap();
        let mut got = Vec::new();
        // The client keeps its TCP connection open, so only a close_notify can end this
        // read cleanly; without one it would fail with the 10 s socket timeout.
        let r = tls.read_to_end(&mut got).map_err(|e| e.to_string());
        (got, r)
    });
    let connector = NativeTlsConnector::new(&options_with_ca(&pki)).unwrap();
    let mut s = connector.connect("localhost", client_tcp(addr, T)).unwrap();
    s.write_all(b"upload body").unwrap();
    s.close_notify().unwrap();
    // Keep the TCP connection open: the EOF the server sees must come from close_notify.
    let (got, r) = server.join().unwrap();
    assert_eq!(got, b"upload body");
    assert!(r.is_ok(), "{r:?}");
    drop(s);
}

#[test]
fn options_files() {
    let pki = pki();
    let dir = PemDir::new();

    // Several certificates in one CA file, with other blocks around them.
    let other = certs::self_signed(&[(DnType::CommonName, "another CA")], &["other"]);
    let bundle = dir.path().join("bundle.pem");
    std::fs::write(
        &bundle,
        format!(
            "# bundle\n{}{}{}",
            other.cert,
            other.key,
            std::fs::read_to_string(&pki.cert_path).unwrap()
        ),
    )
    .unwrap();
    let mut options = TlsOptions::default();
    options.system_roots = false;
    options.ca_files.push(bundle);
    let connector = NativeTlsConnector::new(&options).unwrap();
    let acc = acceptor(&pki);
    let (addr, server) = serve(move |l| echo_once(&l, &acc));
    let mut s = connector.connect("localhost", client_tcp(addr, T)).unwrap();
    assert_eq!(ping(&mut *s), "echo ping\n");
    drop(s);
    server.join().unwrap().unwrap();

    // Missing, empty and truncated CA files.
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "nothing here\n").unwrap();
    let truncated = dir.path().join("truncated.pem");
    std::fs::write(&truncated, "-----BEGIN CERTIFICATE-----\nMIIB\n").unwrap();
    for path in [dir.path().join("missing.pem"), empty, truncated] {
        let mut options = TlsOptions::default();
        options.ca_files.push(path.clone());
        let err = NativeTlsConnector::new(&options).unwrap_err();
        assert!(matches!(err, TlsError::Config(_)), "{path:?}: {err:?}");
    }

    // A client identity loads; a non-PKCS#8 key is refused with advice.
    let mut options = TlsOptions::default();
    options.client_identity = Some((pki.cert_path.clone(), pki.key_path.clone()));
    NativeTlsConnector::new(&options).unwrap();
    let rsa = dir.path().join("rsa.pem");
    std::fs::write(
        &rsa,
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
    )
    .unwrap();
    options.client_identity = Some((pki.cert_path.clone(), rsa));
    let err = NativeTlsConnector::new(&options).unwrap_err();
    assert!(
        matches!(err, TlsError::Config(ref m) if m.contains("PKCS#8") && m.contains("openssl pkcs8")),
        "{err:?}"
    );
}

#[test]
fn from_connector_wraps_a_hand_made_connector() {
    let pki = pki();
    let cert = native_tls::Certificate::from_pem(&std::fs::read(&pki.cert_path).unwrap()).unwrap();
    let inner = native_tls::TlsConnector::builder()
        .add_root_certificate(cert)
        .build()
        .unwrap();
    let connector = NativeTlsConnector::from_connector(inner);
    let acc = acceptor(&pki);
    let (addr, server) = serve(move |l| echo_once(&l, &acc));
    let mut s = connector.connect("localhost", client_tcp(addr, T)).unwrap();
    assert_eq!(ping(&mut *s), "echo ping\n");
    drop(s);
    server.join().unwrap().unwrap();
}
