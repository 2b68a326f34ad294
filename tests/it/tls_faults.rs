//! The incident that motivates this project: `AUTH TLS` → `234`, then the handshake never
//! completes. Every backend must give up within the handshake deadline with an error that
//! names the phase and the backend; injected plaintext after `234` must be refused; a server
//! that refuses TLS must not get a plaintext session.

use std::time::{Duration, Instant};

use ftpkit::{Backend, Client, ClientBuilder, Error, Phase, Security, TlsMode, TlsOptions};
use ftpkit_test_support::fake::{Conn, FakeServer};

const DEADLINE: Duration = Duration::from_secs(1);
const SLACK: Duration = Duration::from_millis(500);

/// The connector is built here, before any clock starts: loading the system roots is
/// set-up, not waiting on the server.
fn builder(port: u16, backend: Backend, mode: TlsMode) -> ClientBuilder {
    Client::builder(
        "127.0.0.1",
        Security::with_mode(
            mode,
            Some(backend.connector(&TlsOptions::default()).unwrap()),
        )
        .expect("a TLS mode"),
    )
    .port(port)
    .handshake_timeout(DEADLINE)
    .reply_timeout(Duration::from_secs(5))
}

fn connect(port: u16, backend: Backend, mode: TlsMode) -> Result<Client, Error> {
    builder(port, backend, mode).connect()
}

fn greet_then_234(mut c: Conn) -> Conn {
    c.send(b"220 fake\r\n");
    assert_eq!(c.command().as_deref(), Some("AUTH TLS"));
    c.send(b"234 Security data exchange complete\r\n");
    c
}

#[test]
fn silent_after_234_times_out_on_every_backend() {
    for backend in Backend::available() {
        let server = FakeServer::start(|c| greet_then_234(c).silence());
        let b = builder(server.port(), backend, TlsMode::Explicit);
        let started = Instant::now();
        let err = b.connect().expect_err("must not connect");
        let elapsed = started.elapsed();
        assert!(elapsed < DEADLINE + SLACK, "{backend}: took {elapsed:?}");
        assert!(err.is_timeout(), "{backend}: {err}");
        assert_eq!(err.phase(), Phase::TlsUpgrade, "{backend}: {err}");
        assert_eq!(err.backend(), Some(backend.name()));
        let msg = err.to_string();
        assert!(
            msg.starts_with("tls-upgrade: no answer from server within 1s"),
            "{msg}"
        );
        assert!(
            msg.contains("AUTH TLS/234") && msg.contains(backend.name()),
            "{msg}"
        );
    }
}

#[test]
fn silent_implicit_server_times_out_on_every_backend() {
    for backend in Backend::available() {
        let server = FakeServer::start(|c| c.silence());
        let b = builder(server.port(), backend, TlsMode::Implicit);
        let started = Instant::now();
        let err = b.connect().expect_err("must not connect");
        assert!(
            started.elapsed() < DEADLINE + SLACK,
            "{backend}: {:?}",
            started.elapsed()
        );
        assert!(
            err.is_timeout() && err.phase() == Phase::TlsUpgrade,
            "{backend}: {err}"
        );
    }
}

#[test]
fn garbage_instead_of_server_hello_is_a_tls_error() {
    for backend in Backend::available() {
        let server = FakeServer::start(|c| {
            let mut c = greet_then_234(c);
            c.send(b"500 this is not TLS at all\r\n");
            c.silence()
        });
        let b = builder(server.port(), backend, TlsMode::Explicit);
        let started = Instant::now();
        let err = b.connect().expect_err("must not connect");
        assert!(
            started.elapsed() < DEADLINE + SLACK,
            "{backend}: {:?}",
            started.elapsed()
        );
        assert!(
            matches!(
                err,
                Error::Tls {
                    phase: Phase::TlsUpgrade,
                    ..
                }
            ),
            "{backend}: {err}"
        );
        assert_eq!(err.backend(), Some(backend.name()));
    }
}

