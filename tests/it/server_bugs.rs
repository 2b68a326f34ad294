//! Regression tests for the bugs that third-party servers, other projects' test cases and a
//! hostile server found (issue 8), each against a scripted server that behaves exactly as
//! the server that showed it. Every test here failed before its fix.

use std::io::Write;
use std::time::{Duration, Instant};

use ftpkit::{Client, DataMode, Error, Phase, Security};
use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::fake::FakeServer;
use ftpkit_test_support::scripted::{send_data, server, verbs};

fn plain(port: u16) -> ftpkit::ClientBuilder {
    Client::builder("127.0.0.1", Security::Plain).port(port)
}

fn connect(port: u16) -> Client {
    let mut ftp = plain(port).connect().expect("connect");
    ftp.login("u", "p").expect("login");
    ftp
}

// ---------------------------------------------------------------------------------------
// 3. A resume can rename a wrong file into place as complete

#[test]
fn a_resume_offset_past_the_remote_end_is_an_error_before_any_transfer() {
    let (s, rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "SIZE" => Some("213 85".into()),
        "REST" => Some("350 ok".into()),
        "RETR" => send_data(c, ctx, &[b'x'; 85], "226 done"),
        _ => None,
    });
    let mut ftp = connect(s.port());
    let mut out = Vec::new();
    let err = ftp
        .resume_download_to("f", 2000, &mut out, None)
        .expect_err("a 2000-byte part cannot be the start of an 85-byte file");
    assert!(
        matches!(
            err,
            Error::ResumePastEnd {
                offset: 2000,
                remote_size: 85,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("2000") && msg.contains("85"), "{msg}");
    assert!(out.is_empty());
    let sent = verbs(&rx);
    assert!(!sent.iter().any(|v| v == "RETR" || v == "REST"), "{sent:?}");
    // The session is still usable.
    ftp.noop().unwrap();
}

#[test]
fn a_resume_from_the_end_is_complete_without_retr() {
    let (s, rx) = server("220 hi", |_, _, verb, _| match verb {
        "SIZE" => Some("213 85".into()),
        _ => None,
    });
    let mut ftp = connect(s.port());
    let mut out = Vec::new();
    assert_eq!(ftp.resume_download_to("f", 85, &mut out, None).unwrap(), 0);
    let sent = verbs(&rx);
    assert!(!sent.iter().any(|v| v == "RETR" || v == "EPSV"), "{sent:?}");
}

// ---------------------------------------------------------------------------------------
// 4. Truncation detection depends on FEAT listing SIZE

#[test]
fn size_is_asked_when_feat_is_refused_and_a_lying_150_cannot_hide_a_cut() {
    let (s, rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "FEAT" => Some("500 FEAT not understood".into()),
        "SIZE" => Some("213 100".into()),
        "RETR" => {
            let mut d = ctx.accept();
            // The 150 lies about the size too: only SIZE tells the truth.
            c.send(b"150 Opening data connection (50 bytes)\r\n");
            d.write_all(&[b'y'; 50]).unwrap();
            drop(d);
            Some("226 Transfer complete".into())
        }
        _ => None,
    });
    let mut ftp = connect(s.port());
    let mut out = Vec::new();
    let err = ftp
        .download_to("f", &mut out, None)
        .expect_err("50 of 100 bytes is not a download");
    assert!(
        matches!(
            err,
            Error::Incomplete {
                received: 50,
                expected: Some(100),
                ..
            }
        ),
        "{err}"
    );
    assert!(verbs(&rx).iter().any(|v| v == "SIZE"));
}

#[test]
fn size_not_implemented_is_asked_once_per_session() {
    let (s, rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "FEAT" => Some("500 no".into()),
        "SIZE" => Some("502 Command not implemented".into()),
        "RETR" => send_data(c, ctx, b"abc", "226 done"),
        _ => None,
    });
    let mut ftp = connect(s.port());
    for _ in 0..3 {
        let mut out = Vec::new();
        assert_eq!(ftp.download_to("f", &mut out, None).unwrap(), 3);
    }
    let sizes = verbs(&rx).iter().filter(|v| *v == "SIZE").count();
    assert_eq!(sizes, 1);
}

