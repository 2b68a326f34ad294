//! Sessions through real proxies started by the tests: Dante (SOCKS5, with and without
//! user/password) and tinyproxy (HTTP `CONNECT`), to a real vsftpd, plain and FTPS. Each
//! test reads the proxy's own log to check that the control connection and every data
//! connection went through it, to the host the user named. Refusals and a silent proxy
//! end in typed errors that name the proxy, within the deadline.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ftpkit::{
    Backend, Client, DataMode, Deadline, Error, Phase, Proxy, Security, TlsConnector, TlsOptions,
};
use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::fake::FakeServer;
use ftpkit_test_support::proxies::{require_dante, require_tinyproxy, Dante, Tinyproxy};
use ftpkit_test_support::scripted;
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd, TEST_PASSWORD, TEST_USER};

fn connector(backend: Backend, certs: &TestCerts) -> Arc<dyn TlsConnector> {
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    backend.connector(&opts).expect("connector")
}

/// The backends that can pass vsftpd's `require_ssl_reuse` (native-tls cannot).
fn resuming_backends() -> Vec<Backend> {
    Backend::available()
        .into_iter()
        .filter(|b| *b != Backend::NativeTls)
        .collect()
}

/// Login, upload, listing and download through `proxy`: three data connections. Returns
/// the session's result so the caller can show the proxy's log with a failure.
fn session(host: &str, server: &Vsftpd, security: Security, proxy: Proxy) -> Result<(), Error> {
    let mut ftp = Client::builder(host, security)
        .port(server.port())
        .connect_timeout(Duration::from_secs(10))
        .data_connect_timeout(Duration::from_secs(10))
        .proxy(proxy)
        .connect()?;
    ftp.login(server.user(), server.password())?;
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut up = ftp.upload("through.bin")?;
    up.write_all(&payload)
        .map_err(|e| Error::from_io(e, Phase::Transfer))?;
    up.finish()?;
    assert_eq!(
        std::fs::read(server.root().join("through.bin")).unwrap(),
        payload
    );
    let names = ftp.nlst("")?;
    assert!(names.iter().any(|n| n == "through.bin"), "{names:?}");
    let mut back = Vec::new();
    let mut dl = ftp.download("through.bin")?;
    dl.read_to_end(&mut back)
        .map_err(|e| Error::from_io(e, Phase::Transfer))?;
    dl.finish()?;
    assert!(back == payload, "downloaded bytes differ");
    ftp.quit()
}

/// The tunnels Dante opened to 127.0.0.1, other than to `control`: the data connections.
fn dante_data_tunnels(dante: &Dante, control: u16) -> usize {
    let control = format!("127.0.0.1.{control}");
    dante
        .tunnels()
        .iter()
        .filter(|d| d.starts_with("127.0.0.1.") && **d != control)
        .count()
}

/// `CONNECT` requests tinyproxy logged for `host` other than to `control`.
fn tinyproxy_data_tunnels(proxy: &Tinyproxy, host: &str, control: u16) -> usize {
    proxy
        .log()
        .lines()
        .filter(|l| l.contains(&format!("CONNECT {host}:")))
        .filter(|l| !l.contains(&format!("CONNECT {host}:{control} ")))
        .count()
}

#[test]
fn plain_ftp_through_dante_socks5h_sends_the_name() {
    if !require_vsftpd() || !require_dante() {
        return;
    }
    let server = Vsftpd::start();
    let dante = Dante::builder().start();
    // socks5h: "localhost" goes to Dante as a name (address type 3), Dante resolves it.
    let proxy = Proxy::socks5h("127.0.0.1", dante.port());
    session("localhost", &server, Security::Plain, proxy)
        .unwrap_or_else(|e| panic!("{e}\n{}", dante.log()));
    assert_eq!(dante.tunnels_to(server.port()), 1, "{}", dante.log());
    assert_eq!(
        dante_data_tunnels(&dante, server.port()),
        3,
        "upload, NLST and download each through Dante:\n{}",
        dante.log()
    );
}

