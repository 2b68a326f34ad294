//! AutoConnect against the incident's server: it answers `AUTH TLS` with `234` and then
//! never completes a handshake, while plain FTP works.

use std::time::{Duration, Instant};

use ftpkit::{connectors, AutoConnect, Backend, Config, Phase, TlsMode, TlsOptions};
use ftpkit_test_support::fake::{incident_server, Conn, FakeServer};

const HANDSHAKE: Duration = Duration::from_millis(700);

fn auto(port: u16) -> AutoConnect {
    let mut config = Config::default();
    config.timeouts.handshake = HANDSHAKE;
    config.timeouts.reply = Duration::from_secs(5);
    AutoConnect::new(
        "127.0.0.1",
        connectors(None, &TlsOptions::default()).unwrap(),
    )
    .port(port)
    .config(config)
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
        last.worked() && last.profile.mode == TlsMode::Plain,
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
        .all(|a| !a.worked() && a.profile.mode != TlsMode::Plain));
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
    let started = Instant::now();
    let err = AutoConnect::new("127.0.0.1", Vec::new())
        .port(server.port())
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

#[test]
fn try_candidate_runs_one_profile_as_connect_does() {
    let server = FakeServer::start_many(incident_server);
    let auto = auto(server.port())
        .allow_implicit(false)
        .allow_plaintext(true);
    let candidates = auto.candidates();
    let profiles: Vec<_> = candidates.iter().map(|c| c.profile.clone()).collect();
    assert_eq!(profiles, auto.profiles());
    let (plain, tls) = candidates.split_last().unwrap();
    assert!(matches!(plain.security, ftpkit::Security::Plain));
    let (a, r) = auto.try_candidate(&tls[0], "u", "p");
    assert_eq!(a.failed_in, Some(Phase::TlsUpgrade), "{a:?}");
    assert!(!a.logged_in);
    assert_eq!(r.err().map(|e| e.phase()), Some(Phase::TlsUpgrade));
    let (a, r) = auto.try_candidate(plain, "u", "p");
    assert!(a.worked() && a.logged_in, "{a:?}");
    r.unwrap().noop().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn the_callers_deadline_bounds_the_search_and_the_budget_not_the_session() {
    let server = FakeServer::start_many(incident_server);
    let mut config = Config::default();
    config.deadline = Some(Instant::now() + Duration::from_millis(300));
    let err = auto(server.port())
        .config(config)
        .connect("u", "p")
        .expect_err("300 ms is less than one handshake deadline");
    assert!(err.to_string().contains("Config::deadline"), "{err}");
    // The budget bounds the attempts; the session that comes out of them outlives it.
    let (mut client, _) = AutoConnect::new("127.0.0.1", Vec::new())
        .port(server.port())
        .allow_plaintext(true)
        .budget(Duration::from_millis(300))
        .connect("u", "p")
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(Duration::from_millis(400));
    client.list_raw("").unwrap_or_else(|e| panic!("{e}"));
}
