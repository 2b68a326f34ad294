//! Deadlines on the data connection's TLS handshake: a server that completes the control
//! handshake, accepts the data connection and then never answers the data ClientHello must
//! produce a typed timeout in the data-connect phase within the handshake deadline, on every
//! backend. The fake server speaks TLS through rustls with a certificate from a test CA.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ftpkit::{Backend, Client, Error, Phase, Security, TlsOptions};
use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::fake::{Conn, FakeServer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

const DEADLINE: Duration = Duration::from_secs(1);
const SLACK: Duration = Duration::from_millis(500);

fn server_config(certs: &TestCerts) -> Arc<rustls::ServerConfig> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&certs.cert)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&certs.key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
    )
}

/// A client for the fake server on `port`, on `backend`, trusting the test CA.
fn ftps_client(certs: &TestCerts, backend: Backend, port: u16) -> ftpkit::ClientBuilder {
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    Client::builder(
        "127.0.0.1",
        Security::Explicit(backend.connector(&opts).unwrap()),
    )
    .port(port)
}

/// Answers like an FTPS server until `RETR`, then accepts the data connection and stays
/// silent on it.
fn silent_data_handshake(c: Conn, config: Arc<rustls::ServerConfig>) {
    scripted_ftps(c, config, Some("200 ok\r\n"))
}

/// A minimal FTPS server; `prot_reply` answers `PROT P` (`None`: silence from `PBSZ` on).
/// `LIST` and `RETR` accept the data connection, keep it open and never answer on it.
fn scripted_ftps(c: Conn, config: Arc<rustls::ServerConfig>, prot_reply: Option<&'static str>) {
    let mut held = Vec::new();
    scripted_ftps_with(c, config, prot_reply, move |data| {
        held.push(data.accept().unwrap().0);
        "150 here it comes\r\n".into()
    })
}

/// [`scripted_ftps`] with `data_command` answering `LIST` and `RETR` (it gets the passive
/// listener).
fn scripted_ftps_with(
    mut c: Conn,
    config: Arc<rustls::ServerConfig>,
    prot_reply: Option<&'static str>,
    mut data_command: impl FnMut(&TcpListener) -> String,
) {
    c.send(b"220 fake ftps\r\n");
    assert_eq!(c.command().as_deref(), Some("AUTH TLS"));
    c.send(b"234 go\r\n");
    let tcp = c.stream.try_clone().unwrap();
    let conn = rustls::ServerConnection::new(config).unwrap();
    let tls = rustls::StreamOwned::new(conn, tcp);
    let mut tls = BufReader::new(tls);
    let data = TcpListener::bind("127.0.0.1:0").unwrap();
    let data_port = data.local_addr().unwrap().port();
    loop {
        let mut line = String::new();
        match tls.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "USER" => "331 password please\r\n".into(),
            "PASS" => "230 welcome\r\n".into(),
            "PBSZ" | "PROT" if prot_reply.is_none() => break,
            "PROT" => prot_reply.unwrap_or_default().into(),
            "PBSZ" | "TYPE" => "200 ok\r\n".into(),
            "FEAT" => "211-Features:\r\n EPSV\r\n211 End\r\n".into(),
            "EPSV" => format!("229 Entering Extended Passive Mode (|||{data_port}|)\r\n"),
            "LIST" | "RETR" => data_command(&data),
            _ => "502 no\r\n".into(),
        };
        let w = tls.get_mut();
        if w.write_all(reply.as_bytes())
            .and_then(|_| w.flush())
            .is_err()
        {
            break;
        }
    }
    c.silence();
}

#[test]
fn silent_data_handshake_times_out_on_every_backend() {
    let certs = TestCerts::generate();
    let config = server_config(&certs);
    for backend in Backend::available() {
        let cfg = config.clone();
        let server = FakeServer::start(move |c| silent_data_handshake(c, cfg));
        let mut ftp = ftps_client(&certs, backend, server.port())
            .handshake_timeout(DEADLINE)
            .reply_timeout(Duration::from_secs(5))
            .connect()
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        ftp.login("u", "p").unwrap();
        let started = Instant::now();
        let err = ftp
            .list("")
            .expect_err("the data handshake never completes");
        let elapsed = started.elapsed();
        assert!(elapsed < DEADLINE + SLACK, "{backend}: {elapsed:?}");
        assert!(err.is_timeout(), "{backend}: {err}");
        assert_eq!(err.phase(), Phase::DataConnect, "{backend}: {err}");
        assert_eq!(err.backend(), Some(backend.name()), "{err}");
        assert!(
            err.to_string()
                .contains("TLS handshake on the data connection for LIST"),
            "{err}"
        );
        drop(ftp);
        drop(server);
    }
}

