//! `ftpc get --verify` end to end against a real ProFTPD 1.3.8 with mod_digest, whose
//! `HASH` reply is multi-line (`213-Computing SHA-256 digest` then the hash line), plain
//! and explicit FTPS on the resuming backends.

use crate::common::*;
use sha2::{Digest, Sha256};

use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::data::prng_bytes;
use ftpkit_test_support::proftpd::{require_proftpd, Proftpd};

const SIZE: usize = 2 * 1024 * 1024 + 777;

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn url(server: &Proftpd, path: &str) -> String {
    format!("ftp://{}@127.0.0.1:{}/{path}", server.user(), server.port())
}

#[test]
fn get_verify_plain() {
    if !require_proftpd() {
        return;
    }
    let server = Proftpd::start();
    let data = prng_bytes(11, SIZE);
    server.write_file("/big.bin", &data);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.bin");
    let t = target.to_str().unwrap();

    let o = ftpc_env(
        &[
            "get",
            &url(&server, "big.bin"),
            "-o",
            t,
            "--verify",
            "--tls",
            "none",
            "-v",
        ],
        server.password(),
    );
    let e = stderr(&o);
    assert!(o.status.success(), "{e}");
    assert_eq!(std::fs::read(&target).unwrap(), data);
    assert!(
        e.contains(&format!("verified: Sha256 {}", sha256_hex(&data))),
        "{e}"
    );
    assert!(
        server.log().contains("\"HASH big.bin\" 213"),
        "{}",
        server.log()
    );
    std::fs::remove_file(&target).unwrap();

    // The check is real: a `.part` whose first bytes are wrong is resumed (REST) and the
    // whole then disagrees with the server's hash: exit 7, and nothing under the final name.
    let mut bad = data[..100_000].to_vec();
    bad[5] ^= 0xff;
    std::fs::write(dir.path().join("big.bin.part"), &bad).unwrap();
    let o = ftpc_env(
        &[
            "get",
            &url(&server, "big.bin"),
            "-o",
            t,
            "--resume",
            "--verify",
            "--tls",
            "none",
        ],
        server.password(),
    );
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(7), "{e}");
    assert!(e.contains("corrupt"), "{e}");
    assert!(!target.exists());
    assert!(server.log().contains("\"REST 100000\""), "{}", server.log());
}

#[test]
fn get_verify_explicit_ftps_rustls_and_openssl() {
    if !require_proftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Proftpd::builder().tls(&certs.cert, &certs.key).start();
    let data = prng_bytes(12, SIZE);
    server.write_file("/big.bin", &data);
    let dir = tempfile::tempdir().unwrap();
    let ca = certs.ca.to_str().unwrap();
    for backend in ["rustls", "openssl"] {
        let target = dir.path().join(format!("{backend}.bin"));
        // No --tls: ftp:// means explicit TLS, required.
        let o = ftpc_env(
            &[
                "get",
                &url(&server, "big.bin"),
                "-o",
                target.to_str().unwrap(),
                "--verify",
                "--ca-file",
                ca,
                "--backend",
                backend,
                "-v",
            ],
            server.password(),
        );
        let e = stderr(&o);
        assert!(o.status.success(), "{backend}: {e}");
        assert_eq!(std::fs::read(&target).unwrap(), data, "{backend}");
        assert!(e.contains(&format!("control TLS via {backend}")), "{e}");
        assert!(e.contains("resumed=true"), "{backend}: {e}");
        assert!(
            e.contains(&format!("verified: Sha256 {}", sha256_hex(&data))),
            "{backend}: {e}"
        );
        assert!(!e.contains(server.password()), "{e}");
    }
}
