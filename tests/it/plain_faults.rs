//! A scripted plain-FTP server that misbehaves in one way per test: the client must never
//! report a broken transfer as a success, never wait past its deadlines, and stay precise
//! about what happened.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use ftpkit::{Client, DataMode, Error, PasvAddress, Phase, Security};
use ftpkit_test_support::fake::{Conn, FakeServer};

const SLACK: Duration = Duration::from_millis(500);

/// What the scripted server does with the data connection of a RETR/LIST.
#[derive(Clone, Copy)]
enum Retr {
    /// Send these bytes, close, then send this final reply.
    Send(&'static [u8], &'static str),
    /// Accept the data connection and never send anything.
    Silent,
    /// Send some bytes, then stall.
    Stall(&'static [u8]),
    /// Answer 550 on the control connection, keeping the data connection open and silent.
    RefuseWithDataOpen,
}

struct Script {
    size: Option<u64>,
    retr: Retr,
    epsv: bool,
    pasv_host: &'static str,
    login_silent: bool,
    huge_reply: bool,
}

impl Default for Script {
    fn default() -> Script {
        Script {
            size: None,
            retr: Retr::Send(b"", "226 ok"),
            epsv: true,
            pasv_host: "127,0,0,1",
            login_silent: false,
            huge_reply: false,
        }
    }
}

/// Returns the commands the server received, for assertions.
fn run(mut c: Conn, s: Script, log: std::sync::mpsc::Sender<String>) {
    c.send(b"220 scripted\r\n");
    let data = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = data.local_addr().unwrap().port();
    let mut held: Vec<TcpStream> = Vec::new();
    while let Some(line) = c.command() {
        let _ = log.send(line.clone());
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply = match verb.as_str() {
            "USER" if s.login_silent => {
                c.silence();
                return;
            }
            "USER" => "331 pass\r\n".to_string(),
            "PASS" => "230 in\r\n".into(),
            "FEAT" if s.huge_reply => {
                let mut r = b"211-".to_vec();
                r.extend(vec![b'x'; 1 << 20]);
                c.send(&r);
                c.silence();
                return;
            }
            "FEAT" if s.size.is_some() => "211-Features:\r\n SIZE\r\n211 End\r\n".into(),
            "FEAT" => "211-Features:\r\n211 End\r\n".into(),
            "TYPE" | "NOOP" => "200 ok\r\n".into(),
            "SIZE" => match s.size {
                Some(n) => format!("213 {n}\r\n"),
                None => "550 no\r\n".into(),
            },
            "EPSV" if s.epsv => format!("229 Entering Extended Passive Mode (|||{port}|)\r\n"),
            "EPSV" => "500 EPSV not understood\r\n".into(),
            "PASV" => format!(
                "227 Entering Passive Mode ({},{},{})\r\n",
                s.pasv_host,
                port >> 8,
                port & 0xff
            ),
            "RETR" | "LIST" | "NLST" => {
                let (mut d, _) = data.accept().unwrap();
                match s.retr {
                    Retr::Send(bytes, fin) => {
                        c.send(b"150 here\r\n");
                        let _ = d.write_all(bytes);
                        drop(d);
                        format!("{fin}\r\n")
                    }
                    Retr::Silent => {
                        held.push(d);
                        "150 here\r\n".into()
                    }
                    Retr::Stall(bytes) => {
                        c.send(b"150 here\r\n");
                        let _ = d.write_all(bytes);
                        held.push(d);
                        continue;
                    }
                    Retr::RefuseWithDataOpen => {
                        held.push(d);
                        "550 Permission denied\r\n".into()
                    }
                }
            }
            "QUIT" => {
                c.send(b"221 bye\r\n");
                return;
            }
            _ => "502 not here\r\n".into(),
        };
        c.send(reply.as_bytes());
    }
}

fn start(s: Script) -> (FakeServer, std::sync::mpsc::Receiver<String>) {
    let (tx, rx) = std::sync::mpsc::channel();
    (FakeServer::start(move |c| run(c, s, tx)), rx)
}

fn client(port: u16) -> ftpkit::ClientBuilder {
    Client::builder("127.0.0.1", Security::Plain)
        .port(port)
        .reply_timeout(Duration::from_secs(1))
        .idle_timeout(Duration::from_secs(1))
        .data_connect_timeout(Duration::from_secs(1))
}

fn read_all(ftp: &mut Client, path: &str) -> Result<Vec<u8>, Error> {
    let mut dl = ftp.download(path)?;
    let mut v = Vec::new();
    dl.read_to_end(&mut v)
        .map_err(|e| Error::from_io(e, Phase::Transfer))?;
    dl.finish()?;
    Ok(v)
}

#[test]
fn pasv_address_is_replaced_by_the_control_peer_and_pasv_is_remembered() {
    // EPSV refused; PASV names 127.0.0.2, where nothing listens (the data port is bound to
    // 127.0.0.1 only): connecting there would fail.
    let (server, log) = start(Script {
        epsv: false,
        pasv_host: "127,0,0,2",
        retr: Retr::Send(b"abc", "226 ok"),
        ..Script::default()
    });
    let mut ftp = client(server.port()).connect().unwrap();
    ftp.login("u", "p").unwrap();
    assert_eq!(read_all(&mut ftp, "f").unwrap(), b"abc");
    assert_eq!(read_all(&mut ftp, "f").unwrap(), b"abc");
    drop(ftp);
    drop(server);
    let cmds: Vec<String> = log.try_iter().collect();
    assert_eq!(
        cmds.iter().filter(|c| *c == "EPSV").count(),
        1,
        "EPSV must be tried once: {cmds:?}"
    );
    assert_eq!(cmds.iter().filter(|c| *c == "PASV").count(), 2, "{cmds:?}");
}

#[test]
fn trusting_the_pasv_address_connects_where_the_server_says() {
    let (server, _log) = start(Script {
        epsv: false,
        pasv_host: "127,0,0,2",
        ..Script::default()
    });
    let mut ftp = client(server.port())
        .pasv_address(PasvAddress::Trust)
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    let err = read_all(&mut ftp, "f").expect_err("nothing listens on 127.0.0.2");
    assert_eq!(err.phase(), Phase::DataConnect, "{err}");
    assert!(err.to_string().contains("127.0.0.2"), "{err}");
}

#[test]
fn data_closed_early_then_226_is_incomplete_when_size_announced_more() {
    let (server, _log) = start(Script {
        size: Some(10),
        retr: Retr::Send(b"12345", "226 Transfer complete"),
        ..Script::default()
    });
    let mut ftp = client(server.port()).connect().unwrap();
    ftp.login("u", "p").unwrap();
    let err = read_all(&mut ftp, "f").expect_err("5 of 10 bytes is not a success");
    match &err {
        Error::Incomplete {
            received, expected, ..
        } => {
            assert_eq!((*received, *expected), (5, Some(10)), "{err}");
        }
        other => panic!("{other}"),
    }
    assert!(
        err.to_string()
            .contains("5 bytes transferred of 10 announced"),
        "{err}"
    );
    ftp.noop().expect("the session is still in step");
}

#[test]
fn reply_426_after_a_partial_transfer_is_an_error() {
    let (server, _log) = start(Script {
        retr: Retr::Send(b"partial", "426 Connection closed; transfer aborted"),
        ..Script::default()
    });
    let mut ftp = client(server.port()).connect().unwrap();
    ftp.login("u", "p").unwrap();
    let err = read_all(&mut ftp, "f").expect_err("426");
    assert!(
        matches!(err, Error::Incomplete { received: 7, .. }),
        "{err}"
    );
    assert_eq!(err.reply().map(|r| r.code()), Some(426));
}

#[test]
fn silent_data_connection_hits_the_idle_deadline() {
    let (server, _log) = start(Script {
        retr: Retr::Silent,
        ..Script::default()
    });
    let mut ftp = client(server.port()).connect().unwrap();
    ftp.login("u", "p").unwrap();
    let started = Instant::now();
    let err = read_all(&mut ftp, "f").expect_err("no data ever");
    assert!(
        started.elapsed() < Duration::from_secs(1) + SLACK,
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_timeout() && err.phase() == Phase::Transfer, "{err}");
}

#[test]
fn stalled_transfer_reports_the_bytes_received() {
    let (server, _log) = start(Script {
        retr: Retr::Stall(b"0123456789"),
        ..Script::default()
    });
    let mut ftp = client(server.port()).connect().unwrap();
    ftp.login("u", "p").unwrap();
    let started = Instant::now();
    let err = read_all(&mut ftp, "f").expect_err("stalls");
    assert!(
        started.elapsed() < Duration::from_secs(1) + SLACK,
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_timeout(), "{err}");
    assert!(
        err.to_string().contains("10 bytes received so far"),
        "{err}"
    );
}

#[test]
fn refusal_on_control_while_data_is_open_is_reported_at_once() {
    let (server, _log) = start(Script {
        retr: Retr::RefuseWithDataOpen,
        ..Script::default()
    });
    let mut ftp = client(server.port())
        .idle_timeout(Duration::from_secs(30))
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    let started = Instant::now();
    let err = read_all(&mut ftp, "f").expect_err("550");
    assert!(
        started.elapsed() < SLACK,
        "must not wait for the idle deadline: {:?}",
        started.elapsed()
    );
    assert_eq!(err.reply().map(|r| r.code()), Some(550), "{err}");
    assert_eq!(err.phase(), Phase::Transfer);
}

#[test]
fn nobody_listening_on_the_passive_port_is_a_data_connect_error() {
    // A port that was free a moment ago: bind, read, drop.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = FakeServer::start(move |mut c| {
        c.send(b"220 hi\r\n");
        while let Some(line) = c.command() {
            let r = match line.split(' ').next().unwrap_or("") {
                "USER" => "230 in\r\n".to_string(),
                "FEAT" => "211 none\r\n".into(),
                "TYPE" => "200 ok\r\n".into(),
                "EPSV" => format!("229 (|||{dead}|)\r\n"),
                _ => "502 no\r\n".into(),
            };
            c.send(r.as_bytes());
        }
    });
    let mut ftp = client(server.port()).connect().unwrap();
    ftp.login("u", "p").unwrap();
    let err = read_all(&mut ftp, "f").expect_err("refused");
    assert_eq!(err.phase(), Phase::DataConnect, "{err}");
}