#[test]
fn prot_p_refused_is_an_error_never_plaintext_data() {
    let certs = TestCerts::generate();
    let config = server_config(&certs);
    let server =
        FakeServer::start(move |c| scripted_ftps(c, config, Some("536 PROT P not allowed\r\n")));
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    let mut ftp = Client::builder(
        "127.0.0.1",
        Security::Explicit(Backend::default().connector(&opts).unwrap()),
    )
    .port(server.port())
    .connect()
    .unwrap();
    let err = ftp.login("u", "p").expect_err("PROT P refused");
    assert_eq!(err.phase(), Phase::DataProtection, "{err}");
    assert!(
        err.to_string().contains("536") && err.to_string().contains("plaintext"),
        "{err}"
    );
}

#[test]
fn silence_after_a_completed_handshake_hits_the_reply_deadline_in_data_protection() {
    let certs = TestCerts::generate();
    let config = server_config(&certs);
    for backend in Backend::available() {
        let cfg = config.clone();
        let server = FakeServer::start(move |c| scripted_ftps(c, cfg, None));
        let mut ftp = ftps_client(&certs, backend, server.port())
            .reply_timeout(DEADLINE)
            .connect()
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let started = Instant::now();
        let err = ftp.login("u", "p").expect_err("PBSZ is never answered");
        assert!(
            started.elapsed() < DEADLINE + SLACK,
            "{backend}: {:?}",
            started.elapsed()
        );
        assert!(err.is_timeout(), "{backend}: {err}");
        assert_eq!(err.phase(), Phase::DataProtection, "{backend}: {err}");
        assert!(err.to_string().contains("PBSZ"), "{err}");
    }
}

/// Upgrades the control connection and returns the TLS stream over it.
fn upgrade(
    c: &mut Conn,
    config: Arc<rustls::ServerConfig>,
) -> rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream> {
    c.send(b"220 fake ftps\r\n");
    assert_eq!(c.command().as_deref(), Some("AUTH TLS"));
    c.send(b"234 go\r\n");
    let conn = rustls::ServerConnection::new(config).unwrap();
    rustls::StreamOwned::new(conn, c.stream.try_clone().unwrap())
}

/// Sends a reply on the control connection; false once the client is gone.
fn answer(tls: &mut impl Write, reply: &str) -> bool {
    tls.write_all(reply.as_bytes())
        .and_then(|_| tls.flush())
        .is_ok()
}

fn read_command(tls: &mut impl std::io::Read) -> Option<String> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match tls.read(&mut b) {
            Ok(1) if b[0] == b'\n' => {
                return Some(String::from_utf8_lossy(&line).trim_end().to_string())
            }
            Ok(1) => line.push(b[0]),
            _ => return None,
        }
    }
}

#[test]
fn a_reply_trickled_inside_tls_records_hits_the_whole_reply_deadline() {
    let certs = TestCerts::generate();
    let config = server_config(&certs);
    for backend in Backend::available() {
        let cfg = config.clone();
        let server = FakeServer::start(move |mut c| {
            let mut tls = upgrade(&mut c, cfg);
            if read_command(&mut tls).is_none() {
                return;
            }
            // The 331 reply, encrypted, then sent one byte every 200 ms: each socket read
            // succeeds in time, the whole reply would take seconds.
            tls.conn
                .writer()
                .write_all(b"331 password please\r\n")
                .unwrap();
            let mut wire = Vec::new();
            while tls.conn.wants_write() {
                tls.conn.write_tls(&mut wire).unwrap();
            }
            for b in wire {
                if tls.sock.write_all(&[b]).is_err() || !c.pause(Duration::from_millis(200)) {
                    return;
                }
            }
            c.silence();
        });
        let mut ftp = ftps_client(&certs, backend, server.port())
            .reply_timeout(DEADLINE)
            .connect()
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let started = Instant::now();
        let err = ftp.login("u", "p").expect_err("the reply takes seconds");
        assert!(
            started.elapsed() < DEADLINE + SLACK,
            "{backend}: {:?}",
            started.elapsed()
        );
        assert!(
            err.is_timeout() && err.phase() == Phase::Login,
            "{backend}: {err}"
        );
        assert!(matches!(ftp.noop(), Err(Error::Broken { .. })), "{backend}");
    }
}

