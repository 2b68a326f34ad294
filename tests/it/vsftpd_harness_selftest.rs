//! Self-test of the vsftpd harness in `ftpkit_test_support::vsftpd`, using a raw
//! TCP control connection (no dependency on the client library).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::Path;
use std::time::Duration;

use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A minimal FTP control connection.
struct Control {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Control {
    /// Connects and returns the connection plus the greeting.
    fn connect(addr: SocketAddr) -> (Self, String) {
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        let writer = stream.try_clone().unwrap();
        let mut control = Control {
            reader: BufReader::new(stream),
            writer,
        };
        let greeting = control.reply();
        (control, greeting)
    }

    /// Reads one (possibly multi-line) reply; returns all of its text.
    fn reply(&mut self) -> String {
        let mut text = String::new();
        let mut code = None;
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).expect("read reply");
            assert!(n > 0, "connection closed; reply so far: {text:?}");
            text.push_str(&line);
            match code {
                None if line.len() >= 4 && line.as_bytes()[3] == b'-' => {
                    code = Some(line[..3].to_owned());
                }
                None => return text,
                Some(ref c) if line.starts_with(&format!("{c} ")) => return text,
                Some(_) => {}
            }
        }
    }

    fn cmd(&mut self, command: &str) -> String {
        self.writer
            .write_all(format!("{command}\r\n").as_bytes())
            .expect("send command");
        self.reply()
    }

    fn login(&mut self, server: &Vsftpd) {
        let reply = self.cmd(&format!("USER {}", server.user()));
        assert!(reply.starts_with("331"), "USER: {reply}");
        let reply = self.cmd(&format!("PASS {}", server.password()));
        assert!(reply.starts_with("230"), "PASS: {reply}");
    }

    /// Enters passive mode and connects the data connection.
    fn pasv(&mut self) -> TcpStream {
        let reply = self.cmd("PASV");
        assert!(reply.starts_with("227"), "PASV: {reply}");
        let inner = &reply[reply.find('(').unwrap() + 1..reply.find(')').unwrap()];
        let n: Vec<u16> = inner
            .split(',')
            .map(|s| s.trim().parse().unwrap())
            .collect();
        assert_eq!(&n[..4], &[127, 0, 0, 1], "PASV address: {reply}");
        let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, n[4] * 256 + n[5]));
        let data = TcpStream::connect_timeout(&addr, TIMEOUT).expect("data connect");
        data.set_read_timeout(Some(TIMEOUT)).unwrap();
        data
    }
}

#[test]
fn login_pwd_quit() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    assert_eq!(server.addr().port(), server.port());
    assert!(server.addr().ip().is_loopback());

    let (mut control, greeting) = Control::connect(server.addr());
    assert!(greeting.starts_with("220"), "greeting: {greeting}");
    control.login(&server);
    let reply = control.cmd("PWD");
    assert!(reply.starts_with("257 \"/\""), "PWD: {reply}");
    let reply = control.cmd("QUIT");
    assert!(reply.starts_with("221"), "QUIT: {reply}");

    let log = server.log();
    assert!(log.contains("\"PWD\""), "log: {log}");
    assert!(log.contains("257 \"/\""), "log: {log}");
}

#[test]
fn two_servers_at_once() {
    if !require_vsftpd() {
        return;
    }
    let a = Vsftpd::start();
    let b = Vsftpd::start();
    assert_ne!(a.port(), b.port());
    assert_ne!(a.root(), b.root());
    assert_ne!(a.pid(), b.pid());
    for server in [&a, &b] {
        let (mut control, greeting) = Control::connect(server.addr());
        assert!(greeting.starts_with("220"), "greeting: {greeting}");
        control.login(server);
        control.cmd("QUIT");
    }
}

#[test]
fn root_is_slash_and_uploads_work() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    server.write_file("/sub/hello.txt", b"hello");
    // Created as root; chown_tree hands it to the FTP user.
    std::fs::create_dir(server.root().join("made-by-test")).unwrap();
    server.chown_tree();

    let (mut control, _) = Control::connect(server.addr());
    control.login(&server);
    let reply = control.cmd("TYPE I");
    assert!(reply.starts_with("200"), "TYPE: {reply}");
    let reply = control.cmd("SIZE /sub/hello.txt");
    assert!(reply.starts_with("213 5"), "SIZE: {reply}");

    // Download over passive mode.
    let mut data = control.pasv();
    let reply = control.cmd("RETR /sub/hello.txt");
    assert!(reply.starts_with("150"), "RETR: {reply}");
    let mut body = Vec::new();
    data.read_to_end(&mut body).unwrap();
    assert_eq!(body, b"hello");
    let reply = control.reply();
    assert!(reply.starts_with("226"), "RETR end: {reply}");

    // Upload into directories created by the test.
    for dir in ["sub", "made-by-test"] {
        let mut data = control.pasv();
        let reply = control.cmd(&format!("STOR /{dir}/up.bin"));
        assert!(reply.starts_with("150"), "STOR: {reply}\n{}", server.log());
        data.write_all(b"uploaded").unwrap();
        drop(data);
        let reply = control.reply();
        assert!(reply.starts_with("226"), "STOR end: {reply}");
        let local = server.root().join(dir).join("up.bin");
        assert_eq!(std::fs::read(&local).unwrap(), b"uploaded");
    }

    let reply = control.cmd("MKD /sub/newdir");
    assert!(reply.starts_with("257"), "MKD: {reply}");
    assert!(server.root().join("sub/newdir").is_dir());
    control.cmd("QUIT");
}

#[test]
fn options_override_defaults() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::builder()
        .option("ftpd_banner", "harness banner check")
        .option("write_enable", "NO")
        .start();
    let config = std::fs::read_to_string(server.config_path()).unwrap();
    assert!(config.contains("\nwrite_enable=NO\n"), "{config}");
    assert!(!config.contains("write_enable=YES"), "{config}");

    let (mut control, greeting) = Control::connect(server.addr());
    assert_eq!(greeting.trim_end(), "220 harness banner check");
    control.login(&server);
    let reply = control.cmd("MKD /nope");
    assert!(
        reply.starts_with("550"),
        "MKD with write_enable=NO: {reply}"
    );
    control.cmd("QUIT");
}

#[test]
fn drop_stops_server_and_sessions() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let pid = server.pid();
    let dir = server.dir().to_path_buf();
    let (mut control, _) = Control::connect(server.addr());
    control.login(&server);

    drop(server);

    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "vsftpd still running"
    );
    assert!(!dir.exists(), "temp dir not removed");
    // The session process dies with the listener: the connection gets closed.
    let mut rest = Vec::new();
    let closed = control.reader.read_to_end(&mut rest);
    assert!(
        closed.is_ok()
            || closed
                .as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "session still alive: {closed:?}"
    );
}
