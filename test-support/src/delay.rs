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
use std::sync::{mpsc, Arc, Mutex};
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
    link: Arc<Link>,
}

/// What every connection through one proxy shares: the delay and rate (changeable while it
/// runs), one serialising "wire" per direction for the rate cap, and the counters.
#[derive(Default)]
struct Link {
    one_way_ns: AtomicU64,
    /// Bits per second; 0 means no cap.
    rate: AtomicU64,
    /// When each direction's wire is free again (client to server, server to client).
    wire_free: [Mutex<Option<Instant>>; 2],
    bytes: AtomicU64,
    chunks: AtomicU64,
    flights: AtomicU64,
}

impl Link {
    /// When a chunk of `len` bytes read now in direction `dir` is due at the other end.
    fn due(&self, dir: usize, len: usize) -> Instant {
        let arrival =
            Instant::now() + Duration::from_nanos(self.one_way_ns.load(Ordering::Relaxed));
        let rate = self.rate.load(Ordering::Relaxed);
        if rate == 0 {
            return arrival;
        }
        let on_wire = Duration::from_nanos(len as u64 * 8 * 1_000_000_000 / rate);
        let mut free = self.wire_free[dir]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let start = free.map_or(arrival, |f| f.max(arrival));
        *free = Some(start + on_wire);
        start + on_wire
    }
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
        let link = Arc::new(Link::default());
        link.one_way_ns
            .store(one_way.as_nanos() as u64, Ordering::Relaxed);
        let mut threads = Vec::new();
        let ports: Vec<u16> = ports.into_iter().collect();
        for &port in &ports {
            let listener = TcpListener::bind(SocketAddr::new(listen, port))?;
            let (stop, link) = (stop.clone(), link.clone());
            threads.push(thread::spawn(move || {
                accept_loop(listener, SocketAddr::new(target, port), stop, link)
            }));
        }
        Ok(DelayProxy {
            listen,
            ports,
            stop,
            threads,
            link,
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

    /// Changes the delay for chunks read from now on, and caps each direction at
    /// `rate_bits_per_s` (a serialising link shared by every connection; `None`: no cap).
    pub fn set(&self, one_way: Duration, rate_bits_per_s: Option<u64>) {
        self.link
            .one_way_ns
            .store(one_way.as_nanos() as u64, Ordering::Relaxed);
        self.link
            .rate
            .store(rate_bits_per_s.unwrap_or(0), Ordering::Relaxed);
    }

    /// Bytes forwarded so far, both directions.
    pub fn bytes(&self) -> u64 {
        self.link.bytes.load(Ordering::Relaxed)
    }

    /// Chunks forwarded so far (each read becomes one delayed write).
    pub fn chunks(&self) -> u64 {
        self.link.chunks.load(Ordering::Relaxed)
    }

    /// The client's turns so far, summed over its connections: on each connection, every
    /// chunk the client sends after the server sent something since the client's last one.
    /// That is how often a client waited for the other side (connecting is free through
    /// this proxy, so it does not count).
    pub fn round_trips(&self) -> u64 {
        self.link.flights.load(Ordering::Relaxed)
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

fn accept_loop(listener: TcpListener, target: SocketAddr, stop: Arc<AtomicBool>, link: Arc<Link>) {
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
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                // Whether the server sent something since the client's last chunk.
                let server_spoke = Arc::new(AtomicBool::new(false));
                for (dir, from, to) in [(0, &client, &server), (1, &server, &client)] {
                    if let (Ok(from), Ok(to)) = (from.try_clone(), to.try_clone()) {
                        let turn = Turn {
                            dir,
                            server_spoke: server_spoke.clone(),
                        };
                        pipes.push(pipe(from, to, link.clone(), turn));
                    }
                }
            }
            Err(_) => break,
        }
        pipes.retain(|p: &JoinHandle<()>| !p.is_finished());
    }
}

/// Which way a pipe carries data (0: client to server), and the connection's turn flag.
struct Turn {
    dir: usize,
    server_spoke: Arc<AtomicBool>,
}

impl Turn {
    fn chunk(&self, link: &Link) {
        if self.dir == 1 {
            self.server_spoke.store(true, Ordering::Relaxed);
        } else if self.server_spoke.swap(false, Ordering::Relaxed) {
            link.flights.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One direction: a reader that stamps each chunk with its due time, and a writer that
/// sends it then. End of stream is delayed like data.
fn pipe(mut from: TcpStream, to: TcpStream, link: Arc<Link>, turn: Turn) -> JoinHandle<()> {
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
                    let _ = tx.send((link.due(turn.dir, 0), None));
                    break;
                }
                Ok(n) => {
                    link.bytes.fetch_add(n as u64, Ordering::Relaxed);
                    link.chunks.fetch_add(1, Ordering::Relaxed);
                    turn.chunk(&link);
                    if tx
                        .send((link.due(turn.dir, n), Some(buf[..n].to_vec())))
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