/// Serves RETR over TLS: five bytes, then a TCP close, with close_notify before it only if
/// `close_notify`; `size` decides whether SIZE is offered.
fn data_end_server(mut c: Conn, config: Arc<rustls::ServerConfig>, size: bool, close_notify: bool) {
    let mut tls = upgrade(&mut c, config.clone());
    let data = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = data.local_addr().unwrap().port();
    while let Some(line) = read_command(&mut tls) {
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply = match verb.as_str() {
            "USER" => "230 in\r\n".to_string(),
            "PBSZ" | "PROT" | "TYPE" | "NOOP" => "200 ok\r\n".into(),
            "FEAT" if size => "211-Features:\r\n SIZE\r\n211 End\r\n".into(),
            "FEAT" => "211 none\r\n".into(),
            // SIZE is asked whatever FEAT said: a server without it says so.
            "SIZE" if size => "213 5\r\n".into(),
            "SIZE" => "502 no SIZE here\r\n".into(),
            "EPSV" => format!("229 (|||{port}|)\r\n"),
            "RETR" => {
                let (d, _) = data.accept().unwrap();
                let _ = tls.write_all(b"150 here\r\n").and_then(|_| tls.flush());
                let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                let mut dtls = rustls::StreamOwned::new(conn, d);
                // All five bytes, then (maybe) close_notify, then a plain TCP close.
                let _ = dtls.write_all(b"hello").and_then(|_| dtls.flush());
                if close_notify {
                    dtls.conn.send_close_notify();
                    let _ = dtls.flush();
                }
                drop(dtls);
                "226 done\r\n".into()
            }
            _ => "502 no\r\n".into(),
        };
        if !answer(&mut tls, &reply) {
            return;
        }
    }
}

#[test]
fn a_tls_data_stream_cut_without_close_notify_needs_a_known_size() {
    let certs = TestCerts::generate();
    let config = server_config(&certs);
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    // Every backend must report the missing close_notify (native-tls cannot by itself: its
    // backend watches the TCP end).
    for backend in Backend::available() {
        for size in [false, true] {
            let cfg = config.clone();
            let server = FakeServer::start(move |c| data_end_server(c, cfg, size, false));
            let mut ftp = Client::builder(
                "127.0.0.1",
                Security::Explicit(backend.connector(&opts).unwrap()),
            )
            .port(server.port())
            .connect()
            .unwrap();
            ftp.login("u", "p").unwrap();
            let mut got = Vec::new();
            let r = ftp.download_to("f", &mut got, None);
            if size {
                // 5 of 5 announced bytes and 226: complete despite the unclean end.
                assert_eq!(r.unwrap_or_else(|e| panic!("{backend}: {e}")), 5);
            } else {
                let err = r.expect_err("nothing proves the stream was not cut");
                assert!(matches!(err, Error::Incomplete { .. }), "{backend}: {err}");
                assert!(err.to_string().contains("close_notify"), "{backend}: {err}");
            }
        }
    }
}

#[test]
fn a_tls_data_stream_ended_with_close_notify_is_complete_without_a_size() {
    let certs = TestCerts::generate();
    let config = server_config(&certs);
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    for backend in Backend::available() {
        let cfg = config.clone();
        let server = FakeServer::start(move |c| data_end_server(c, cfg, false, true));
        let mut ftp = Client::builder(
            "127.0.0.1",
            Security::Explicit(backend.connector(&opts).unwrap()),
        )
        .port(server.port())
        .connect()
        .unwrap();
        ftp.login("u", "p").unwrap();
        let mut got = Vec::new();
        let n = ftp
            .download_to("f", &mut got, None)
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!((n, got.as_slice()), (5, &b"hello"[..]), "{backend}");
    }
}

