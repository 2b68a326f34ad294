//! Nothing lost, nothing broken that looks complete: `.part` downloads, `--resume`,
//! `--verify`, `put --atomic` and `put --resume`, against vsftpd and a scripted server.

use crate::common::*;

use ftpkit_test_support::fake::{Conn, FakeServer};
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

fn body(n: usize) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect()
}

#[test]
fn download_goes_through_part_and_resumes_from_it() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let data = body(300_000);
    server.write_file("/f.bin", &data);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("f.bin");
    let part = dir.path().join("f.bin.part");

    // A partial download from an earlier run: --resume continues it with REST.
    std::fs::write(&part, &data[..123_456]).unwrap();
    let t = target.to_str().unwrap();
    let o = ftpc_env(
        &[
            "get",
            &url(&server, "f.bin"),
            "-o",
            t,
            "--resume",
            "--tls",
            "none",
        ],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&target).unwrap(), data);
    assert!(!part.exists(), "the .part is renamed once complete");
    assert!(server.log().contains("REST 123456"), "{}", server.log());

    // /dev/null is written in place, never replaced.
    let o = ftpc_env(
        &[
            "get",
            &url(&server, "f.bin"),
            "-o",
            "/dev/null",
            "--tls",
            "none",
        ],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    // --verify needs a server hash command; vsftpd has none: refused before downloading.
    let other = dir.path().join("g.bin");
    let o = ftpc_env(
        &[
            "get",
            &url(&server, "f.bin"),
            "-o",
            other.to_str().unwrap(),
            "--verify",
            "--tls",
            "none",
        ],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(stderr(&o).contains("no hash command"), "{}", stderr(&o));
    assert!(!other.exists() && !dir.path().join("g.bin.part").exists());
}

/// A server that announces 10 bytes, sends 5, then says 226; or serves `ok` fully.
fn short_server(mut c: Conn, full: &'static [u8], hash: &'static str) {
    c.send(b"220 scripted\r\n");
    let data = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = data.local_addr().unwrap().port();
    while let Some(line) = c.command() {
        let mut words = line.split(' ');
        let verb = words.next().unwrap_or("").to_ascii_uppercase();
        let arg = words.next().unwrap_or("");
        let reply = match verb.as_str() {
            "USER" => "230 in\r\n".to_string(),
            "FEAT" => {
                "211-Features:\r\n SIZE\r\n HASH SHA-256*;MD5\r\n REST STREAM\r\n211 End\r\n".into()
            }
            "TYPE" => "200 ok\r\n".into(),
            "SIZE" if arg == "short" => "213 10\r\n".into(),
            "SIZE" => format!("213 {}\r\n", full.len()),
            "HASH" => format!("213 SHA-256 0-{} {hash} {arg}\r\n", full.len()),
            "EPSV" => format!("229 (|||{port}|)\r\n"),
            "RETR" => {
                let (mut d, _) = data.accept().unwrap();
                c.send(b"150 here\r\n");
                let bytes: &[u8] = if arg == "short" { b"12345" } else { full };
                std::io::Write::write_all(&mut d, bytes).unwrap();
                drop(d);
                "226 Transfer complete\r\n".into()
            }
            "QUIT" => {
                c.send(b"221 bye\r\n");
                return;
            }
            _ => "502 no\r\n".into(),
        };
        c.send(reply.as_bytes());
    }
}

const HELLO_SHA256: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

#[test]
fn a_short_download_leaves_only_a_part_file() {
    let server = FakeServer::start_many(|c| short_server(c, b"hello", HELLO_SHA256));
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("short");
    let u = format!("ftp://u@127.0.0.1:{}/short", server.port());
    let o = ftpc_env(
        &["get", &u, "-o", target.to_str().unwrap(), "--tls", "none"],
        "p",
    );
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("5 bytes transferred of 10 announced"), "{e}");
    assert!(e.contains("short.part") && e.contains("--resume"), "{e}");
    assert!(
        !target.exists(),
        "a broken file must never get the final name"
    );
    assert_eq!(
        std::fs::read(dir.path().join("short.part")).unwrap(),
        b"12345"
    );
}

