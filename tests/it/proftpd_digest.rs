//! `Client::remote_hash` against a real ProFTPD 1.3.8 with mod_digest, plain and explicit
//! FTPS (rustls and openssl; mod_tls requires data connections to resume the control
//! session, which native-tls cannot do, so with native-tls the upload must fail and say so).
//!
//! mod_digest answers every hash command with a multi-line reply whose first line is only
//! a progress note: `213-Computing SHA-256 digest` then `213 SHA-256 0-N <hex> name` for
//! `HASH`, `250-Computing SHA256 digest` then `250 <HEX>` for `XSHA256` and the others.

use std::io::Write;
use std::sync::Arc;

use ftpkit::{Backend, Client, Error, HashAlgorithm, Phase, Security, TlsConnector, TlsOptions};
use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::data::prng_bytes;
use ftpkit_test_support::proftpd::{require_proftpd, Proftpd};
use sha2::{Digest, Sha256};

use crate::check::assert_reply;

/// A few MiB: big enough that ProFTPD takes a moment to hash it.
const SIZE: usize = 3 * 1024 * 1024 + 12_345;

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Uploads `SIZE` bytes, then checks the server's hash of them against the local SHA-256.
fn upload_and_hash(ftp: &mut Client, server: &Proftpd, seed: u64) -> Result<(), Error> {
    let payload = prng_bytes(seed, SIZE);
    let mut up = ftp.upload("big.bin")?;
    up.write_all(&payload)
        .map_err(|e| Error::from_io(e, Phase::Transfer))?;
    up.finish()?;
    assert_eq!(
        std::fs::read(server.root().join("big.bin")).unwrap(),
        payload,
        "the upload itself"
    );

    // FEAT says "HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;": the client selects SHA-256.
    let hash = ftp.remote_hash("big.bin")?.expect("ProFTPD offers HASH");
    assert_eq!(hash.algorithm, HashAlgorithm::Sha256);
    assert_eq!(hash.hex, sha256_hex(&payload));
    let log = server.log();
    assert!(log.contains("\"OPTS HASH SHA-256\""), "{log}");
    assert!(log.contains("\"HASH big.bin\" 213"), "{log}");
    Ok(())
}

#[test]
fn plain_ftp_remote_hash_matches_local_sha256() {
    if !require_proftpd() {
        return;
    }
    let server = Proftpd::start();
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .connect()
        .unwrap();
    ftp.login(server.user(), server.password()).unwrap();
    assert!(ftp.features().has("HASH"), "{:?}", ftp.features());
    upload_and_hash(&mut ftp, &server, 7).unwrap();

    // The X* commands have the same shape; the parser's unit tests copy it from here.
    let expected = sha256_hex(&prng_bytes(7, SIZE)).to_ascii_uppercase();
    let r = ftp.raw("XSHA256 big.bin").unwrap();
    assert_eq!(r.code(), 250, "{r}");
    assert_eq!(
        r.lines(),
        [
            "250-Computing SHA256 digest".to_owned(),
            format!("250 {expected}")
        ],
    );

    // A file that is not there: the server's 550, not a parse error.
    let e = ftp.remote_hash("missing.bin").unwrap_err();
    assert_reply(&e, Phase::Command, 550);
    ftp.quit().unwrap();
}

fn connector(backend: Backend, certs: &TestCerts) -> Arc<dyn TlsConnector> {
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    backend.connector(&opts).expect("connector")
}

#[test]
fn explicit_ftps_remote_hash_with_every_backend() {
    if !require_proftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Proftpd::builder().tls(&certs.cert, &certs.key).start();
    let backends = Backend::available();
    assert!(
        backends.iter().any(|b| *b != Backend::NativeTls),
        "no resuming TLS backend compiled in"
    );
    for (i, backend) in backends.into_iter().enumerate() {
        let run = || -> Result<(), Error> {
            let mut ftp =
                Client::builder("127.0.0.1", Security::Explicit(connector(backend, &certs)))
                    .port(server.port())
                    .connect()?;
            let info = ftp.tls_info().expect("control connection is encrypted");
            assert_eq!(info.backend, backend.name());
            ftp.login(server.user(), server.password())?;
            upload_and_hash(&mut ftp, &server, 100 + i as u64)?;
            let data = ftp.last_data_tls_info().expect("the upload was protected");
            assert_eq!(data.resumed, Some(true), "{backend}: {data:?}");
            ftp.quit()
        };
        if backend == Backend::NativeTls {
            // mod_tls refuses the data connection ("client did not reuse TLS session"):
            // 425 on STOR, and the client says why.
            let e = run().expect_err("native-tls cannot resume; ProFTPD must refuse it");
            let msg = e.to_string();
            assert!(msg.contains("425"), "{msg}");
            assert!(msg.contains("resume"), "{msg}");
            assert_eq!(e.hint(), Some(&ftpkit::Hint::UseResumingBackend), "{msg}");
            continue;
        }
        run().unwrap_or_else(|e| panic!("{backend}: {e}"));
    }
    let tls_log = server.output();
    assert!(
        tls_log.contains("client reused TLS session for data connection"),
        "{tls_log}"
    );
}