/// FTPS where every `RETR` is refused with 550, but only after the server accepted the
/// data connection and waited up to a second for the client's first bytes: it reports
/// whether a TLS ClientHello had arrived before it answered.
fn refusing_retr(c: Conn, config: Arc<rustls::ServerConfig>, seen: std::sync::mpsc::Sender<bool>) {
    use std::io::Read;
    scripted_ftps_with(c, config, Some("200 ok\r\n"), move |data| {
        let (mut s, _) = data.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        let mut first = [0u8; 1];
        let hello = matches!(s.read(&mut first), Ok(1) if first[0] == 0x16);
        let _ = seen.send(hello);
        "550 no such file\r\n".into()
    })
}

#[test]
fn the_data_handshake_starts_before_the_reply_and_a_refusal_ends_it_at_once() {
    // The performance issue's round-trip economy: from a session's second transfer on,
    // the data connection and its ClientHello go out while RETR travels (rustls and
    // openssl offer a DataConnector). A 550 then must not leave the client in the
    // handshake until its deadline.
    let certs = TestCerts::generate();
    let config = server_config(&certs);
    for backend in Backend::available() {
        let (tx, seen) = std::sync::mpsc::channel();
        let cfg = config.clone();
        let server = FakeServer::start(move |c| refusing_retr(c, cfg, tx));
        let mut ftp = ftps_client(&certs, backend, server.port())
            .handshake_timeout(Duration::from_secs(10))
            .connect()
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        ftp.login("u", "p").unwrap();
        let mut hellos = Vec::new();
        for _ in 0..2 {
            let started = Instant::now();
            let err = ftp
                .download_to("missing", &mut Vec::new(), None)
                .expect_err("550");
            assert!(
                matches!(&err, Error::Reply { reply, .. } if reply.code() == 550),
                "{backend}: {err}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{backend}: {:?}",
                started.elapsed()
            );
            hellos.push(seen.recv().unwrap());
        }
        // The first data connection of a session waits for the reply (EPSV not yet known
        // to work); the second one does not, where the backend can.
        let early = backend.name() != "native-tls";
        assert_eq!(hellos, [false, early], "{backend}");
        assert!(
            ftp.is_usable(),
            "{backend}: a refused RETR leaves the session in step"
        );
        drop(ftp);
        drop(server);
    }
}

/// How the upload server below answers once the client's close_notify has come.
#[derive(Clone, Copy)]
enum AfterCloseNotify {
    /// 226 at once; reports whether the client's FIN had come first.
    Reply,
    /// Waits (up to 5 s) for the client's FIN before it answers 226; reports how long that
    /// took, or answers 426 when it never came.
    WaitForFin,
    /// Sends its own close_notify (as vsftpd and ProFTPD do), then as `WaitForFin`.
    CloseNotifyThenWaitForFin,
}