#[test]
fn login_reply_that_never_comes_times_out_in_login() {
    let (server, _log) = start(Script {
        login_silent: true,
        ..Script::default()
    });
    let mut ftp = client(server.port()).connect().unwrap();
    let started = Instant::now();
    let err = ftp.login("u", "p").expect_err("silent");
    assert!(started.elapsed() < Duration::from_secs(1) + SLACK);
    assert!(err.is_timeout() && err.phase() == Phase::Login, "{err}");
    // After a timeout the session cannot know which reply comes next: it refuses to go on.
    assert!(matches!(ftp.noop(), Err(Error::Broken { .. })));
}

#[test]
fn a_megabyte_reply_line_is_refused_without_growing() {
    let (server, _log) = start(Script {
        huge_reply: true,
        ..Script::default()
    });
    let mut ftp = client(server.port()).connect().unwrap();
    let err = ftp.login("u", "p").expect_err("1 MiB line");
    assert!(matches!(err, Error::Protocol { .. }), "{err}");
    assert!(err.to_string().contains("longer than 65536 bytes"), "{err}");
}

#[test]
fn active_mode_refuses_connections_from_other_hosts_until_the_right_one() {
    // The scripted server connects from 127.0.0.2 first (not the control peer), then from
    // 127.0.0.1: only the second is accepted.
    let server = FakeServer::start(|mut c| {
        c.send(b"220 hi\r\n");
        let mut target = None;
        while let Some(line) = c.command() {
            let verb = line.split(' ').next().unwrap_or("").to_string();
            let r = match verb.as_str() {
                "USER" => "230 in\r\n".to_string(),
                "FEAT" => "211 none\r\n".into(),
                "TYPE" => "200 ok\r\n".into(),
                "PORT" => {
                    let n: Vec<u16> = line[5..].split(',').map(|x| x.parse().unwrap()).collect();
                    target = Some(std::net::SocketAddr::from((
                        [127, 0, 0, 1],
                        n[4] << 8 | n[5],
                    )));
                    "200 ok\r\n".into()
                }
                "RETR" => {
                    let t = target.unwrap();
                    let intruder = socket_from("127.0.0.2", t);
                    c.send(b"150 here\r\n");
                    let _ = intruder.map(|mut s| s.write_all(b"EVIL"));
                    let mut good = socket_from("127.0.0.1", t).unwrap();
                    good.write_all(b"good").unwrap();
                    drop(good);
                    "226 done\r\n".into()
                }
                _ => "502 no\r\n".into(),
            };
            c.send(r.as_bytes());
        }
    });
    let mut ftp = client(server.port())
        .data_mode(DataMode::Active)
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    assert_eq!(read_all(&mut ftp, "f").unwrap(), b"good");
}