/// A server whose 150 announces `(N bytes)`: `cut` sets how many bytes the n-th RETR
/// (from 0) really sends of the 100 it announces, and SIZE says `size`.
fn announcing_server(
    size: u64,
    cut: impl Fn(usize) -> usize + Send + 'static,
) -> (FakeServer, std::sync::mpsc::Receiver<String>) {
    let mut n = 0;
    server("220 hi", move |c, ctx, verb, _| match verb {
        "SIZE" => Some(format!("213 {size}")),
        "RETR" => {
            let mut d = ctx.accept();
            c.send(b"150 Opening BINARY mode data connection for f (100 bytes).\r\n");
            d.write_all(&vec![b'x'; cut(n)]).unwrap();
            n += 1;
            drop(d);
            Some("226 Transfer complete".into())
        }
        _ => None,
    })
}

#[test]
fn size_is_asked_once_when_the_150_announces_it_and_a_later_cut_is_still_caught() {
    // The performance issue's round-trip economy: SIZE costs a round trip per file.
    let (s, rx) = announcing_server(100, |n| if n < 3 { 100 } else { 60 });
    let mut ftp = connect(s.port());
    for _ in 0..3 {
        let mut out = Vec::new();
        assert_eq!(ftp.download_to("f", &mut out, None).unwrap(), 100);
    }
    let mut out = Vec::new();
    let err = ftp
        .download_to("f", &mut out, None)
        .expect_err("60 of the 100 announced bytes");
    assert!(
        matches!(
            err,
            Error::Incomplete {
                received: 60,
                expected: Some(100),
                ..
            }
        ),
        "{err}"
    );
    let sizes = verbs(&rx).iter().filter(|v| *v == "SIZE").count();
    assert_eq!(sizes, 1, "SIZE only before the first download");
}

#[test]
fn a_150_that_disagreed_with_size_is_never_trusted() {
    // SIZE says 200, the 150 says 100 and 100 come: each download is refused, and SIZE
    // is asked every time rather than the 150 believed.
    let (s, rx) = announcing_server(200, |_| 100);
    let mut ftp = connect(s.port());
    for _ in 0..3 {
        let mut out = Vec::new();
        let err = ftp
            .download_to("f", &mut out, None)
            .expect_err("100 of 200");
        assert!(matches!(err, Error::Incomplete { .. }), "{err}");
    }
    let sizes = verbs(&rx).iter().filter(|v| *v == "SIZE").count();
    assert_eq!(sizes, 3);
}

#[test]
fn a_refused_data_connection_fails_fast_before_the_command_and_keeps_the_session() {
    // The second EPSV names a port nobody listens on. Plain data connections are made
    // before the command is sent (opening them while it travels saves nothing on a real
    // path), so the error comes at once, RETR never goes out, and the session stays in
    // step.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut epsv = 0;
    let (s, rx) = server("220 hi", move |c, ctx, verb, _| match verb {
        "EPSV" => {
            epsv += 1;
            let port = if epsv == 1 { ctx.port } else { closed_port };
            Some(format!("229 Entering Extended Passive Mode (|||{port}|)"))
        }
        "SIZE" => Some("213 3".into()),
        "RETR" => send_data(c, ctx, b"abc", "226 done"),
        "NOOP" => Some("200 ok".into()),
        _ => None,
    });
    let mut ftp = connect(s.port());
    let mut out = Vec::new();
    assert_eq!(ftp.download_to("f", &mut out, None).unwrap(), 3);
    let t = Instant::now();
    let err = ftp
        .download_to("f", &mut out, None)
        .expect_err("nothing listens on the second port");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(err.phase(), Phase::DataConnect, "{err}");
    assert!(ftp.is_usable(), "no command is left unanswered");
    ftp.noop().expect("the session goes on");
    assert_eq!(verbs(&rx).iter().filter(|v| *v == "RETR").count(), 1);
}

// ---------------------------------------------------------------------------------------
// 5. Positive login replies refused

