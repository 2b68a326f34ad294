//! How a read ends: a server that sends close_notify gives a clean end (`Ok(0)`), one that
//! closes TCP without it gives `UnexpectedEof`, with TLS 1.2 and 1.3, and also when the
//! close_notify and the TCP FIN are already waiting together in the socket buffer.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use crate::common::*;
use ftpkit_core::TlsConnector;
use ftpkit_core::TlsVersion;
use ftpkit_native_tls::NativeTlsConnector;
use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslMethod, SslVersion};
use openssl::x509::X509;

#[derive(Debug, Clone, Copy, PartialEq)]
enum End {
    /// Data, close_notify, then FIN.
    CloseNotify,
    /// Data, then FIN.
    TcpOnly,
    /// Data, then the first bytes of another record, then FIN.
    InsideRecord,
}

fn acceptor(pki: &Pki, version: SslVersion) -> SslAcceptor {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    b.set_min_proto_version(Some(version)).unwrap();
    b.set_max_proto_version(Some(version)).unwrap();
    b.set_certificate(&X509::from_pem(pki.cert_pem.as_bytes()).unwrap())
        .unwrap();
    b.set_private_key(&PKey::private_key_from_pem(pki.key_pem.as_bytes()).unwrap())
        .unwrap();
    b.build()
}

/// Serves one connection: waits for a line, answers `payload`, then ends as `end` says.
fn serve_once(listener: &TcpListener, acc: &SslAcceptor, payload: &'static [u8], end: End) {
    let tcp = accept(listener);
    let raw = tcp.try_clone().unwrap();
    let mut tls = acc.accept(tcp).unwrap();
    let mut line = [0u8; 5];
    tls.read_exact(&mut line).unwrap();
    tls.write_all(payload).unwrap();
    tls.flush().unwrap();
    match end {
        End::CloseNotify => {
            tls.shutdown().unwrap();
        }
        End::TcpOnly => {}
        End::InsideRecord => {
            // A record header announcing 100 bytes, and 3 of them.
            (&raw).write_all(&[23, 3, 3, 0, 100, 1, 2, 3]).unwrap();
        }
    }
    raw.shutdown(std::net::Shutdown::Both).unwrap();
    // No SSL_shutdown from the drop: the session is simply freed.
    drop(tls);
}

fn read_all(s: &mut dyn Read) -> (Vec<u8>, io::Result<()>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (got, Ok(())),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => return (got, Err(e)),
        }
    }
}

#[test]
fn a_clean_end_and_a_cut_are_told_apart() {
    let pki = pki();
    for (version, max) in [
        (SslVersion::TLS1_2, TlsVersion::Tls12),
        (SslVersion::TLS1_3, TlsVersion::Tls13),
    ] {
        for end in [End::CloseNotify, End::TcpOnly, End::InsideRecord] {
            // `wait`: everything, FIN included, is in the client's socket buffer before the
            // first read, so the TLS library could read the close_notify and the end at once.
            for wait in [false, true] {
                let acc = acceptor(&pki, version);
                let payload: &'static [u8] = b"the whole payload";
                let (addr, server) = serve(move |l| serve_once(&l, &acc, payload, end));
                let mut options = options_with_ca(&pki);
                options.max_version = max;
                let connector = NativeTlsConnector::new(&options).unwrap();
                let mut s = connector.connect("localhost", client_tcp(addr, T)).unwrap();
                s.write_all(b"send\n").unwrap();
                s.flush().unwrap();
                let mut server = Some(server);
                if wait {
                    server.take().unwrap().join().unwrap();
                    std::thread::sleep(Duration::from_millis(100));
                }
                let (got, r) = read_all(&mut *s);
                if let Some(server) = server {
                    server.join().unwrap();
                }
                let case = format!("{version:?} {end:?} wait={wait}");
                assert_eq!(got, payload, "{case}");
                match end {
                    End::CloseNotify => assert!(r.is_ok(), "{case}: {r:?}"),
                    End::TcpOnly | End::InsideRecord => {
                        let e = r.expect_err(&case);
                        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{case}: {e}");
                    }
                }
                // A clean end stays clean.
                if end == End::CloseNotify {
                    let mut buf = [0u8; 16];
                    assert_eq!(s.read(&mut buf).unwrap(), 0, "{case}");
                }
            }
        }
    }
}
