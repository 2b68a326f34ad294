//! Secure defaults, each proven against a real or scripted server: expired certificates,
//! TLS 1.0/1.1, line breaks in credentials, secrets in logs and debug output.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use ftpkit::{Backend, Client, Error, Phase, Security, TlsOptions, TlsVersion};
use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::embedded::EmbeddedServer;
use ftpkit_test_support::fake::FakeServer;
use ftpkit_test_support::old_tls::tls11_server;
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

fn with_ca(certs: &TestCerts) -> TlsOptions {
    let mut o = TlsOptions::default();
    o.ca_files.push(certs.ca.clone());
    o
}

/// An expired certificate is named as such, with its date where the backend knows it, and
/// the advice fits: the server's administrator must renew it. Trusting another CA would
/// not help, and turning verification off is no fix, so neither is suggested.
#[test]
fn expired_certificate_is_named_with_its_date_and_what_to_do() {
    let certs = TestCerts::generate();
    let server = EmbeddedServer::start_ftps(&certs.expired_cert, &certs.expired_key);
    for backend in Backend::available() {
        let err = Client::builder(
            "127.0.0.1",
            Security::Explicit(backend.connector(&with_ca(&certs)).unwrap()),
        )
        .port(server.port())
        .connect()
        .expect_err("expired");
        let msg = err.to_string();
        assert!(
            matches!(
                err,
                Error::Tls {
                    phase: Phase::TlsUpgrade,
                    ..
                }
            ),
            "{backend}: {msg}"
        );
        let expected = if backend == Backend::NativeTls {
            // native-tls does not expose the certificate of a failed handshake.
            "the server's certificate has expired"
        } else {
            "the server's certificate expired on 2020-01-01 00:00:00 UTC"
        };
        assert!(msg.contains(expected), "{backend}: {msg}");
        assert!(msg.contains("must renew"), "{backend}: {msg}");
        assert!(
            !msg.contains("--insecure") && !msg.contains("--ca-file"),
            "{backend}: {msg}"
        );
    }
}

#[test]
fn tls_1_0_and_1_1_are_refused_by_default_on_every_backend() {
    let certs = TestCerts::generate();
    let server = tls11_server(&certs);
    for backend in Backend::available() {
        let err = Client::builder(
            "127.0.0.1",
            Security::Explicit(backend.connector(&with_ca(&certs)).unwrap()),
        )
        .port(server.port())
        .connect()
        .expect_err("TLS 1.1 only");
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
    }
    // The server is real: openssl, asked for TLS 1.1 explicitly, gets through.
    if Backend::OpenSsl.is_available() {
        let mut opts = with_ca(&certs);
        opts.min_version = TlsVersion::Tls11;
        let ftp = Client::builder(
            "127.0.0.1",
            Security::Explicit(Backend::OpenSsl.connector(&opts).unwrap()),
        )
        .port(server.port())
        .connect()
        .expect("TLS 1.1 when asked for");
        assert_eq!(ftp.tls_info().unwrap().protocol.as_deref(), Some("TLSv1.1"));
    }
}

#[test]
fn line_breaks_in_user_or_password_are_refused_before_sending() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .connect()
        .unwrap();
    let before = server.log().len();
    for (user, pass) in [
        ("u\r\nDELE x", "p"),
        ("u", "p\r\nDELE x"),
        ("u\0", "p"),
        ("u", "p\n"),
    ] {
        let err = ftp.login(user, pass).expect_err("refused");
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    }
    // Not logged in yet: vsftpd answers 530, which still proves the session is in step.
    assert_eq!(ftp.raw("NOOP").unwrap().code(), 530);
    let log = server.log();
    let new = &log[before..];
    let commands: Vec<&str> = new.lines().filter(|l| l.contains("FTP command:")).collect();
    assert_eq!(
        commands.len(),
        1,
        "only the NOOP may reach the server: {commands:?}"
    );
}

/// Every log record of the process, at every level.
fn captured() -> &'static Mutex<Vec<String>> {
    static LOGS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    LOGS.get_or_init(|| Mutex::new(Vec::new()))
}

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, r: &log::Record) {
        captured()
            .lock()
            .unwrap()
            .push(format!("{} {}", r.level(), r.args()));
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        log::set_boxed_logger(Box::new(Capture)).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

#[test]
fn pasv_naming_another_host_is_not_followed_and_the_log_says_so() {
    capture_logs();
    // EPSV refused, PASV names 127.0.0.2; the data port listens on 127.0.0.1 only.
    let server = FakeServer::start(|mut c| {
        c.send(b"220 hi\r\n");
        let data = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = data.local_addr().unwrap().port();
        while let Some(line) = c.command() {
            let reply = match line.split(' ').next().unwrap_or("") {
                "USER" => "230 in\r\n".to_string(),
                "FEAT" => "211 none\r\n".into(),
                "TYPE" => "200 ok\r\n".into(),
                "EPSV" => "500 no\r\n".into(),
                "PASV" => format!(
                    "227 Entering Passive Mode (127,0,0,2,{},{})\r\n",
                    port >> 8,
                    port & 255
                ),
                "NLST" => {
                    let (mut d, _) = data.accept().unwrap();
                    c.send(b"150 here\r\n");
                    d.write_all(b"a\r\n").unwrap();
                    drop(d);
                    "226 ok\r\n".into()
                }
                _ => "502 no\r\n".into(),
            };
            c.send(reply.as_bytes());
        }
    });
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    assert_eq!(ftp.nlst("").unwrap(), vec!["a".to_string()]);
    let logs = captured().lock().unwrap().join("\n");
    assert!(
        logs.contains("PASV reply names 127.0.0.2, not the control peer 127.0.0.1; connecting to 127.0.0.1 instead"),
        "{logs}"
    );
}

#[test]
fn the_password_never_reaches_logs_errors_or_debug_output() {
    capture_logs();
    const GOOD: &str = "correct-horse-battery-staple";
    const BAD: &str = "wrong-Tr0ub4dor-3";
    let certs = TestCerts::generate();
    let server = EmbeddedServer::start_ftps(&certs.cert, &certs.key);
    let builder = Client::builder(
        "127.0.0.1",
        Security::Explicit(Backend::default().connector(&with_ca(&certs)).unwrap()),
    )
    .port(server.port());
    let mut ftp = builder.clone().connect().unwrap();
    ftp.login("alice", GOOD).unwrap();
    ftp.list("").unwrap();
    let client_debug = format!("{ftp:?} {builder:?} {:?}", builder.current_config());
    ftp.quit().unwrap();

    // A refused login (libunftp accepts any password, so use a raw PASS that it refuses
    // out of sequence), and an argument error: their messages must not carry the password.
    let mut ftp = builder.clone().connect().unwrap();
    let raw = ftp.raw(&format!("PASS {BAD}")).unwrap();
    let arg_err = ftp
        .login("bob", &format!("{BAD}\r\n"))
        .expect_err("line break");
    let texts = format!("{raw} {arg_err} {arg_err:?} {client_debug}");
    drop(ftp);

    let logs = captured().lock().unwrap().join("\n");
    assert!(
        logs.contains("PASS ****"),
        "the masked form is logged: {logs}"
    );
    for secret in [GOOD, BAD] {
        assert!(!logs.contains(secret), "password in the log:\n{logs}");
        assert!(
            !texts.contains(secret),
            "password in an error or Debug output: {texts}"
        );
    }
}