#[test]
fn any_2xx_after_user_means_logged_in() {
    let (s, rx) = server("220 hi", |_, _, verb, _| match verb {
        "USER" => Some("200 fine, proceed without password".into()),
        _ => None,
    });
    let mut ftp = plain(s.port()).connect().unwrap();
    ftp.login("anonymous", "x")
        .expect("200 after USER is a login");
    assert!(!verbs(&rx).iter().any(|v| v == "PASS"));
}

#[test]
fn a_230_greeting_is_a_session_logged_in_without_credentials() {
    let (s, rx) = server("230 logged in, no credentials needed", |_, _, _, _| None);
    let mut ftp = plain(s.port()).connect().expect("230 greeting");
    ftp.login("user", "secret").expect("already logged in");
    ftp.noop().unwrap();
    let sent = verbs(&rx);
    assert!(
        !sent.iter().any(|v| v == "USER" || v == "PASS"),
        "no credentials for nothing: {sent:?}"
    );
}

#[test]
fn a_230_greeting_with_tls_required_still_asks_auth_tls_and_sends_no_credentials() {
    let (s, rx) = server("230 welcome in", |_, _, verb, _| match verb {
        "AUTH" => Some("500 AUTH not understood".into()),
        _ => None,
    });
    let tls = ftpkit::Backend::default()
        .connector(&ftpkit::TlsOptions::default())
        .unwrap();
    let err = Client::builder("127.0.0.1", Security::Explicit(tls))
        .port(s.port())
        .connect()
        .expect_err("TLS is required and refused");
    let msg = err.to_string();
    assert!(matches!(err, Error::TlsRequired { .. }), "{msg}");
    assert!(
        msg.contains("230") && msg.contains("refused AUTH TLS"),
        "{msg}"
    );
    let sent = verbs(&rx);
    assert_eq!(sent, vec!["AUTH"], "{sent:?}");
}

#[test]
fn login_hints_fit_the_reply() {
    for (reply, want, not) in [
        (
            "530 Login incorrect",
            "check the user name and password",
            "try again later",
        ),
        (
            "421 Too many connections",
            "try again later",
            "user name and password",
        ),
    ] {
        let (s, _rx) = server("220 hi", move |_, _, verb, _| match verb {
            "PASS" => Some(reply.into()),
            _ => None,
        });
        let mut ftp = plain(s.port()).connect().unwrap();
        let msg = ftp.login("u", "p").unwrap_err().to_string();
        assert!(msg.contains(want) && !msg.contains(not), "{reply}: {msg}");
    }
}

// ---------------------------------------------------------------------------------------
// 6. Active mode waits out the whole deadline when the server already said no

#[test]
fn active_mode_fails_at_once_when_the_server_says_it_cannot_connect() {
    let (s, _rx) = server("220 hi", |c, _, verb, _| match verb {
        "PORT" | "EPRT" => Some("200 PORT ok".into()),
        "RETR" => {
            c.send(b"150 Opening data connection\r\n");
            Some("425 Can't open data connection".into())
        }
        _ => None,
    });
    let data_connect = Duration::from_secs(20);
    let mut ftp = plain(s.port())
        .data_mode(DataMode::Active)
        .data_connect_timeout(data_connect)
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    let t0 = Instant::now();
    let err = match ftp.download("f") {
        Ok(_) => panic!("the server never connected"),
        Err(e) => e,
    };
    let took = t0.elapsed();
    assert!(took < data_connect / 4, "waited {took:?}: {err}");
    assert_eq!(err.phase(), Phase::DataConnect, "{err}");
    assert_eq!(err.reply().map(|r| r.code()), Some(425), "{err}");
    assert!(!err.to_string().contains("no answer"), "{err}");
    ftp.noop().expect("the session stays in step");
}