fn socket_from(local: &str, to: std::net::SocketAddr) -> std::io::Result<TcpStream> {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    s.bind(&std::net::SocketAddr::new(local.parse().unwrap(), 0).into())?;
    s.connect(&to.into())?;
    Ok(s.into())
}

#[test]
fn a_preliminary_reply_to_an_ordinary_command_does_not_shift_later_replies() {
    let server = FakeServer::start(|mut c| {
        c.send(b"220 hi\r\n");
        while let Some(line) = c.command() {
            let reply: &[u8] = match line.split(' ').next().unwrap_or("") {
                "USER" => b"230 in\r\n",
                "FEAT" => b"211 none\r\n",
                "SITE" => b"150 working on it\r\n200 SITE done\r\n",
                "PWD" => b"257 \"/home\" is the current directory\r\n",
                "DELE" => b"550 no such file\r\n",
                _ => b"502 no\r\n",
            };
            c.send(reply);
        }
    });
    let mut ftp = client(server.port()).connect().unwrap();
    ftp.login("u", "p").unwrap();
    assert_eq!(ftp.site("EXEC long-job").unwrap().code(), 200);
    assert_eq!(ftp.pwd().unwrap(), "/home");
    let err = ftp.delete("x").expect_err("550 must belong to DELE");
    assert_eq!(err.reply().map(|r| r.code()), Some(550), "{err}");
}

