//! A scripted FTP server for fault injection: one connection on 127.0.0.1, an ephemeral
//! port, and a script that decides what the "server" says (or does not say).
//!
//! The script receives the accepted connection and a stop signal; a script that simulates a
//! silent server waits on the signal, which the handle sends when dropped, so no thread
//! outlives the test.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;

/// What a script gets: the control connection and the stop signal.
pub struct Conn {
    /// The accepted control connection.
    pub stream: TcpStream,
    reader: BufReader<TcpStream>,
    stop: Receiver<()>,
}

impl Conn {
    /// Sends raw bytes (one write).
    pub fn send(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    /// Reads one command line (without CRLF); `None` when the client closed.
    pub fn command(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end().to_string()),
        }
    }

    /// The next command line if one is already waiting, else `None` at once (never blocks
    /// for a command that has not been sent): lets a script answer commands while it is busy
    /// with a transfer, as ProFTPD does.
    pub fn poll_command(&mut self) -> Option<String> {
        if self.reader.buffer().is_empty() {
            self.stream.set_nonblocking(true).ok()?;
            let waiting = self.stream.peek(&mut [0u8; 1]);
            let _ = self.stream.set_nonblocking(false);
            if !matches!(waiting, Ok(n) if n > 0) {
                return None;
            }
        }
        self.command()
    }

    /// Pauses the script for `d` (the fault being simulated: a slow server); false once the
    /// test has ended, so the script can stop early.
    pub fn pause(&self, d: std::time::Duration) -> bool {
        matches!(
            self.stop.recv_timeout(d),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout)
        )
    }

    /// Blocks until the test ends: the silent server.
    pub fn silence(self) {
        let _ = self.stop.recv();
    }
}

/// A running scripted server.
pub struct FakeServer {
    addr: SocketAddr,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Starts a server that runs `script` on the first connection.
    pub fn start(script: impl FnOnce(Conn) + Send + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = channel();
        let thread = std::thread::spawn(move || {
            if let Ok((stream, _)) = listener.accept() {
                let reader = BufReader::new(stream.try_clone().unwrap());
                script(Conn {
                    stream,
                    reader,
                    stop: rx,
                });
            }
        });
        FakeServer {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// Starts a server that runs `script` on every connection, each in its own thread,
    /// until the handle is dropped.
    pub fn start_many(script: impl Fn(Conn) + Send + Sync + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = channel::<()>();
        let script = std::sync::Arc::new(script);
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            let mut stops = Vec::new();
            for stream in listener.incoming() {
                // The stop signal is a dropped sender: a closed channel ends the loop.
                if matches!(
                    rx.try_recv(),
                    Err(std::sync::mpsc::TryRecvError::Disconnected)
                ) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (wtx, wrx) = channel();
                stops.push(wtx);
                let script = script.clone();
                workers.push(std::thread::spawn(move || {
                    let reader = BufReader::new(stream.try_clone().unwrap());
                    script(Conn {
                        stream,
                        reader,
                        stop: wrx,
                    });
                }));
            }
            drop(stops);
            for w in workers {
                let _ = w.join();
            }
        });
        FakeServer {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        drop(self.stop.take());
        // A script still blocked in accept (the client never came) is released by a
        // throwaway connection.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The incident's server: plain FTP works (login, FEAT, EPSV, LIST of one file); `AUTH TLS`
/// gets `234` and then silence. Use with [`FakeServer::start_many`].
pub fn incident_server(mut c: Conn) {
    c.send(b"220 incident server\r\n");
    let data = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = data.local_addr().unwrap().port();
    while let Some(line) = c.command() {
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply = match verb.as_str() {
            "AUTH" => {
                c.send(b"234 Security data exchange complete\r\n");
                c.silence();
                return;
            }
            "USER" => "331 pass\r\n".to_string(),
            "PASS" => "230 in\r\n".into(),
            "FEAT" => "211-Features:\r\n AUTH TLS\r\n EPSV\r\n211 End\r\n".into(),
            "TYPE" | "NOOP" => "200 ok\r\n".into(),
            "EPSV" => format!("229 (|||{port}|)\r\n"),
            "LIST" => {
                let (mut d, _) = data.accept().unwrap();
                c.send(b"150 listing\r\n");
                std::io::Write::write_all(&mut d, b"-rw-r--r-- 1 ftp ftp 3 Jan 01 2024 a.txt\r\n")
                    .unwrap();
                drop(d);
                "226 done\r\n".into()
            }
            "QUIT" => {
                c.send(b"221 bye\r\n");
                return;
            }
            _ => "502 no\r\n".into(),
        };
        c.send(reply.as_bytes());
    }
}