/// The other side of watching the control connection: a server that connects, sends a
/// small file and writes its 226 before the client looks must still be a success (vsftpd
/// does exactly this on loopback).
#[test]
fn active_mode_takes_a_connection_whose_226_came_first() {
    for _ in 0..20 {
        let target = std::sync::Arc::new(std::sync::Mutex::new(None));
        let t2 = target.clone();
        let (s, _rx) = server("220 hi", move |c, _, verb, arg| match verb {
            "PORT" => {
                let n: Vec<u16> = arg.split(',').filter_map(|x| x.parse().ok()).collect();
                *t2.lock().unwrap() = Some(format!("127.0.0.1:{}", n[4] << 8 | n[5]));
                Some("200 PORT ok".into())
            }
            "SIZE" => Some("213 3".into()),
            "RETR" => {
                c.send(b"150 Opening data connection\r\n");
                let addr = t2.lock().unwrap().clone().unwrap();
                let mut d = std::net::TcpStream::connect(addr).unwrap();
                d.write_all(b"abc").unwrap();
                drop(d);
                Some("226 Transfer complete".into())
            }
            _ => None,
        });
        let mut ftp = plain(s.port())
            .data_mode(DataMode::Active)
            .connect()
            .unwrap();
        ftp.login("u", "p").unwrap();
        let mut out = Vec::new();
        assert_eq!(ftp.download_to("f", &mut out, None).unwrap(), 3);
        assert_eq!(out, b"abc");
        drop(target);
    }
}

// ---------------------------------------------------------------------------------------
// 8. A file longer than announced is accepted

#[test]
fn more_bytes_than_size_announced_is_an_error() {
    for extra in [1usize, 5000] {
        let (s, _rx) = server("220 hi", move |c, ctx, verb, _| match verb {
            "SIZE" => Some("213 100".into()),
            "RETR" => send_data(c, ctx, &vec![b'z'; 100 + extra], "226 done"),
            _ => None,
        });
        let mut ftp = connect(s.port());
        let mut out = Vec::new();
        let err = ftp
            .download_to("f", &mut out, None)
            .expect_err("a padded file is not the file");
        assert!(
            matches!(err, Error::Overrun { expected: 100, .. }),
            "{extra}: {err}"
        );
        assert!(
            out.len() <= 100,
            "extra bytes were handed on: {}",
            out.len()
        );
    }
}

#[test]
fn a_server_that_ignores_rest_cannot_double_a_resumed_file() {
    let (s, _rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "SIZE" => Some("213 100".into()),
        "REST" => Some("350 Restarting".into()),
        // Accepts REST, then sends the whole file from byte 0.
        "RETR" => send_data(c, ctx, &[b'w'; 100], "226 done"),
        _ => None,
    });
    let mut ftp = connect(s.port());
    let mut out = Vec::new();
    let err = ftp
        .resume_download_to("f", 60, &mut out, None)
        .expect_err("40 bytes were left, 100 came");
    assert!(matches!(err, Error::Overrun { expected: 40, .. }), "{err}");
}

// ---------------------------------------------------------------------------------------
// 10. A stray reply is taken for the end of a listing

#[test]
fn a_duplicated_229_is_not_the_end_of_a_listing() {
    let (s, _rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "EPSV" => {
            let r = format!("229 Entering Extended Passive Mode (|||{}|)\r\n", ctx.port);
            c.send(r.as_bytes());
            // The same reply again, unasked.
            Some(r.trim_end().to_string())
        }
        "LIST" => send_data(
            c,
            ctx,
            b"-rw-r--r-- 1 ftp ftp 3 Jan 01 2024 a.txt\r\n",
            "226 done",
        ),
        _ => None,
    });
    let mut ftp = connect(s.port());
    let entries = ftp.list("").expect("listing");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].name, "a.txt");
}

// ---------------------------------------------------------------------------------------
// 12. Deadlines that stretch

#[test]
fn preliminary_replies_share_one_reply_deadline() {
    let reply = Duration::from_secs(1);
    let (s, _rx) = server("220 hi", |c, _, verb, _| match verb {
        "NOOP" => {
            // Seven 1xx replies, each well inside the reply deadline, together far past it.
            for i in 0..7 {
                if !c.pause(Duration::from_millis(400)) {
                    return Some(String::new());
                }
                c.send(format!("120 working {i}\r\n").as_bytes());
            }
            Some("200 ok".into())
        }
        _ => None,
    });
    let mut ftp = plain(s.port()).reply_timeout(reply).connect().unwrap();
    ftp.login("u", "p").unwrap();
    let t0 = Instant::now();
    let err = ftp
        .noop()
        .expect_err("2.8 s of 1xx replies exceed a 1 s reply deadline");
    let took = t0.elapsed();
    assert!(err.is_timeout(), "{err}");
    assert!(took < reply * 2, "took {took:?}");
}