#[test]
fn raw_refuses_commands_that_need_a_data_connection() {
    let (server, log) = start(Script::default());
    let mut ftp = client(server.port()).connect().unwrap();
    ftp.login("u", "p").unwrap();
    for cmd in ["LIST", "retr f", "PASV", "STOR x"] {
        let err = ftp.raw(cmd).expect_err("data command");
        assert!(matches!(err, Error::InvalidArgument { .. }), "{cmd}: {err}");
    }
    ftp.noop().unwrap();
    drop(ftp);
    drop(server);
    let cmds: Vec<String> = log.try_iter().collect();
    assert!(
        !cmds
            .iter()
            .any(|c| c.starts_with("LIST") || c.starts_with("PASV")),
        "{cmds:?}"
    );
}

#[test]
fn retr_completed_without_a_data_connection_is_not_a_download() {
    let server = FakeServer::start(|mut c| {
        c.send(b"220 hi\r\n");
        let data = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = data.local_addr().unwrap().port();
        while let Some(line) = c.command() {
            let reply = match line.split(' ').next().unwrap_or("") {
                "USER" => "230 in\r\n".to_string(),
                "FEAT" => "211 none\r\n".into(),
                "TYPE" | "NOOP" => "200 ok\r\n".into(),
                "EPSV" => format!("229 (|||{port}|)\r\n"),
                // Accepted and closed without a byte, and no 1xx: "done".
                "RETR" => "226 nothing to send\r\n".into(),
                _ => "502 no\r\n".into(),
            };
            c.send(reply.as_bytes());
        }
    });
    let mut ftp = client(server.port()).connect().unwrap();
    ftp.login("u", "p").unwrap();
    let err = read_all(&mut ftp, "f").expect_err("no data connection");
    assert!(matches!(err, Error::Protocol { .. }), "{err}");
    ftp.noop().expect("the session is still in step");
}