#[test]
fn plaintext_pipelined_after_234_is_refused() {
    for backend in Backend::available() {
        let server = FakeServer::start(|mut c| {
            c.send(b"220 fake\r\n");
            let _ = c.command();
            // One write: the injected reply sits in the client's buffer before the handshake.
            c.send(b"234 go ahead\r\n230 injected login\r\n");
            c.silence()
        });
        let err = connect(server.port(), backend, TlsMode::Explicit).expect_err("must refuse");
        assert!(
            matches!(
                err,
                Error::Protocol {
                    phase: Phase::TlsUpgrade,
                    ..
                }
            ),
            "{backend}: {err}"
        );
        assert!(err.to_string().contains("plaintext after the 234"), "{err}");
    }
}

#[test]
fn auth_tls_refused_never_falls_back_to_plaintext() {
    for code in ["500 unknown command", "502 not implemented", "534 policy"] {
        let server = FakeServer::start(move |mut c| {
            c.send(b"220 fake\r\n");
            let _ = c.command();
            c.send(format!("{code}\r\n").as_bytes());
            // A USER here would mean the client went on in plaintext.
            let next = c.command();
            assert!(
                next.is_none() || !next.as_deref().unwrap_or("").starts_with("USER"),
                "{next:?}"
            );
        });
        let err =
            connect(server.port(), Backend::default(), TlsMode::Explicit).expect_err("must refuse");
        assert!(
            matches!(
                err,
                Error::TlsRequired {
                    phase: Phase::TlsUpgrade,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains(&code[..3]), "{err}");
        drop(server);
    }
}

#[test]
fn no_banner_hits_the_reply_deadline() {
    let server = FakeServer::start(|c| c.silence());
    let started = Instant::now();
    let err = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .reply_timeout(DEADLINE)
        .connect()
        .expect_err("no banner");
    assert!(started.elapsed() < DEADLINE + SLACK);
    assert!(err.is_timeout() && err.phase() == Phase::Greeting, "{err}");
}

#[test]
fn trickled_banner_hits_the_whole_reply_deadline_not_a_per_byte_one() {
    // One byte every 200 ms: a per-read timeout of 1 s would never fire.
    let server = FakeServer::start(|mut c| {
        for b in b"220 a very slow banner\r\n" {
            c.send(&[*b]);
            if !c.pause(Duration::from_millis(200)) {
                return;
            }
        }
        c.silence()
    });
    let started = Instant::now();
    let err = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .reply_timeout(DEADLINE)
        .connect()
        .expect_err("the banner takes 4.6 s");
    assert!(
        started.elapsed() < DEADLINE + SLACK,
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_timeout() && err.phase() == Phase::Greeting, "{err}");
}

#[test]
fn connection_reset_after_234_is_a_quick_tls_upgrade_error() {
    for backend in Backend::available() {
        let server = FakeServer::start(|c| {
            let c = greet_then_234(c);
            // Linger 0: closing sends a reset instead of a FIN.
            let _ = socket2::SockRef::from(&c.stream).set_linger(Some(Duration::ZERO));
            drop(c);
        });
        let b = builder(server.port(), backend, TlsMode::Explicit);
        let started = Instant::now();
        let err = b.connect().expect_err("reset");
        assert!(
            started.elapsed() < SLACK,
            "{backend}: {:?}",
            started.elapsed()
        );
        assert_eq!(err.phase(), Phase::TlsUpgrade, "{backend}: {err}");
        assert!(!err.is_timeout(), "{backend}: {err}");
    }
}

#[test]
fn a_trickled_handshake_hits_the_whole_handshake_deadline() {
    // A TLS record header announcing 16 KiB, then one byte every 200 ms: every single read
    // succeeds well within the per-read timeout, so only a whole-handshake deadline ends it.
    for backend in Backend::available() {
        let server = FakeServer::start(|c| {
            let mut c = greet_then_234(c);
            c.send(&[0x16, 0x03, 0x03, 0x40, 0x00, 0x02]);
            loop {
                c.send(&[0x00]);
                if !c.pause(Duration::from_millis(200)) {
                    return;
                }
            }
        });
        let b = builder(server.port(), backend, TlsMode::Explicit);
        let started = Instant::now();
        let err = b.connect().expect_err("never completes");
        assert!(
            started.elapsed() < DEADLINE + SLACK,
            "{backend}: {:?}",
            started.elapsed()
        );
        assert!(err.is_timeout(), "{backend}: {err}");
        assert_eq!(err.phase(), Phase::TlsUpgrade, "{backend}: {err}");
    }
}