#[test]
fn ftps_through_dante_with_user_and_password() {
    if !require_vsftpd() || !require_dante() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .start();
    let dante = Dante::builder().user_auth().start();
    for backend in resuming_backends() {
        let before = dante_data_tunnels(&dante, server.port());
        // socks5: the target is an address already; the credentials are the system's.
        let proxy = Proxy::socks5("127.0.0.1", dante.port()).with_auth(TEST_USER, TEST_PASSWORD);
        let security = Security::Explicit(connector(backend, &certs));
        session("127.0.0.1", &server, security, proxy)
            .unwrap_or_else(|e| panic!("{backend}: {e}\n{}\n{}", dante.log(), server.log()));
        assert_eq!(
            dante_data_tunnels(&dante, server.port()) - before,
            3,
            "{backend}: every protected data connection through Dante:\n{}",
            dante.log()
        );
    }
    assert!(
        dante.log().contains(&format!("username%{TEST_USER}@")),
        "Dante authenticated the user:\n{}",
        dante.log()
    );
}

#[test]
fn dante_refuses_a_wrong_password_and_a_blocked_destination() {
    if !require_vsftpd() || !require_dante() {
        return;
    }
    let server = Vsftpd::start();
    let dante = Dante::builder().user_auth().start();
    let proxy = Proxy::socks5h("127.0.0.1", dante.port()).with_auth(TEST_USER, "not-it");
    let e = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .proxy(proxy)
        .connect()
        .expect_err("a wrong proxy password must fail");
    assert!(matches!(e, Error::Proxy { .. }), "{e:?}");
    assert_eq!(e.phase(), Phase::Connect);
    assert!(
        e.to_string().contains(&format!(
            "the SOCKS5 proxy 127.0.0.1:{} refused the user name and password for {TEST_USER}",
            dante.port()
        )),
        "{e}"
    );
    assert!(
        !e.to_string().contains("not-it"),
        "no password in errors: {e}"
    );
    assert!(
        !format!("{e:?}").contains("not-it"),
        "no password in errors: {e:?}"
    );

    let dante = Dante::builder().block_port(server.port()).start();
    let e = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .proxy(Proxy::socks5h("127.0.0.1", dante.port()))
        .connect()
        .expect_err("a blocked destination must fail");
    assert!(matches!(e, Error::Proxy { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "connect: the SOCKS5 proxy 127.0.0.1:{} refused the connection to 127.0.0.1:{}: connection not allowed by ruleset (reply 2)",
            dante.port(),
            server.port()
        )
    );
}

#[test]
fn plain_and_ftps_through_tinyproxy_with_basic_auth() {
    if !require_vsftpd() || !require_tinyproxy() {
        return;
    }
    let plain = Vsftpd::start();
    let proxy = Tinyproxy::builder().basic_auth("alice", "s3cret").start();
    let with_auth = || Proxy::http("127.0.0.1", proxy.port()).with_auth("alice", "s3cret");
    session("localhost", &plain, Security::Plain, with_auth())
        .unwrap_or_else(|e| panic!("{e}\n{}", proxy.log()));
    assert_eq!(
        proxy.connects_to("localhost", plain.port()),
        1,
        "{}",
        proxy.log()
    );
    assert_eq!(
        tinyproxy_data_tunnels(&proxy, "localhost", plain.port()),
        3,
        "data connections to the host as named, through tinyproxy:\n{}",
        proxy.log()
    );

    let certs = TestCerts::generate();
    let tls = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .start();
    for backend in resuming_backends() {
        let before = tinyproxy_data_tunnels(&proxy, "127.0.0.1", tls.port());
        let security = Security::Explicit(connector(backend, &certs));
        session("127.0.0.1", &tls, security, with_auth())
            .unwrap_or_else(|e| panic!("{backend}: {e}\n{}\n{}", proxy.log(), tls.log()));
        assert_eq!(
            tinyproxy_data_tunnels(&proxy, "127.0.0.1", tls.port()) - before,
            3,
            "{backend}:\n{}",
            proxy.log()
        );
    }

    // Without the credentials: 407, said as such.
    let e = Client::builder("127.0.0.1", Security::Plain)
        .port(plain.port())
        .proxy(Proxy::http("127.0.0.1", proxy.port()))
        .connect()
        .expect_err("no credentials");
    assert!(matches!(e, Error::Proxy { .. }), "{e:?}");
    assert!(e.to_string().contains("407"), "{e}");
    assert!(e.to_string().contains("give user:password"), "{e}");
}

#[test]
fn tinyproxy_refuses_a_port_it_does_not_allow() {
    if !require_vsftpd() || !require_tinyproxy() {
        return;
    }
    let server = Vsftpd::start();
    // Only port 443 may be tunnelled to.
    let proxy = Tinyproxy::builder().connect_port(443).start();
    let e = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .proxy(Proxy::http("127.0.0.1", proxy.port()))
        .connect()
        .expect_err("tinyproxy must refuse");
    assert!(matches!(e, Error::Proxy { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.starts_with(&format!(
            "connect: the HTTP proxy 127.0.0.1:{} refused CONNECT to 127.0.0.1:{}: it answered HTTP/1.",
            proxy.port(),
            server.port()
        )),
        "{text}\n{}",
        proxy.log()
    );
    assert!(text.contains(" 403 "), "{text}");
}

#[test]
fn a_silent_proxy_times_out_naming_it() {
    for proxy in ["socks5h", "http"] {
        // Accepts, and never says a word (released when the test ends).
        let silent = FakeServer::start(|c| c.silence());
        let p = match proxy {
            "http" => Proxy::http("127.0.0.1", silent.port()),
            _ => Proxy::socks5h("127.0.0.1", silent.port()),
        };
        let started = Instant::now();
        let e = Client::builder("ftp.example.invalid", Security::Plain)
            .connect_timeout(Duration::from_millis(700))
            .proxy(p)
            .connect()
            .expect_err("a silent proxy must time out");
        let took = started.elapsed();
        assert!(took < Duration::from_secs(5), "{proxy}: took {took:?}");
        assert!(took >= Duration::from_millis(600), "{proxy}: took {took:?}");
        assert_eq!(e.deadline(), Some(Deadline::Connect), "{e:?}");
        assert_eq!(e.phase(), Phase::Connect);
        let label = if proxy == "http" { "HTTP" } else { "SOCKS5" };
        assert!(
            e.to_string().contains(&format!(
                "waiting for the {label} proxy 127.0.0.1:{} to",
                silent.port()
            )),
            "{e}"
        );
    }
}

#[test]
fn active_mode_through_a_proxy_is_refused_before_anything_is_sent() {
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let e = Client::builder("127.0.0.1", Security::Plain)
        .data_mode(DataMode::Active)
        .proxy(Proxy::socks5h(
            "127.0.0.1",
            proxy.local_addr().unwrap().port(),
        ))
        .connect()
        .expect_err("active mode through a proxy");
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
    assert!(e.to_string().contains("use passive mode"), "{e}");
    assert!(
        proxy.accept().is_err(),
        "nothing may reach the proxy before the refusal"
    );
}

/// PASV through a proxy, with the default [`ftpkit::PasvAddress::UseControlPeer`]: the
/// announced address (here one that cannot be reached) is replaced by the server's host as
/// the user named it, asked of the proxy, never by the proxy's own address.
#[test]
fn pasv_through_a_proxy_goes_to_the_named_host() {
    if !require_tinyproxy() {
        return;
    }
    let (server, _log) = scripted::server("220 scripted", |c, ctx, verb, _| match verb {
        "EPSV" => Some("500 no EPSV here".into()),
        "PASV" => Some(format!(
            "227 Entering Passive Mode (10,255,255,1,{},{})",
            ctx.port >> 8,
            ctx.port & 0xff
        )),
        "NLST" => scripted::send_data(c, ctx, b"a.txt\r\nb.txt\r\n", "226 done"),
        _ => None,
    });
    let proxy = Tinyproxy::builder().start();
    let mut ftp = Client::builder("localhost", Security::Plain)
        .port(server.port())
        .data_connect_timeout(Duration::from_secs(5))
        .proxy(Proxy::http("127.0.0.1", proxy.port()))
        .connect()
        .unwrap_or_else(|e| panic!("{e}\n{}", proxy.log()));
    ftp.login("u", "p").unwrap();
    let names = ftp
        .nlst("")
        .unwrap_or_else(|e| panic!("{e}\n{}", proxy.log()));
    assert_eq!(names, ["a.txt", "b.txt"]);
    assert_eq!(
        tinyproxy_data_tunnels(&proxy, "localhost", server.port()),
        1,
        "{}",
        proxy.log()
    );
    assert!(!proxy.log().contains("10.255.255.1"), "{}", proxy.log());
}

/// A SOCKS5 proxy (no authentication) that tunnels its first connection to the server and
/// answers nothing on any later one: the data connections. Ends when the test drops it.
struct SilentForData {
    port: u16,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SilentForData {
    fn start() -> SilentForData {
        use std::net::TcpStream;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let Ok((mut client, _)) = listener.accept() else {
                return;
            };
            let mut head = [0u8; 3];
            client.read_exact(&mut head).unwrap();
            client.write_all(&[5, 0]).unwrap();
            // VER CMD RSV ATYP=1 (the test connects to 127.0.0.1), address, port.
            let mut req = [0u8; 10];
            client.read_exact(&mut req).unwrap();
            assert_eq!(req[3], 1, "an IPv4 address");
            let target = std::net::SocketAddr::from((
                [req[4], req[5], req[6], req[7]],
                u16::from_be_bytes([req[8], req[9]]),
            ));
            let server = TcpStream::connect(target).unwrap();
            client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).unwrap();
            let pump = |mut from: TcpStream, mut to: TcpStream| {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Write);
                })
            };
            let up = pump(client.try_clone().unwrap(), server.try_clone().unwrap());
            let down = pump(server.try_clone().unwrap(), client.try_clone().unwrap());
            // Later connections: accepted, never answered, until the test ends.
            listener.set_nonblocking(true).unwrap();
            let mut held = Vec::new();
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(20))
            {
                if let Ok((s, _)) = listener.accept() {
                    held.push(s);
                }
            }
            let _ = client.shutdown(std::net::Shutdown::Both);
            let _ = server.shutdown(std::net::Shutdown::Both);
            let _ = up.join();
            let _ = down.join();
        });
        SilentForData {
            port,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for SilentForData {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn a_proxy_silent_on_the_data_connection_times_out_under_the_data_deadline() {
    let (server, log) = scripted::server("220 scripted", |_, ctx, verb, _| match verb {
        "PASV" => Some(format!(
            "227 Entering Passive Mode (127,0,0,1,{},{})",
            ctx.port >> 8,
            ctx.port & 0xff
        )),
        _ => None,
    });
    let proxy = SilentForData::start();
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .data_connect_timeout(Duration::from_millis(600))
        .proxy(Proxy::socks5("127.0.0.1", proxy.port))
        .connect()
        .expect("the control connection goes through");
    ftp.login("u", "p").unwrap();
    let started = Instant::now();
    let e = ftp.nlst("").expect_err("the data connection must time out");
    let took = started.elapsed();
    // EPSV's connection only: PASV would wait for the same silent proxy again.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let sent = scripted::commands(&log);
    assert!(sent.iter().any(|c| c == "EPSV"), "{sent:?}");
    assert!(!sent.iter().any(|c| c == "PASV"), "{sent:?}");
    assert!(took >= Duration::from_millis(500), "took {took:?}");
    assert_eq!(e.phase(), Phase::DataConnect, "{e:?}");
    assert_eq!(e.deadline(), Some(Deadline::DataConnect), "{e:?}");
    assert!(
        e.to_string().contains(&format!(
            "waiting for the SOCKS5 proxy 127.0.0.1:{} to answer the SOCKS5 greeting",
            proxy.port
        )),
        "{e}"
    );
    drop(ftp);
}
