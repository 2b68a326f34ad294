//! AutoConnect against the incident's server: it answers `AUTH TLS` with `234` and then
//! never completes a handshake, while plain FTP works.

use std::time::{Duration, Instant};

use ftpkit::{connectors, AutoConnect, Backend, Client, Phase, TlsMode, TlsOptions};
use ftpkit_test_support::fake::{incident_server, Conn, FakeServer};

const HANDSHAKE: Duration = Duration::from_millis(700);

fn auto(port: u16) -> AutoConnect {
    let builder = Client::builder("127.0.0.1")
        .port(port)
        .handshake_timeout(HANDSHAKE)
        .reply_timeout(Duration::from_secs(5));
    AutoConnect::new(builder, connectors(None, &TlsOptions::default()).unwrap())
}

#[test]
fn falls_back_to_plain_only_when_allowed_and_reports_the_timed_out_tls_attempts() {
    let server = FakeServer::start_many(incident_server);
    let started = Instant::now();
    let (mut client, report) = auto(server.port())
        .allow_implicit(false)
        .allow_plaintext(true)
        .connect("u", "p")
        .expect("plain FTP works");
    let n = Backend::available().len();
    assert_eq!(report.attempts.len(), n + 1, "{report}");
    for a in &report.attempts[..n] {
        assert_eq!(a.profile.mode, TlsMode::Explicit);
        assert_eq!(a.failed_in, Some(Phase::TlsUpgrade), "{report}");
        // The server went silent: the handshake deadline, not the budget.
        assert_eq!(a.deadline, Some(ftpkit::Deadline::Handshake), "{report}");
        let e = a.error.as_deref().unwrap();
        assert!(
            e.contains("no answer from server within 0.7s") && e.contains("AUTH TLS/234"),
            "{e}"
        );
        assert!(
            a.elapsed < HANDSHAKE + Duration::from_millis(500),
            "{report}"
        );
    }
    let last = report.attempts.last().unwrap();
    assert!(
        last.worked() && last.profile.mode == TlsMode::None,
        "{report}"
    );
    assert!(started.elapsed() < (HANDSHAKE + Duration::from_millis(500)) * (n as u32 + 1));
    assert!(client.tls_info().is_none());
    client.noop().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn never_downgrades_by_default_and_lists_every_attempt() {
    let server = FakeServer::start_many(incident_server);
    // Implicit attempts go to the same server, which greets in plaintext: a TLS failure.
    let err = auto(server.port())
        .implicit_port(server.port())
        .connect("u", "p")
        .expect_err("no secure profile works and plaintext is not allowed");
    let n = Backend::available().len();
    assert_eq!(err.report.attempts.len(), 2 * n, "{err}");
    assert!(err
        .report
        .attempts
        .iter()
        .all(|a| !a.worked() && a.profile.mode != TlsMode::None));
    let text = err.to_string();
    for b in Backend::available() {
        assert!(text.contains(&format!("explicit TLS via {b}")), "{text}");
        assert!(text.contains(&format!("implicit TLS via {b}")), "{text}");
    }
    assert!(!text.contains("plain FTP"), "{text}");
}

#[test]
fn the_budget_bounds_the_whole_search() {
    let server = FakeServer::start_many(incident_server);
    let started = Instant::now();
    let err = auto(server.port())
        .allow_implicit(false)
        .allow_plaintext(true)
        .budget(Duration::from_millis(300))
        .connect("u", "p")
        .expect_err("300 ms is less than one handshake deadline");
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    assert!(err.to_string().contains("time budget"), "{err}");
}

#[test]
fn a_slow_server_cannot_stretch_an_attempt_past_the_budget() {
    // Every reply comes 400 ms late: each wait alone is within its deadline, but a whole
    // login and listing takes several seconds.
    let server = FakeServer::start_many(|mut c| {
        let slow = |c: &mut Conn, r: &[u8]| {
            if c.pause(Duration::from_millis(400)) {
                c.send(r);
            }
        };
        slow(&mut c, b"220 slow\r\n");
        while let Some(line) = c.command() {
            let r: &[u8] = match line.split(' ').next().unwrap_or("") {
                "USER" => b"331 pass\r\n",
                "PASS" => b"230 in\r\n",
                "FEAT" => b"211 none\r\n",
                "TYPE" => b"200 ok\r\n",
                _ => b"502 no\r\n",
            };
            slow(&mut c, r);
        }
    });
    let builder = Client::builder("127.0.0.1").port(server.port());
    let started = Instant::now();
    let err = AutoConnect::new(builder, Vec::new())
        .allow_plaintext(true)
        .budget(Duration::from_secs(1))
        .connect("u", "p")
        .expect_err("cannot finish within 1 s");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}\n{err}",
        started.elapsed()
    );
    assert_eq!(err.report.attempts.len(), 1, "{err}");
    // The budget, not a silent server, ended it, and the report can tell.
    assert_eq!(
        err.report.attempts[0].deadline,
        Some(ftpkit::Deadline::Session),
        "{err}"
    );
    assert!(
        err.report.attempts[0]
            .error
            .as_deref()
            .unwrap_or("")
            .contains("overall deadline"),
        "{err}"
    );
    assert!(err.to_string().contains("time budget"), "{err}");
}
