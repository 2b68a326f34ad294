//! An explicit-FTPS server stuck on old TLS, for testing that clients refuse it by default.

use std::io::{BufRead, BufReader, Write};
use std::sync::Arc;

use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod, SslVersion};

use crate::certs::TestCerts;
use crate::fake::FakeServer;

/// An explicit-FTPS server whose TLS stops at version 1.1 (OpenSSL, security level 0).
pub fn tls11_server(certs: &TestCerts) -> FakeServer {
    let mut b = SslAcceptor::mozilla_intermediate(SslMethod::tls()).unwrap();
    b.set_certificate_chain_file(&certs.cert).unwrap();
    b.set_private_key_file(&certs.key, SslFiletype::PEM)
        .unwrap();
    b.set_min_proto_version(Some(SslVersion::TLS1)).unwrap();
    b.set_max_proto_version(Some(SslVersion::TLS1_1)).unwrap();
    b.set_cipher_list("DEFAULT:@SECLEVEL=0").unwrap();
    let acceptor = Arc::new(b.build());
    FakeServer::start_many(move |mut c| {
        c.send(b"220 old server\r\n");
        if c.command().as_deref() != Some("AUTH TLS") {
            return;
        }
        c.send(b"234 go\r\n");
        let Ok(tls) = acceptor.accept(c.stream.try_clone().unwrap()) else {
            return;
        };
        let mut tls = BufReader::new(tls);
        let mut line = String::new();
        while tls.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
            let reply: &[u8] = if line.starts_with("QUIT") {
                b"221 bye\r\n"
            } else {
                b"502 no\r\n"
            };
            let _ = tls.get_mut().write_all(reply);
            line.clear();
        }
    })
}
