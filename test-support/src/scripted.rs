//! A scripted FTP server built from a closure: the defaults answer like a plain, well
//! behaved server, and the test's handler overrides the commands whose misbehaviour it
//! simulates. One connection; see [`crate::fake::FakeServer`].

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{channel, Receiver, Sender};

use crate::fake::{Conn, FakeServer};

/// What a scripted server's handler sees: the control connection, its passive listener and
/// the data connections it keeps open.
pub struct Ctx {
    pub data: TcpListener,
    pub port: u16,
    pub held: Vec<TcpStream>,
}

impl Ctx {
    pub fn accept(&mut self) -> TcpStream {
        self.data.accept().unwrap().0
    }
}

/// Runs a small FTP server: `handler` answers each command (`Some(reply)`, CRLF added), or
/// leaves it to the defaults (`None`): USER 331, PASS 230, FEAT with SIZE, TYPE 200,
/// EPSV 229, QUIT 221. Every command is sent to `log`.
pub fn serve(
    mut c: Conn,
    greeting: &str,
    log: Sender<String>,
    mut handler: impl FnMut(&mut Conn, &mut Ctx, &str, &str) -> Option<String>,
) {
    c.send(format!("{greeting}\r\n").as_bytes());
    let data = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = data.local_addr().unwrap().port();
    let mut ctx = Ctx {
        data,
        port,
        held: Vec::new(),
    };
    while let Some(line) = c.command() {
        let _ = log.send(line.clone());
        let (verb, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let verb = verb.to_ascii_uppercase();
        let reply = match handler(&mut c, &mut ctx, &verb, arg) {
            Some(r) => r,
            None => match verb.as_str() {
                "USER" => "331 password please".into(),
                "PASS" => "230 logged in".into(),
                "FEAT" => "211-Features:\r\n SIZE\r\n REST STREAM\r\n211 End".into(),
                "TYPE" | "NOOP" => "200 ok".into(),
                "EPSV" => format!("229 Entering Extended Passive Mode (|||{}|)", ctx.port),
                "QUIT" => {
                    c.send(b"221 bye\r\n");
                    return;
                }
                _ => "502 not here".into(),
            },
        };
        if reply.is_empty() {
            continue;
        }
        c.send(format!("{reply}\r\n").as_bytes());
    }
}

/// A server running `handler`, and the commands it received.
pub fn server(
    greeting: &'static str,
    handler: impl FnMut(&mut Conn, &mut Ctx, &str, &str) -> Option<String> + Send + 'static,
) -> (FakeServer, Receiver<String>) {
    let (tx, rx) = channel();
    let s = FakeServer::start(move |c| serve(c, greeting, tx, handler));
    (s, rx)
}

pub fn commands(rx: &Receiver<String>) -> Vec<String> {
    rx.try_iter().collect()
}

pub fn verbs(rx: &Receiver<String>) -> Vec<String> {
    commands(rx)
        .iter()
        .map(|l| l.split(' ').next().unwrap_or("").to_string())
        .collect()
}

/// Sends `body` over a new data connection, closes it, and returns the final reply.
pub fn send_data(c: &mut Conn, ctx: &mut Ctx, body: &[u8], fin: &str) -> Option<String> {
    let mut d = ctx.accept();
    c.send(b"150 Opening BINARY mode data connection\r\n");
    let _ = d.write_all(body);
    drop(d);
    Some(fin.into())
}