#[test]
fn verify_compares_the_server_hash() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("hello");
    let good = FakeServer::start_many(|c| short_server(c, b"hello", HELLO_SHA256));
    let u = format!("ftp://u@127.0.0.1:{}/hello", good.port());
    let o = ftpc_env(
        &[
            "get",
            &u,
            "-o",
            target.to_str().unwrap(),
            "--verify",
            "--tls",
            "none",
            "-v",
        ],
        "p",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&target).unwrap(), b"hello");
    assert!(stderr(&o).contains("verified"), "{}", stderr(&o));
    std::fs::remove_file(&target).unwrap();

    // The server's hash disagrees with the bytes: an error, and no file under the final name.
    let lying = FakeServer::start_many(|c| short_server(c, b"hello", "00ff"));
    let u = format!("ftp://u@127.0.0.1:{}/hello", lying.port());
    let o = ftpc_env(
        &[
            "get",
            &u,
            "-o",
            target.to_str().unwrap(),
            "--verify",
            "--tls",
            "none",
        ],
        "p",
    );
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("corrupt"), "{}", stderr(&o));
    assert!(!target.exists());
}

#[test]
fn atomic_and_resumed_uploads() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("up.bin");
    let data = body(250_000);
    std::fs::write(&local, &data).unwrap();
    let l = local.to_str().unwrap();

    let o = ftpc_env(
        &[
            "put",
            l,
            &url(&server, "up.bin"),
            "--atomic",
            "--tls",
            "none",
        ],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(server.root().join("up.bin")).unwrap(), data);
    assert!(!server.root().join(".up.bin.ftpc-part").exists());
    let log = server.log();
    assert!(
        log.contains("STOR .up.bin.ftpc-part") && log.contains("RNTO up.bin"),
        "{log}"
    );

    // An interrupted upload left 100,000 bytes on the server: --resume sends the rest.
    server.write_file("/again.bin", &data[..100_000]);
    let o = ftpc_env(
        &[
            "put",
            l,
            &url(&server, "again.bin"),
            "--resume",
            "--tls",
            "none",
        ],
        server.password(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(server.root().join("again.bin")).unwrap(),
        data
    );
    assert!(server.log().contains("REST 100000"), "{}", server.log());
}

#[test]
fn resumed_upload_uses_appe_when_the_server_has_no_rest() {
    use std::io::Read;
    use std::sync::{Arc, Mutex};
    // The server holds "hel" already, announces no REST, and records what APPE receives.
    let received = Arc::new(Mutex::new((Vec::<String>::new(), Vec::<u8>::new())));
    let rec = received.clone();
    let server = FakeServer::start(move |mut c| {
        c.send(b"220 scripted\r\n");
        let data = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = data.local_addr().unwrap().port();
        while let Some(line) = c.command() {
            rec.lock().unwrap().0.push(line.clone());
            let reply = match line.split(' ').next().unwrap_or("") {
                "USER" => "230 in\r\n".to_string(),
                "FEAT" => "211-Features:\r\n SIZE\r\n211 End\r\n".into(),
                "TYPE" => "200 ok\r\n".into(),
                "SIZE" => "213 3\r\n".into(),
                "EPSV" => format!("229 (|||{port}|)\r\n"),
                "APPE" => {
                    let (mut d, _) = data.accept().unwrap();
                    c.send(b"150 go\r\n");
                    let mut got = Vec::new();
                    d.read_to_end(&mut got).unwrap();
                    rec.lock().unwrap().1 = got;
                    "226 appended\r\n".into()
                }
                "QUIT" => {
                    c.send(b"221 bye\r\n");
                    return;
                }
                _ => "502 no\r\n".into(),
            };
            c.send(reply.as_bytes());
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("hello");
    std::fs::write(&local, b"hello").unwrap();
    let u = format!("ftp://u@127.0.0.1:{}/hello", server.port());
    let o = ftpc_env(
        &[
            "put",
            local.to_str().unwrap(),
            &u,
            "--resume",
            "--tls",
            "none",
        ],
        "p",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    drop(server);
    let (commands, bytes) = received.lock().unwrap().clone();
    assert_eq!(bytes, b"lo", "only the missing tail is sent");
    assert!(commands.iter().any(|c| c == "APPE hello"), "{commands:?}");
    assert!(
        !commands.iter().any(|c| c.starts_with("REST")),
        "{commands:?}"
    );
}
