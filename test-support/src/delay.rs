//! A TCP proxy that adds latency, for measuring clients over a "long link" on loopback (the
//! kernel here has no netem).
//!
//! [`DelayProxy`] listens on a second loopback address (127.0.0.2 by default) on the same
//! port numbers as the server it fronts on 127.0.0.1, the control port and a whole passive
//! range, and holds every chunk it forwards for `one_way` in each direction: the round
//! trip grows by twice that. A server told to announce 127.0.0.2 (vsftpd `pasv_address`)
//! and clients that replace the PASV address with the control peer both go through it.
//! TCP's own handshake is answered locally by the proxy, so connecting costs nothing: what
//! is delayed is every byte, which is what FTP's request/response turns wait on.
//!
//! The delay is the simulated link, not synchronisation: each direction has a reader that
//! stamps chunks with their due time and a writer that sends them when it comes.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The address the proxy listens on in [`DelayProxy::loopback`]: a second loopback address.
pub const PROXY_ADDR: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// A run of `n` consecutive ports free on both 127.0.0.1 and [`PROXY_ADDR`], for a server's
/// passive range and the proxy in front of it; `None` when there is none.
pub fn free_port_range(n: u16) -> Option<(u16, u16)> {
    (20_000..60_000).step_by(97).find_map(|start| {
        (start..start + n)
            .all(|p| {
                TcpListener::bind((Ipv4Addr::LOCALHOST, p)).is_ok()
                    && TcpListener::bind(SocketAddr::new(PROXY_ADDR, p)).is_ok()
            })
            .then_some((start, start + n - 1))
    })
}

/// A running latency proxy; stopped when dropped.
pub struct DelayProxy {
    listen: IpAddr,
    ports: Vec<u16>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    bytes: Arc<AtomicU64>,
    chunks: Arc<AtomicU64>,
}

impl DelayProxy {
    /// Forwards `listen:p` to `target:p` for every port `p` in `ports`, holding each chunk
    /// for `one_way` in each direction.
    pub fn start(
        listen: IpAddr,
        target: IpAddr,
        ports: impl IntoIterator<Item = u16>,
        one_way: Duration,
    ) -> io::Result<DelayProxy> {
        let stop = Arc::new(AtomicBool::new(false));
        let bytes = Arc::new(AtomicU64::new(0));
        let chunks = Arc::new(AtomicU64::new(0));
        let mut threads = Vec::new();
        let ports: Vec<u16> = ports.into_iter().collect();
        for &port in &ports {
            let listener = TcpListener::bind(SocketAddr::new(listen, port))?;
            let (stop, bytes, chunks) = (stop.clone(), bytes.clone(), chunks.clone());
            threads.push(thread::spawn(move || {
                accept_loop(
                    listener,
                    SocketAddr::new(target, port),
                    one_way,
                    stop,
                    bytes,
                    chunks,
                )
            }));
        }
        Ok(DelayProxy {
            listen,
            ports,
            stop,
            threads,
            bytes,
            chunks,
        })
    }

    /// The usual set-up: 127.0.0.2 in front of 127.0.0.1.
    pub fn loopback(
        ports: impl IntoIterator<Item = u16>,
        one_way: Duration,
    ) -> io::Result<DelayProxy> {
        DelayProxy::start(PROXY_ADDR, IpAddr::V4(Ipv4Addr::LOCALHOST), ports, one_way)
    }

    /// The address clients connect to.
    pub fn addr(&self) -> IpAddr {
        self.listen
    }

    /// Bytes forwarded so far, both directions.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Chunks forwarded so far (each read becomes one delayed write).
    pub fn chunks(&self) -> u64 {
        self.chunks.load(Ordering::Relaxed)
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake every blocked accept; each loop then sees the flag and ends.
        for &port in &self.ports {
            let _ = TcpStream::connect_timeout(
                &SocketAddr::new(self.listen, port),
                Duration::from_secs(1),
            );
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    one_way: Duration,
    stop: Arc<AtomicBool>,
    bytes: Arc<AtomicU64>,
    chunks: Arc<AtomicU64>,
) {
    let mut pipes = Vec::new();
    loop {
        let accepted = listener.accept();
        if stop.load(Ordering::Relaxed) {
            break;
        }
        match accepted {
            Ok((client, _)) => {
                let Ok(server) = TcpStream::connect_timeout(&target, Duration::from_secs(5)) else {
                    continue;
                };
                for (from, to) in [(&client, &server), (&server, &client)] {
                    if let (Ok(from), Ok(to)) = (from.try_clone(), to.try_clone()) {
                        let (bytes, chunks) = (bytes.clone(), chunks.clone());
                        pipes.push(pipe(from, to, one_way, bytes, chunks));
                    }
                }
            }
            Err(_) => break,
        }
        pipes.retain(|p: &JoinHandle<()>| !p.is_finished());
    }
}

/// One direction: a reader that stamps each chunk with its due time, and a writer that
/// sends it then. End of stream is delayed like data.
fn pipe(
    mut from: TcpStream,
    to: TcpStream,
    one_way: Duration,
    bytes: Arc<AtomicU64>,
    chunks: Arc<AtomicU64>,
) -> JoinHandle<()> {
    let (tx, rx) = mpsc::channel::<(Instant, Option<Vec<u8>>)>();
    let mut writer_to = to;
    let writer = thread::spawn(move || {
        for (due, chunk) in rx {
            let now = Instant::now();
            if due > now {
                thread::sleep(due - now);
            }
            match chunk {
                Some(data) => {
                    if writer_to.write_all(&data).is_err() {
                        break;
                    }
                }
                None => {
                    let _ = writer_to.shutdown(Shutdown::Write);
                    break;
                }
            }
        }
    });
    thread::spawn(move || {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send((Instant::now() + one_way, None));
                    break;
                }
                Ok(n) => {
                    bytes.fetch_add(n as u64, Ordering::Relaxed);
                    chunks.fetch_add(1, Ordering::Relaxed);
                    if tx
                        .send((Instant::now() + one_way, Some(buf[..n].to_vec())))
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
        let _ = writer.join();
    })
}

/// One FTP command's round trip to the server at `addr`: connect, read the greeting, then
/// time `NOOP` until its reply. Through a [`DelayProxy`] it is the base round trip plus
/// twice the proxy's delay; the bench prints it as its calibration.
pub fn ftp_rtt(addr: SocketAddr) -> io::Result<Duration> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut line = Vec::new();
    read_line(&mut s, &mut line)?;
    let t = Instant::now();
    s.write_all(b"NOOP\r\n")?;
    read_line(&mut s, &mut line)?;
    let rtt = t.elapsed();
    let _ = s.write_all(b"QUIT\r\n");
    Ok(rtt)
}

fn read_line(s: &mut TcpStream, line: &mut Vec<u8>) -> io::Result<()> {
    line.clear();
    let mut b = [0u8; 1];
    while !line.ends_with(b"\n") {
        s.read_exact(&mut b)?;
        line.push(b[0]);
    }
    Ok(())
}