/// Writes up to 512 MiB to a server that never reads (more than any socket buffers hold),
/// then finishes: the error that ends it, and how long that took.
fn upload_to_a_server_that_never_reads(ftp: &mut Client) -> (Error, Duration) {
    let chunk = vec![0u8; 1 << 20];
    let t0 = Instant::now();
    let mut up = ftp.upload("big").unwrap();
    for _ in 0..512 {
        if let Err(e) = up.write_all(&chunk) {
            return (Error::from_io(e, Phase::Transfer), t0.elapsed());
        }
    }
    let err = up.finish().expect_err("the server never read a byte");
    (err, t0.elapsed())
}

#[test]
fn an_upload_to_a_server_that_stops_reading_ends_at_the_idle_deadline() {
    let idle = Duration::from_secs(2);
    let (s, _rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "STOR" => {
            // Accepts the data connection and never reads from it.
            let d = ctx.accept();
            ctx.held.push(d);
            c.send(b"150 go ahead\r\n");
            Some(String::new())
        }
        _ => None,
    });
    let mut ftp = plain(s.port()).idle_timeout(idle).connect().unwrap();
    ftp.login("u", "p").unwrap();
    let (err, took) = upload_to_a_server_that_never_reads(&mut ftp);
    assert!(err.is_timeout(), "{err}");
    // One idle deadline, not one per system call: 3x before the fix.
    assert!(
        took < idle * 2,
        "took {took:?} for an idle deadline of {idle:?}"
    );
}

#[test]
fn a_trickling_download_stops_at_the_session_deadline() {
    let (s, _rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "RETR" => {
            let mut d = ctx.accept();
            c.send(b"150 here\r\n");
            // One byte every 100 ms: alive, never idle, never done.
            for _ in 0..200 {
                if d.write_all(b".").is_err() || !c.pause(Duration::from_millis(100)) {
                    break;
                }
            }
            Some("226 done".into())
        }
        _ => None,
    });
    let budget = Duration::from_secs(2);
    let mut ftp = plain(s.port())
        .deadline(Instant::now() + budget)
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    let t0 = Instant::now();
    let mut out = Vec::new();
    let err = ftp
        .download_to("f", &mut out, None)
        .expect_err("the session deadline passes");
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().contains("overall deadline"), "{err}");
    assert!(t0.elapsed() < budget + Duration::from_secs(1));
    assert!(!out.is_empty(), "bytes did arrive before the deadline");
}

// ---------------------------------------------------------------------------------------
// Also: nothing a server lists may be dropped silently

#[test]
fn mlsd_entries_that_look_odd_are_all_kept() {
    let (s, _rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "FEAT" => Some("211-Features:\r\n MLST type*;size*;\r\n211 End".into()),
        "MLSD" => send_data(
            c,
            ctx,
            b"type=file;size=1;  \r\n name without facts\r\ntype=file;size=2;\ttabbed\r\n",
            "226 done",
        ),
        _ => None,
    });
    let mut ftp = connect(s.port());
    let names: Vec<String> = ftp
        .list("")
        .unwrap()
        .into_iter()
        .map(|e| e.name.to_string())
        .collect();
    assert_eq!(names, vec![" ", "name without facts", "tabbed"]);
}

