//! The session pool against a real vsftpd that requires TLS session reuse: several sessions
//! at once, each data connection resuming *its own* control session.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Mutex;

use ftpkit::{Backend, Client, Credentials, Pool, Security, TlsOptions};
use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::data::prng_bytes;
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

fn tls_pool(server: &Vsftpd, certs: &TestCerts, backend: Backend, size: usize) -> Pool {
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    let security = Security::Explicit(backend.connector(&opts).expect("connector"));
    let builder = Client::builder("127.0.0.1", security).port(server.port());
    Pool::new(
        builder,
        Credentials::new(server.user(), server.password()),
        size,
    )
}

/// 32 files up and down through 4 sessions shared by 4 threads: every file intact, every
/// data connection resumed its control session, and no more than 4 sessions opened.
#[test]
fn four_sessions_share_the_work_and_each_resumes_its_own_tls_session() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .option("require_ssl_reuse", "YES")
        .start();
    for backend in [Backend::Rustls, Backend::OpenSsl] {
        if !backend.is_available() {
            continue;
        }
        let pool = tls_pool(&server, &certs, backend, 4);
        let control_ports = Mutex::new(HashSet::new());
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let (pool, control_ports) = (&pool, &control_ports);
                s.spawn(move || {
                    for i in 0..8u64 {
                        let name = format!("{backend}-{t}-{i}.bin");
                        let data = prng_bytes(t * 100 + i, 1000 + (i as usize) * 4099);
                        let mut ftp = pool.get().expect("a session");
                        let mut up = ftp.upload(name.as_str()).expect("STOR");
                        up.write_all(&data).unwrap();
                        up.finish().expect("upload");
                        let mut back = Vec::new();
                        ftp.download_to(name.as_str(), &mut back, None)
                            .unwrap_or_else(|e| panic!("{backend}: download {name}: {e}"));
                        assert_eq!(back, data, "{name}");
                        let resumed = ftp.last_data_tls_info().and_then(|i| i.resumed);
                        assert_eq!(resumed, Some(true), "{backend}: {name}");
                        control_ports.lock().unwrap().insert(ftp.local_addr());
                    }
                });
            }
        });
        let opened = pool.sessions_opened();
        assert!((1..=4).contains(&opened), "{backend}: {opened} sessions");
        assert_eq!(control_ports.lock().unwrap().len(), opened, "{backend}");
        pool.close();
    }
}

/// A session given up on is closed and replaced; one given back is reused.
#[test]
fn a_discarded_session_is_replaced_and_a_returned_one_reused() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let pool = Pool::new(
        Client::builder("127.0.0.1", Security::Plain).port(server.port()),
        Credentials::new(server.user(), server.password()),
        2,
    );
    let first = pool.get().expect("a session");
    let control = first.local_addr();
    drop(first);
    let mut again = pool.get().expect("the same session");
    again.noop().unwrap();
    assert_eq!(again.local_addr(), control, "reused, not reopened");
    assert_eq!(pool.sessions_opened(), 1);
    again.discard();
    pool.get().expect("a new session").noop().unwrap();
    assert_eq!(pool.sessions_opened(), 2, "the discarded one was replaced");
    // Two at once: the second opens its own.
    let a = pool.get().unwrap();
    let b = pool.get().unwrap();
    assert_ne!(a.local_addr(), b.local_addr());
    assert_eq!(pool.sessions_opened(), 3);
}

/// One session, many data connections: 8 uploads in a row, then 8 downloads, each resuming
/// the control session. Over TLS 1.3 each resumption uses up a session ticket; uploads
/// brought none back until the client read what the server sent after its final reply, so
/// the fourth data connection was refused with 522 on rustls.
#[test]
fn many_data_connections_on_one_session_keep_resuming() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .option("require_ssl_reuse", "YES")
        .start();
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    for backend in [Backend::Rustls, Backend::OpenSsl] {
        if !backend.is_available() {
            continue;
        }
        let security = Security::Explicit(backend.connector(&opts).expect("connector"));
        let mut ftp = Client::builder("127.0.0.1", security)
            .port(server.port())
            .connect()
            .expect("connect");
        ftp.login(server.user(), server.password()).expect("login");
        let file = |i: u64| {
            (
                format!("{backend}-seq-{i}.bin"),
                prng_bytes(i, 3000 + i as usize),
            )
        };
        for i in 0..8 {
            let (name, data) = file(i);
            ftp.upload_from(name.as_str(), &mut data.as_slice(), None, None)
                .unwrap_or_else(|e| panic!("{backend}: upload {i}: {e}"));
            let tls = ftp.last_data_tls_info().and_then(|t| t.resumed);
            assert_eq!(tls, Some(true), "{backend}: upload {i}");
        }
        for i in 0..8 {
            let (name, data) = file(i);
            let mut back = Vec::new();
            ftp.download_to(name.as_str(), &mut back, None)
                .unwrap_or_else(|e| panic!("{backend}: download {i}: {e}"));
            assert_eq!(back, data, "{backend}: {name}");
        }
        ftp.quit().unwrap();
    }
}