/// Serves STOR over TLS: reads the data to close_notify, then behaves as `after` says and
/// sends what it observed to `seen`: whether the FIN had come before the reply, and how long
/// after close_notify it came.
fn upload_end_server(
    mut c: Conn,
    config: Arc<rustls::ServerConfig>,
    after: AfterCloseNotify,
    seen: std::sync::mpsc::Sender<(bool, Option<Duration>, usize)>,
) {
    use std::io::Read;
    let mut tls = upgrade(&mut c, config.clone());
    let data = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = data.local_addr().unwrap().port();
    while let Some(line) = read_command(&mut tls) {
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply = match verb.as_str() {
            "USER" => "230 in\r\n".to_string(),
            "PBSZ" | "PROT" | "TYPE" | "NOOP" => "200 ok\r\n".into(),
            "FEAT" => "211 none\r\n".into(),
            "EPSV" => format!("229 (|||{port}|)\r\n"),
            "STOR" => {
                let (d, _) = data.accept().unwrap();
                let raw = d.try_clone().unwrap();
                let _ = tls.write_all(b"150 send it\r\n").and_then(|_| tls.flush());
                let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                let mut dtls = rustls::StreamOwned::new(conn, d);
                let mut got = Vec::new();
                // Ok(0) only at close_notify: rustls reports a bare TCP end as an error.
                if dtls.read_to_end(&mut got).is_err() {
                    let _ = seen.send((true, None, got.len()));
                    "426 no close_notify\r\n".into()
                } else {
                    let fin_now = || {
                        raw.set_nonblocking(true).unwrap();
                        let fin = matches!(raw.peek(&mut [0u8; 1]), Ok(0));
                        raw.set_nonblocking(false).unwrap();
                        fin
                    };
                    match after {
                        AfterCloseNotify::Reply => {
                            let _ = seen.send((fin_now(), None, got.len()));
                            "226 stored\r\n".into()
                        }
                        AfterCloseNotify::WaitForFin
                        | AfterCloseNotify::CloseNotifyThenWaitForFin => {
                            if matches!(after, AfterCloseNotify::CloseNotifyThenWaitForFin) {
                                dtls.conn.send_close_notify();
                                let _ = dtls.flush();
                            }
                            let at = Instant::now();
                            raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                            let fin = matches!(raw.peek(&mut [0u8; 1]), Ok(0));
                            let _ = seen.send((fin, Some(at.elapsed()), got.len()));
                            if fin {
                                "226 stored\r\n".into()
                            } else {
                                "426 the client never closed the data connection\r\n".into()
                            }
                        }
                    }
                }
            }
            _ => "502 no\r\n".into(),
        };
        if !answer(&mut tls, &reply) {
            return;
        }
    }
}

fn upload_through(
    certs: &TestCerts,
    backend: Backend,
    after: AfterCloseNotify,
) -> (ftpkit::Result<()>, (bool, Option<Duration>, usize)) {
    let config = server_config(certs);
    let (tx, rx) = std::sync::mpsc::channel();
    let server = FakeServer::start(move |c| upload_end_server(c, config, after, tx));
    let mut ftp = ftps_client(certs, backend, server.port())
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    let body = vec![7u8; 200_000];
    let r = ftp
        .upload_from("f", &mut body.as_slice(), None, None)
        .map(|_| ());
    let seen = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the server saw the upload");
    (r, seen)
}

#[test]
fn a_tls_upload_sends_no_fin_before_the_server_has_read_everything() {
    // A proxy that does not relay half-closes (tinyproxy) closes its side to the server at
    // our FIN; if the server's session tickets are unread there, that is a reset, and the
    // server loses the data it had not read yet. close_notify alone ends a TLS upload; the
    // FIN waits for a sign that the server has read it all.
    let certs = TestCerts::generate();
    for backend in Backend::available() {
        let (r, (fin_before_reply, _, bytes)) =
            upload_through(&certs, backend, AfterCloseNotify::Reply);
        r.unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(bytes, 200_000, "{backend}");
        assert!(
            !fin_before_reply,
            "{backend}: the FIN came with close_notify, before the server showed it had read everything"
        );
    }
}

/// Uploads on every backend to a server that waits for the FIN after close_notify, and
/// calls `check` with the backend and how long after close_notify the FIN came.
fn fin_delays(after: AfterCloseNotify, check: impl Fn(Backend, Duration)) {
    let certs = TestCerts::generate();
    for backend in Backend::available() {
        let (r, (fin, delay, bytes)) = upload_through(&certs, backend, after);
        assert!(fin, "{backend}: no FIN within 5 s of close_notify");
        r.unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(bytes, 200_000, "{backend}");
        check(backend, delay.unwrap());
    }
}

#[test]
fn a_server_that_waits_for_the_fin_after_close_notify_still_gets_it() {
    // Withheld for the grace (1 s from the client's close_notify), not sent with it.
    fin_delays(AfterCloseNotify::WaitForFin, |backend, after| {
        assert!(
            after >= Duration::from_millis(500),
            "{backend}: the FIN came {after:?} after close_notify"
        );
    });
}

#[test]
fn the_servers_close_notify_releases_the_fin_at_once() {
    // Well inside the 1 s the client waits for a server that shows nothing: what tells the
    // two apart.
    fin_delays(
        AfterCloseNotify::CloseNotifyThenWaitForFin,
        |backend, after| {
            assert!(
                after < Duration::from_millis(900),
                "{backend}: the FIN came {after:?} after the server's close_notify"
            );
        },
    );
}