/// The same over TLS, on every backend: a TLS stream may swallow a timed-out flush and
/// block again on the next write (rustls did: 8x the idle deadline).
#[test]
fn a_tls_upload_to_a_server_that_stops_reading_ends_at_the_idle_deadline() {
    use std::io::{BufRead, BufReader};
    use std::sync::Arc;
    let certs = TestCerts::generate();
    let chain: Vec<rustls::pki_types::CertificateDer<'static>> =
        rustls::pki_types::pem::PemObject::pem_file_iter(&certs.cert)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let key: rustls::pki_types::PrivateKeyDer<'static> =
        rustls::pki_types::pem::PemObject::from_pem_file(&certs.key).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap(),
    );
    let mut opts = ftpkit::TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    let idle = Duration::from_secs(1);
    for backend in ftpkit::Backend::available() {
        let cfg = config.clone();
        let server = FakeServer::start(move |mut c| {
            c.send(b"220 tls\r\n");
            let _ = c.command();
            c.send(b"234 go\r\n");
            let conn = rustls::ServerConnection::new(cfg.clone()).unwrap();
            let mut tls = BufReader::new(rustls::StreamOwned::new(
                conn,
                c.stream.try_clone().unwrap(),
            ));
            let data = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = data.local_addr().unwrap().port();
            let mut held = Vec::new();
            loop {
                let mut line = String::new();
                if !matches!(tls.read_line(&mut line), Ok(n) if n > 0) {
                    return;
                }
                let verb = line
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase();
                let reply = match verb.as_str() {
                    "USER" => "230 in".to_string(),
                    "FEAT" => "211 none".into(),
                    "EPSV" => format!("229 (|||{port}|)"),
                    "STOR" => {
                        let (mut d, _) = data.accept().unwrap();
                        let s = tls.get_mut();
                        let _ = s.write_all(b"150 go ahead\r\n").and_then(|_| s.flush());
                        let mut dconn = rustls::ServerConnection::new(cfg.clone()).unwrap();
                        while dconn.is_handshaking() {
                            if dconn.complete_io(&mut d).is_err() {
                                break;
                            }
                        }
                        // Handshake done; the data is never read.
                        held.push((dconn, d));
                        continue;
                    }
                    _ => "200 ok".into(),
                };
                let s = tls.get_mut();
                if s.write_all(format!("{reply}\r\n").as_bytes())
                    .and_then(|_| s.flush())
                    .is_err()
                {
                    return;
                }
            }
        });
        let mut ftp = Client::builder(
            "127.0.0.1",
            Security::Explicit(backend.connector(&opts).unwrap()),
        )
        .port(server.port())
        .idle_timeout(idle)
        .connect()
        .unwrap();
        ftp.login("u", "p").unwrap();
        let (err, took) = upload_to_a_server_that_never_reads(&mut ftp);
        assert!(err.is_timeout(), "{backend}: {err}");
        // 8x before the fix; 4x leaves room for encrypting the first megabytes on a
        // loaded machine.
        assert!(
            took < idle * 4,
            "{backend}: took {took:?} for an idle deadline of {idle:?}"
        );
    }
}

/// Issue 9: a TLS error keeps the TLS library's own error behind it
/// (`Error` → `TlsError` → the backend library's error), on every backend.
#[test]
fn a_handshake_failure_keeps_the_tls_library_error_as_its_source() {
    use std::error::Error as _;
    for backend in ftpkit::Backend::available() {
        let (s, _rx) = server("220 hi", |c, _, verb, _| match verb {
            "AUTH" => {
                c.send(b"234 go ahead\r\n");
                // Not a TLS record: every TLS library refuses it.
                c.send(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
                let _ = c.pause(Duration::from_secs(5));
                Some(String::new())
            }
            _ => None,
        });
        let tls = backend.connector(&ftpkit::TlsOptions::default()).unwrap();
        let err = Client::builder("127.0.0.1", Security::Explicit(tls))
            .port(s.port())
            .handshake_timeout(Duration::from_secs(3))
            .connect()
            .expect_err("the server sent a fatal alert instead of a ServerHello");
        assert!(matches!(err, Error::Tls { .. }), "{backend}: {err}");
        let tls_error = err.tls_error().expect("the backend's TlsError");
        assert!(
            tls_error.source().is_some(),
            "{backend}: the library's own error is kept: {tls_error:?}"
        );
        // The same chain through std's Error::source.
        let library = err.source().and_then(|s| s.source());
        assert!(library.is_some(), "{backend}: {err:?}");
    }
}
