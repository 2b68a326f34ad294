//! A simulated WAN link on loopback, for the bench: a private network namespace in which
//! every packet of a connection to [`DELAYED_ADDR`] (127.0.0.2) is held in user space for a
//! one-way delay (and optionally paced to a link rate) before the kernel delivers it, while
//! 127.0.0.1 stays undelayed.
//!
//! The kernel here has no netem, so the delay is an iptables `NFQUEUE` on `INPUT` of `lo`
//! (queued on `OUTPUT`, packets still count against the sender's TCP small-queue budget),
//! consumed by [`Delay`], a thread of the bench itself speaking netfilter-queue netlink
//! directly. Because whole packets are delayed, the path behaves like a real one: connect()
//! costs a round trip, slow start and window limits apply, delayed ACKs and Nagle interact
//! as they would on a WAN.
//!
//! Layout inside the namespace (made by [`reexec_in_namespace`]):
//! - `lo` up with MTU 1500, so segments are WAN-sized;
//! - `nat OUTPUT -d 127.0.0.2 -p tcp -j DNAT --to-destination 127.0.0.1`: servers listen on
//!   127.0.0.1 only, announce 127.0.0.2 as their PASV address, and every port of 127.0.0.2
//!   reaches the same port of 127.0.0.1. The server sees the client as 127.0.0.1 on control
//!   and data connections alike (so vsftpd's same-IP check for data connections passes);
//! - added by [`Delay::start`], removed by its drop:
//!   `INPUT -i lo -p tcp -m conntrack --ctorigdst 127.0.0.2 -j NFQUEUE --queue-num 7`, which
//!   catches both directions of those connections (fail-closed: if the consumer dies, the
//!   traffic stops rather than silently going undelayed).
//!
//! Use from `main`:
//! ```ignore
//! if let Some(status) = netns::reexec_in_namespace()? { std::process::exit(netns::exit_code(status)); }
//! let delay = netns::Delay::start(Duration::from_millis(10))?; // RTT 20 ms to 127.0.0.2
//! ```
//! `cargo run --release -p ftpkit-bench --example netns_check` runs [`self_check`] (root).

// Callers use parts of this (main the namespace and the delay, the example the self-check).
#![allow(dead_code)]

use std::collections::{BinaryHeap, HashMap};
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Set (to the namespace's name) in the re-executed bench: we are inside.
pub const ENV: &str = "FTPKIT_BENCH_NETNS";
/// The delayed address: connections to it reach 127.0.0.1 with the same port.
pub const DELAYED_ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// Namespace names are `ftpkit-bench-<pid>-<n>`.
const NS_PREFIX: &str = "ftpkit-bench-";
/// The netfilter queue [`Delay`] consumes (queues are per namespace).
const QUEUE_NUM: u16 = 7;
/// Packets the kernel holds for us at most (then it drops: fail-open is off).
const QUEUE_MAX_LEN: u32 = 65_536;
/// Bytes of each packet copied to us: IPv4 + TCP headers with options.
const COPY_RANGE: u32 = 128;
/// Tags the rule [`Delay`] adds, so its removal cannot hit another rule.
const RULE_COMMENT: &str = "ftpkit-bench-delay";

// ---------------------------------------------------------------------------------------
// The namespace
// ---------------------------------------------------------------------------------------

/// Runs the current executable, with the same arguments, inside a fresh network namespace
/// set up as described in the module docs, and returns its exit status once it has ended
/// and the namespace is deleted (always, also on error). Returns `Ok(None)` when already
/// inside (the [`ENV`] variable is set): then go on with the real work.
///
/// While the child runs, this process ignores SIGINT and SIGQUIT (the child gets them from
/// the terminal as usual, with their default action), so Ctrl-C still deletes the namespace.
pub fn reexec_in_namespace() -> io::Result<Option<ExitStatus>> {
    if std::env::var_os(ENV).is_some() {
        return Ok(None);
    }
    // Resolved here: `/proc/self/exe` read by `ip` would be `ip` itself.
    let exe = std::env::current_exe()?;
    remove_stale_namespaces();
    let ns = Namespace::create()?;
    ns.setup()?;
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &ns.name])
        .arg(&exe)
        .args(std::env::args_os().skip(1))
        .env(ENV, &ns.name)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    // SAFETY: signal() is async-signal-safe; the child gets back the default actions that
    // the parent sets aside below.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGQUIT, libc::SIG_DFL);
            Ok(())
        });
    }
    // SAFETY: plain disposition changes, restored below.
    let (old_int, old_quit) = unsafe {
        (
            libc::signal(libc::SIGINT, libc::SIG_IGN),
            libc::signal(libc::SIGQUIT, libc::SIG_IGN),
        )
    };
    let status = cmd.spawn().and_then(|mut child| child.wait());
    // SAFETY: as above.
    unsafe {
        libc::signal(libc::SIGINT, old_int);
        libc::signal(libc::SIGQUIT, old_quit);
    }
    let status = status.map_err(|e| io::Error::new(e.kind(), format!("ip netns exec: {e}")))?;
    ns.delete()?;
    Ok(Some(status))
}

/// The name of the namespace we run in, if [`reexec_in_namespace`] put us there.
pub fn inside_namespace() -> Option<String> {
    std::env::var(ENV).ok().filter(|n| !n.is_empty())
}

/// The exit code to leave with for the re-executed child's `status` (128 + signal when it
/// was killed, like a shell).
pub fn exit_code(status: ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

/// A namespace we created; deleted on drop if [`Namespace::delete`] was not called.
struct Namespace {
    name: String,
    deleted: bool,
}

impl Namespace {
    fn create() -> io::Result<Namespace> {
        let pid = std::process::id();
        let mut last = None;
        for n in 0..16 {
            let name = format!("{NS_PREFIX}{pid}-{n}");
            match run(Command::new("ip").args(["netns", "add", &name])) {
                Ok(()) => {
                    return Ok(Namespace {
                        name,
                        deleted: false,
                    })
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("ip netns add failed")))
    }

    fn setup(&self) -> io::Result<()> {
        let name = self.name.as_str();
        run(Command::new("ip").args(["-n", name, "link", "set", "lo", "mtu", "1500", "up"]))?;
        run(Command::new("ip").args(["netns", "exec", name]).args([
            "iptables",
            "-w",
            "-t",
            "nat",
            "-A",
            "OUTPUT",
            "-d",
            "127.0.0.2/32",
            "-p",
            "tcp",
            "-j",
            "DNAT",
            "--to-destination",
            "127.0.0.1",
        ]))
    }

    fn delete(mut self) -> io::Result<()> {
        self.deleted = true;
        run(Command::new("ip").args(["netns", "del", &self.name]))
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        if !self.deleted {
            if let Err(e) = run(Command::new("ip").args(["netns", "del", &self.name])) {
                eprintln!("netns: cannot delete namespace {}: {e}", self.name);
            }
        }
    }
}

/// Deletes namespaces of ours whose creator is gone (a bench killed with SIGKILL).
fn remove_stale_namespaces() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let pid = name
            .strip_prefix(NS_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = run(Command::new("ip").args(["netns", "del", name]));
            }
        }
    }
}

/// Runs `cmd` to completion; an error carrying its stderr if it fails.
fn run(cmd: &mut Command) -> io::Result<()> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("{}: {e}", cmd.get_program().to_string_lossy()),
        )
    })?;
    if out.status.success() {
        return Ok(());
    }
    let args: Vec<OsString> = std::iter::once(cmd.get_program().to_owned())
        .chain(cmd.get_args().map(|a| a.to_owned()))
        .collect();
    Err(io::Error::other(format!(
        "{} failed ({}): {}",
        args.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

// ---------------------------------------------------------------------------------------
// The delay
// ---------------------------------------------------------------------------------------

/// The NFQUEUE consumer that makes the link: every queued packet (both directions of every
/// TCP connection to [`DELAYED_ADDR`]) is accepted `one_way` after it arrived; with a rate
/// cap, each direction is also a serialising link (a packet leaves the link its size / rate
/// after the previous one, then travels `one_way`). Runs in a thread of this process, which
/// must be inside the namespace. Dropping it removes its iptables rule, lets every held
/// packet go and stops the thread.
pub struct Delay {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    rule: bool,
}

struct Shared {
    stop: AtomicBool,
    one_way_ns: AtomicU64,
    /// 0 = no cap.
    rate_bps: AtomicU64,
    packets: AtomicU64,
    round_trips: AtomicU64,
    error: Mutex<Option<String>>,
}

impl Delay {
    /// Binds the queue, starts the thread and adds the rule. Fails outside the namespace
    /// (it never touches the host's iptables).
    pub fn start(one_way: Duration) -> io::Result<Delay> {
        if inside_namespace().is_none() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("netns::Delay: not inside the bench's namespace ({ENV} is unset)"),
            ));
        }
        let sock = NfQueue::open(QUEUE_NUM)?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            one_way_ns: AtomicU64::new(one_way.as_nanos() as u64),
            rate_bps: AtomicU64::new(0),
            packets: AtomicU64::new(0),
            round_trips: AtomicU64::new(0),
            error: Mutex::new(None),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("netns-delay".into())
                .spawn(move || {
                    if let Err(e) = delay_loop(&sock, &shared) {
                        eprintln!("netns::Delay: the delay thread stopped: {e}");
                        *shared.error.lock().unwrap() = Some(e.to_string());
                    }
                })?
        };
        let mut delay = Delay {
            shared,
            thread: Some(thread),
            rule: false,
        };
        iptables_rule("-A")?;
        delay.rule = true;
        Ok(delay)
    }

    /// Changes the link for packets arriving from now on: one-way delay and, per direction,
    /// a rate cap in bits per second (`None`: unlimited).
    pub fn set(&self, one_way: Duration, rate_bits_per_s: Option<u64>) {
        self.shared
            .one_way_ns
            .store(one_way.as_nanos() as u64, Ordering::Relaxed);
        self.shared
            .rate_bps
            .store(rate_bits_per_s.unwrap_or(0), Ordering::Relaxed);
    }

    /// Packets delayed so far.
    pub fn packets(&self) -> u64 {
        self.shared.packets.load(Ordering::Relaxed)
    }

    /// Client flights so far, summed over connections: 1 for each SYN, then 1 each time the
    /// client (the side that sent the SYN) sends payload after the server sent payload (or
    /// its SYN-ACK). Pure ACKs do not count. Connections opened before [`Delay::start`] are
    /// not counted.
    pub fn round_trips(&self) -> u64 {
        self.shared.round_trips.load(Ordering::Relaxed)
    }

    /// Sets [`Delay::packets`] and [`Delay::round_trips`] back to zero.
    pub fn reset(&self) {
        self.shared.packets.store(0, Ordering::Relaxed);
        self.shared.round_trips.store(0, Ordering::Relaxed);
    }

    /// Why the delay thread stopped, if it did (the link is then down: queued packets are
    /// dropped by the kernel until the drop removes the rule).
    pub fn error(&self) -> Option<String> {
        self.shared.error.lock().unwrap().clone()
    }
}

impl Drop for Delay {
    fn drop(&mut self) {
        if self.rule {
            if let Err(e) = iptables_rule("-D") {
                eprintln!("netns::Delay: cannot remove the NFQUEUE rule: {e}");
            }
        }
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn iptables_rule(op: &str) -> io::Result<()> {
    let queue = QUEUE_NUM.to_string();
    run(Command::new("iptables").args([
        "-w",
        op,
        "INPUT",
        "-i",
        "lo",
        "-p",
        "tcp",
        "-m",
        "conntrack",
        "--ctorigdst",
        "127.0.0.2",
        "-m",
        "comment",
        "--comment",
        RULE_COMMENT,
        "-j",
        "NFQUEUE",
        "--queue-num",
        &queue,
    ]))
}

/// Direction of a packet on the link: index into the per-direction pacing state.
const TO_SERVER: usize = 0;
const TO_CLIENT: usize = 1;

fn delay_loop(q: &NfQueue, shared: &Shared) -> io::Result<()> {
    // Wake-ups to the microsecond rather than the default 50 µs slack.
    // SAFETY: affects this thread only.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
    let mut rx = RxBatch::new();
    let mut held: BinaryHeap<std::cmp::Reverse<(Instant, u32)>> = BinaryHeap::new();
    let mut out = Vec::with_capacity(64 * 1024);
    let mut flights = Flights::default();
    let mut link_free = [Instant::now(); 2];
    loop {
        let stop = shared.stop.load(Ordering::Relaxed);
        let now = Instant::now();
        while let Some(&std::cmp::Reverse((due, id))) = held.peek() {
            if due > now && !stop {
                break;
            }
            held.pop();
            put_verdict(&mut out, q.queue, id);
            if out.len() >= 60 * 1024 {
                q.send(&out)?;
                out.clear();
            }
        }
        if !out.is_empty() {
            q.send(&out)?;
            out.clear();
        }
        if stop {
            return Ok(());
        }
        let wait = held
            .peek()
            .map(|r| r.0 .0.saturating_duration_since(now))
            .unwrap_or(Duration::MAX)
            .min(Duration::from_millis(20));
        if !q.poll(wait)? {
            continue;
        }
        // Read what is there, in bounded batches so that due packets are not kept waiting.
        for _ in 0..8 {
            let n = rx.recv(q.fd.as_raw_fd())?;
            if n == 0 {
                break;
            }
            let arrived = Instant::now();
            let one_way = Duration::from_nanos(shared.one_way_ns.load(Ordering::Relaxed));
            let rate = shared.rate_bps.load(Ordering::Relaxed);
            for i in 0..n {
                for pkt in parse_datagram(rx.datagram(i)) {
                    let (dir, counted) = flights.on_packet(pkt.ip);
                    shared.packets.fetch_add(1, Ordering::Relaxed);
                    if counted {
                        shared.round_trips.fetch_add(1, Ordering::Relaxed);
                    }
                    let mut leaves = arrived;
                    if rate > 0 {
                        let size = ip_total_len(pkt.ip).unwrap_or(pkt.len) as u128;
                        let tx =
                            Duration::from_nanos((size * 8 * 1_000_000_000 / rate as u128) as u64);
                        leaves = link_free[dir].max(arrived) + tx;
                        link_free[dir] = leaves;
                    }
                    held.push(std::cmp::Reverse((leaves + one_way, pkt.id)));
                }
            }
            if n < RX_BATCH {
                break;
            }
        }
    }
}

/// Tracks client flights per TCP connection (see [`Delay::round_trips`]) and tells each
/// packet's direction.
#[derive(Default)]
struct Flights {
    /// Keyed by the two ports (low, high): every delayed connection runs between loopback
    /// addresses that NAT rewrites differently per direction, the ports stay.
    conns: HashMap<(u16, u16), Conn>,
}

struct Conn {
    client_port: u16,
    isn: u32,
    server_spoke: bool,
}

impl Flights {
    /// Returns the packet's direction and whether it starts a client flight.
    fn on_packet(&mut self, ip: &[u8]) -> (usize, bool) {
        let Some(tcp) = TcpInfo::parse(ip) else {
            return (TO_SERVER, false);
        };
        let key = (tcp.sport.min(tcp.dport), tcp.sport.max(tcp.dport));
        const SYN: u8 = 0x02;
        const ACK: u8 = 0x10;
        if tcp.flags & SYN != 0 && tcp.flags & ACK == 0 {
            if let Some(c) = self.conns.get(&key) {
                if c.client_port == tcp.sport && c.isn == tcp.seq {
                    return (TO_SERVER, false); // a retransmitted SYN
                }
            }
            if self.conns.len() >= 100_000 {
                self.conns.clear();
            }
            self.conns.insert(
                key,
                Conn {
                    client_port: tcp.sport,
                    isn: tcp.seq,
                    server_spoke: false,
                },
            );
            return (TO_SERVER, true);
        }
        let Some(c) = self.conns.get_mut(&key) else {
            // Opened before we started: guess that the server has the lower port.
            let dir = if tcp.dport < tcp.sport {
                TO_SERVER
            } else {
                TO_CLIENT
            };
            return (dir, false);
        };
        if tcp.sport == c.client_port {
            let counted = tcp.payload > 0 && c.server_spoke;
            if counted {
                c.server_spoke = false;
            }
            (TO_SERVER, counted)
        } else {
            if tcp.payload > 0 || tcp.flags & SYN != 0 {
                c.server_spoke = true;
            }
            (TO_CLIENT, false)
        }
    }
}

struct TcpInfo {
    sport: u16,
    dport: u16,
    seq: u32,
    flags: u8,
    payload: usize,
}

impl TcpInfo {
    fn parse(ip: &[u8]) -> Option<TcpInfo> {
        if ip.len() < 20 || ip[0] >> 4 != 4 || ip[9] != 6 {
            return None;
        }
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let total = ip_total_len(ip)?;
        let t = ip.get(ihl..ihl + 20)?;
        let doff = usize::from(t[12] >> 4) * 4;
        Some(TcpInfo {
            sport: u16::from_be_bytes([t[0], t[1]]),
            dport: u16::from_be_bytes([t[2], t[3]]),
            seq: u32::from_be_bytes([t[4], t[5], t[6], t[7]]),
            flags: t[13],
            payload: total.saturating_sub(ihl + doff),
        })
    }
}

fn ip_total_len(ip: &[u8]) -> Option<usize> {
    (ip.len() >= 4 && ip[0] >> 4 == 4).then(|| usize::from(u16::from_be_bytes([ip[2], ip[3]])))
}

// ---------------------------------------------------------------------------------------
// Netfilter queue over raw netlink (the kernel's nfnetlink_queue protocol)
// ---------------------------------------------------------------------------------------

const NFNL_SUBSYS_QUEUE: u16 = 3;
const NFQNL_MSG_PACKET: u16 = 0;
const NFQNL_MSG_VERDICT: u16 = 1;
const NFQNL_MSG_CONFIG: u16 = 2;
const NFQA_PACKET_HDR: u16 = 1;
const NFQA_VERDICT_HDR: u16 = 2;
const NFQA_PAYLOAD: u16 = 10;
const NFQA_CAP_LEN: u16 = 13;
const NFQA_CFG_CMD: u16 = 1;
const NFQA_CFG_PARAMS: u16 = 2;
const NFQA_CFG_QUEUE_MAXLEN: u16 = 3;
const NFQA_CFG_MASK: u16 = 4;
const NFQA_CFG_FLAGS: u16 = 5;
const NFQA_CFG_F_FAIL_OPEN: u32 = 1;
const NFQA_CFG_F_GSO: u32 = 4;
const NFQNL_CFG_CMD_BIND: u8 = 1;
const NFQNL_COPY_PACKET: u8 = 2;
const NF_ACCEPT: u32 = 1;
const NLMSG_HDRLEN: usize = 16;

struct NfQueue {
    fd: OwnedFd,
    queue: u16,
}

impl NfQueue {
    fn open(queue: u16) -> io::Result<NfQueue> {
        // SAFETY: plain syscalls on a descriptor we own from here on.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_NETFILTER,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: a zeroed sockaddr_nl is valid (kernel assigns the port id).
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: addr is a valid sockaddr_nl of the given size.
        let r = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                &addr as *const libc::sockaddr_nl as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        // Room for bursts of queued packets between our reads (root may exceed rmem_max).
        set_int_opt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            16 << 20,
        )?;
        let q = NfQueue { fd, queue };
        let cfg = |attrs: &[(u16, &[u8])]| -> io::Result<()> {
            let mut msg = Vec::new();
            put_msg(
                &mut msg,
                NFQNL_MSG_CONFIG,
                (libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16,
                queue,
                attrs,
            );
            q.send(&msg)?;
            q.recv_ack()
        };
        cfg(&[(NFQA_CFG_CMD, &[NFQNL_CFG_CMD_BIND, 0, 0, 0])]).map_err(|e| {
            io::Error::new(e.kind(), format!("binding netfilter queue {queue}: {e}"))
        })?;
        let mut params = COPY_RANGE.to_be_bytes().to_vec();
        params.push(NFQNL_COPY_PACKET);
        cfg(&[(NFQA_CFG_PARAMS, &params)])?;
        cfg(&[(NFQA_CFG_QUEUE_MAXLEN, &QUEUE_MAX_LEN.to_be_bytes())])?;
        // No fail-open (a full queue drops, as a full router buffer would) and no GSO
        // (the kernel segments, so we pace and count wire-sized packets).
        cfg(&[
            (NFQA_CFG_FLAGS, &0u32.to_be_bytes()),
            (
                NFQA_CFG_MASK,
                &(NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO).to_be_bytes(),
            ),
        ])?;
        Ok(q)
    }

    fn send(&self, buf: &[u8]) -> io::Result<()> {
        loop {
            // SAFETY: buf is valid for its length; the socket is bound to the kernel.
            let r = unsafe {
                libc::send(
                    self.fd.as_raw_fd(),
                    buf.as_ptr() as *const libc::c_void,
                    buf.len(),
                    0,
                )
            };
            if r >= 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Waits for the kernel's answer to a config request.
    fn recv_ack(&self) -> io::Result<()> {
        let mut buf = vec![0u8; 8192];
        loop {
            // SAFETY: buf is valid for its length.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    buf.len(),
                    0,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            let data = &buf[..n as usize];
            let mut off = 0;
            while off + NLMSG_HDRLEN <= data.len() {
                let len = u32::from_ne_bytes(data[off..off + 4].try_into().unwrap()) as usize;
                let ty = u16::from_ne_bytes(data[off + 4..off + 6].try_into().unwrap());
                if len < NLMSG_HDRLEN || off + len > data.len() {
                    break;
                }
                if ty == libc::NLMSG_ERROR as u16 && len >= NLMSG_HDRLEN + 4 {
                    let err = i32::from_ne_bytes(
                        data[off + NLMSG_HDRLEN..off + NLMSG_HDRLEN + 4]
                            .try_into()
                            .unwrap(),
                    );
                    return match err {
                        0 => Ok(()),
                        e => Err(io::Error::from_raw_os_error(-e)),
                    };
                }
                off += align4(len);
            }
        }
    }

    /// Waits up to `timeout` for something to read; `true` if there is.
    fn poll(&self, timeout: Duration) -> io::Result<bool> {
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ts = libc::timespec {
            tv_sec: timeout.as_secs() as libc::time_t,
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        // SAFETY: one valid pollfd; a valid timespec; no signal mask change.
        let r = unsafe { libc::ppoll(&mut pfd, 1, &ts, std::ptr::null()) };
        if r < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::Interrupted => Ok(false),
                _ => Err(e),
            };
        }
        Ok(r > 0 && pfd.revents & (libc::POLLIN | libc::POLLERR) != 0)
    }
}

fn set_int_opt(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    val: libc::c_int,
) -> io::Result<()> {
    // SAFETY: val is a valid c_int for the given size.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            &val as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as u32,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Appends one nfnetlink queue message (netlink header, nfgenmsg, attributes).
fn put_msg(buf: &mut Vec<u8>, kind: u16, flags: u16, queue: u16, attrs: &[(u16, &[u8])]) {
    let start = buf.len();
    buf.extend_from_slice(&[0; NLMSG_HDRLEN]);
    buf.extend_from_slice(&[libc::AF_UNSPEC as u8, 0]);
    buf.extend_from_slice(&queue.to_be_bytes());
    for (ty, data) in attrs {
        buf.extend_from_slice(&((4 + data.len()) as u16).to_ne_bytes());
        buf.extend_from_slice(&ty.to_ne_bytes());
        buf.extend_from_slice(data);
        buf.resize(start + align4(buf.len() - start), 0);
    }
    let len = (buf.len() - start) as u32;
    let ty = (NFNL_SUBSYS_QUEUE << 8) | kind;
    buf[start..start + 4].copy_from_slice(&len.to_ne_bytes());
    buf[start + 4..start + 6].copy_from_slice(&ty.to_ne_bytes());
    buf[start + 6..start + 8].copy_from_slice(&flags.to_ne_bytes());
}

fn put_verdict(buf: &mut Vec<u8>, queue: u16, id: u32) {
    let mut hdr = [0u8; 8];
    hdr[..4].copy_from_slice(&NF_ACCEPT.to_be_bytes());
    hdr[4..].copy_from_slice(&id.to_be_bytes());
    put_msg(
        buf,
        NFQNL_MSG_VERDICT,
        libc::NLM_F_REQUEST as u16,
        queue,
        &[(NFQA_VERDICT_HDR, &hdr)],
    );
}

struct Packet<'a> {
    id: u32,
    /// The start of the IP packet (up to [`COPY_RANGE`] bytes).
    ip: &'a [u8],
    /// Its length on the wire.
    len: usize,
}

/// The queued packets in one datagram from the kernel (errors and other messages skipped).
fn parse_datagram(data: &[u8]) -> Vec<Packet<'_>> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + NLMSG_HDRLEN <= data.len() {
        let len = u32::from_ne_bytes(data[off..off + 4].try_into().unwrap()) as usize;
        let ty = u16::from_ne_bytes(data[off + 4..off + 6].try_into().unwrap());
        if len < NLMSG_HDRLEN || off + len > data.len() {
            break;
        }
        if ty == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET {
            let msg = &data[off..off + len];
            let (mut id, mut ip, mut cap) = (None, &[][..], None);
            let mut a = NLMSG_HDRLEN + 4;
            while a + 4 <= msg.len() {
                let alen = usize::from(u16::from_ne_bytes([msg[a], msg[a + 1]]));
                let aty = u16::from_ne_bytes([msg[a + 2], msg[a + 3]]) & 0x3fff;
                if alen < 4 || a + alen > msg.len() {
                    break;
                }
                let v = &msg[a + 4..a + alen];
                match aty {
                    NFQA_PACKET_HDR if v.len() >= 4 => {
                        id = Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]]))
                    }
                    NFQA_PAYLOAD => ip = v,
                    NFQA_CAP_LEN if v.len() >= 4 => {
                        cap = Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]]) as usize)
                    }
                    _ => {}
                }
                a += align4(alen);
            }
            if let Some(id) = id {
                out.push(Packet {
                    id,
                    ip,
                    len: cap.unwrap_or(ip.len()),
                });
            }
        }
        off += align4(len);
    }
    out
}

const RX_BATCH: usize = 64;
const RX_BUF: usize = 4096;

/// Buffers for reading up to [`RX_BATCH`] datagrams per `recvmmsg`.
struct RxBatch {
    bufs: Vec<u8>,
    iovs: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
}

impl RxBatch {
    fn new() -> RxBatch {
        let mut bufs = vec![0u8; RX_BATCH * RX_BUF];
        let mut iovs: Vec<libc::iovec> = (0..RX_BATCH)
            .map(|i| libc::iovec {
                iov_base: bufs[i * RX_BUF..].as_mut_ptr() as *mut libc::c_void,
                iov_len: RX_BUF,
            })
            .collect();
        let hdrs = (0..RX_BATCH)
            .map(|i| {
                // SAFETY: a zeroed mmsghdr is valid (no name, no control data).
                let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
                h.msg_hdr.msg_iov = &mut iovs[i];
                h.msg_hdr.msg_iovlen = 1;
                h
            })
            .collect();
        RxBatch { bufs, iovs, hdrs }
    }

    /// Reads what is waiting, without blocking; the number of datagrams.
    fn recv(&mut self, fd: RawFd) -> io::Result<usize> {
        debug_assert_eq!(self.iovs.len(), RX_BATCH);
        loop {
            // SAFETY: hdrs point at iovs, which point into bufs; none moves while we live.
            let n = unsafe {
                libc::recvmmsg(
                    fd,
                    self.hdrs.as_mut_ptr(),
                    RX_BATCH as u32,
                    libc::MSG_DONTWAIT,
                    std::ptr::null_mut(),
                )
            };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EAGAIN) => return Ok(0),
                // The socket overflowed: the kernel dropped packets (TCP will resend them).
                Some(libc::ENOBUFS) => continue,
                _ => return Err(e),
            }
        }
    }

    fn datagram(&self, i: usize) -> &[u8] {
        let len = (self.hdrs[i].msg_len as usize).min(RX_BUF);
        &self.bufs[i * RX_BUF..i * RX_BUF + len]
    }
}

// SAFETY: the raw pointers in iovs/hdrs point into bufs, owned by the same value.
unsafe impl Send for RxBatch {}

// ---------------------------------------------------------------------------------------
// Self-check
// ---------------------------------------------------------------------------------------

/// Checks the link inside the namespace and measures it: TCP connect time to 127.0.0.2 at
/// 20 ms RTT (and to 127.0.0.1), the delay program's throughput ceiling at zero delay, 64 MiB
/// at 20 ms RTT with and without a 100 Mbit/s cap, and a real vsftpd download with curl
/// through 127.0.0.2 (connect time, round trips counted). Returns the report; errors if a
/// figure is off. Needs root, vsftpd and curl; call after [`reexec_in_namespace`].
pub fn self_check() -> Result<String, String> {
    use std::fmt::Write as _;
    let e = |what: &str| {
        let what = what.to_owned();
        move |e: io::Error| format!("{what}: {e}")
    };
    if inside_namespace().is_none() {
        return Err(format!(
            "self_check: not inside the namespace ({ENV} unset)"
        ));
    }
    let mut r = String::new();
    let one_way = Duration::from_millis(10);
    let delay = Delay::start(one_way).map_err(e("Delay::start"))?;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;

    // (a) connect time.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(e("bind"))?;
    let port = listener.local_addr().map_err(e("bind"))?.port();
    let accept = thread::spawn(move || {
        for s in listener.incoming().take(10) {
            drop(s);
        }
    });
    let connect_times = |ip: Ipv4Addr| -> Result<Duration, String> {
        let mut v = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let s =
                TcpStream::connect_timeout(&SocketAddr::from((ip, port)), Duration::from_secs(5))
                    .map_err(|err| format!("connect {ip}:{port}: {err}"))?;
            v.push(t.elapsed());
            drop(s);
        }
        v.sort();
        Ok(v[2])
    };
    delay.reset();
    let slow = connect_times(DELAYED_ADDR)?;
    let flights = delay.round_trips();
    let fast = connect_times(Ipv4Addr::LOCALHOST)?;
    let _ = accept.join();
    writeln!(
        r,
        "connect (median of 5): 127.0.0.2 {:.2} ms at one-way {} ms, 127.0.0.1 {:.3} ms; flights counted for 5 connects: {flights}",
        ms(slow),
        ms(one_way),
        ms(fast)
    )
    .unwrap();
    if !(ms(slow) >= 19.5 && ms(slow) < 30.0) || ms(fast) > 5.0 || flights != 5 {
        return Err(format!("{r}connect figures are off"));
    }

    // (b) ceiling at zero delay, (c) 64 MiB at 20 ms RTT with and without a cap.
    delay.set(Duration::ZERO, None);
    let (t, mbs) = bulk(256 << 20)?;
    writeln!(
        r,
        "ceiling at one-way 0: 256 MiB in {:.2} s = {mbs:.0} MB/s",
        t.as_secs_f64()
    )
    .unwrap();
    let direct = bulk_to(Ipv4Addr::LOCALHOST, 256 << 20)?;
    writeln!(r, "  (127.0.0.1, not queued: {:.0} MB/s)", direct.1).unwrap();
    delay.set(one_way, None);
    let (t, mbs) = bulk(64 << 20)?;
    writeln!(
        r,
        "64 MiB at RTT 20 ms, no cap: {:.2} s = {mbs:.1} MB/s",
        t.as_secs_f64()
    )
    .unwrap();
    delay.set(one_way, Some(100_000_000));
    let (t, capped) = bulk(64 << 20)?;
    writeln!(
        r,
        "64 MiB at RTT 20 ms, 100 Mbit/s: {:.2} s = {capped:.1} MB/s",
        t.as_secs_f64()
    )
    .unwrap();
    if !(10.0..=12.6).contains(&capped) {
        return Err(format!(
            "{r}the 100 Mbit/s cap gives {capped:.1} MB/s, not ~12"
        ));
    }

    // (d) vsftpd and curl through 127.0.0.2.
    delay.set(one_way, None);
    r.push_str(&vsftpd_check(&delay).map_err(|err| format!("{r}{err}"))?);
    if let Some(err) = delay.error() {
        return Err(format!("{r}delay thread: {err}"));
    }
    drop(delay);
    let rules = Command::new("iptables")
        .args(["-w", "-S", "INPUT"])
        .output()
        .map_err(|err| format!("iptables -S: {err}"))?;
    if String::from_utf8_lossy(&rules.stdout).contains(RULE_COMMENT) {
        return Err(format!(
            "{r}the NFQUEUE rule is still there after Delay's drop"
        ));
    }
    r.push_str("Delay's drop removed its rule\n");
    Ok(r)
}

/// Bulk download through 127.0.0.2: (time from connect to EOF, MB/s).
fn bulk(bytes: usize) -> Result<(Duration, f64), String> {
    bulk_to(DELAYED_ADDR, bytes)
}

fn bulk_to(ip: Ipv4Addr, bytes: usize) -> Result<(Duration, f64), String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let sender = thread::spawn(move || -> io::Result<()> {
        let (mut s, _) = listener.accept()?;
        let chunk = vec![0x5au8; 256 * 1024];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk.len());
            s.write_all(&chunk[..n])?;
            left -= n;
        }
        Ok(())
    });
    let t = Instant::now();
    let mut s = TcpStream::connect_timeout(&SocketAddr::from((ip, port)), Duration::from_secs(5))
        .map_err(|e| format!("connect {ip}:{port}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut got = 0;
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(format!("bulk read after {got} bytes: {e}")),
        }
    }
    let elapsed = t.elapsed();
    sender
        .join()
        .map_err(|_| "bulk sender panicked".to_string())?
        .map_err(|e| format!("bulk sender: {e}"))?;
    if got != bytes {
        return Err(format!("bulk: got {got} of {bytes} bytes"));
    }
    Ok((elapsed, bytes as f64 / elapsed.as_secs_f64() / 1e6))
}

struct Curl {
    total: f64,
    /// Seconds from each "Trying" to its "Connected" in the trace.
    connects: Vec<f64>,
    flights: u64,
    packets: u64,
}

/// Connect durations in a `curl -v --trace-time` trace (lines start with `HH:MM:SS.micros`).
fn trace_connects(trace: &str) -> Vec<f64> {
    let stamp = |line: &str| -> Option<f64> {
        let t = line.split_whitespace().next()?;
        let mut p = t.split(':');
        let (h, m, s) = (p.next()?, p.next()?, p.next()?);
        Some(
            h.parse::<f64>().ok()? * 3600.0
                + m.parse::<f64>().ok()? * 60.0
                + s.parse::<f64>().ok()?,
        )
    };
    let mut out = Vec::new();
    let mut trying = None;
    for line in trace.lines() {
        if line.contains("*   Trying ") {
            trying = stamp(line);
        } else if line.contains("* Connected to ") {
            if let (Some(t0), Some(t1)) = (trying.take(), stamp(line)) {
                out.push(t1 - t0);
            }
        }
    }
    out
}

fn vsftpd_check(delay: &Delay) -> Result<String, String> {
    use ftpkit_test_support::delay::{free_port_range, ftp_rtt};
    use ftpkit_test_support::vsftpd::Vsftpd;
    use std::fmt::Write as _;
    let mut r = String::new();
    let (lo, hi) = free_port_range(16).ok_or("no free passive port range")?;
    let server = Vsftpd::builder()
        .option("pasv_address", "127.0.0.2")
        .option("pasv_min_port", &lo.to_string())
        .option("pasv_max_port", &hi.to_string())
        .start();
    let size = 4 << 20;
    server.write_file("/f.bin", vec![7u8; size]);
    let noop =
        ftp_rtt(SocketAddr::from((DELAYED_ADDR, server.port()))).map_err(|e| e.to_string())?;
    let noop_direct = ftp_rtt(server.addr()).map_err(|e| e.to_string())?;
    writeln!(
        r,
        "vsftpd NOOP round trip: {:.2} ms via 127.0.0.2, {:.3} ms via 127.0.0.1",
        noop.as_secs_f64() * 1e3,
        noop_direct.as_secs_f64() * 1e3
    )
    .unwrap();
    // curl's %{time_connect} includes the FTP login for ftp:// URLs, so the TCP connects
    // (control and data) are timed from its `-v --trace-time` trace instead.
    let curl = |ip: &str, file: &str, size: usize| -> Result<Curl, String> {
        delay.reset();
        let o = Command::new("curl")
            .args(["-sS", "-v", "--trace-time"])
            .args(["-u", &format!("{}:{}", server.user(), server.password())])
            .args(["-o", "/dev/null", "-w", "%{time_total} %{size_download}"])
            .arg(format!("ftp://{ip}:{}/{file}", server.port()))
            .output()
            .map_err(|e| format!("curl: {e}"))?;
        let trace = String::from_utf8_lossy(&o.stderr).to_string();
        if !o.status.success() {
            return Err(format!("curl {ip}: {}\n{trace}{}", o.status, server.log()));
        }
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        let v: Vec<f64> = text
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        if v.len() != 2 || v[1] as usize != size {
            return Err(format!("curl {ip}: unexpected output {text:?}"));
        }
        let connects = trace_connects(&trace);
        if connects.len() != 2 {
            return Err(format!(
                "curl {ip}: expected 2 connects in the trace:\n{trace}"
            ));
        }
        Ok(Curl {
            total: v[0],
            connects,
            flights: delay.round_trips(),
            packets: delay.packets(),
        })
    };
    let slow = curl("127.0.0.2", "f.bin", size)?;
    let fast = curl("127.0.0.1", "f.bin", size)?;
    writeln!(
        r,
        "curl 4 MiB via 127.0.0.2: TCP connects (control, data) {:.2} / {:.2} ms, total {:.1} ms, client flights {}, packets {}",
        slow.connects[0] * 1e3,
        slow.connects[1] * 1e3,
        slow.total * 1e3,
        slow.flights,
        slow.packets
    )
    .unwrap();
    writeln!(
        r,
        "curl 4 MiB via 127.0.0.1: TCP connects {:.3} / {:.3} ms, total {:.1} ms, client flights {}",
        fast.connects[0] * 1e3,
        fast.connects[1] * 1e3,
        fast.total * 1e3,
        fast.flights
    )
    .unwrap();
    let rtt_like = |c: f64| (0.0195..0.030).contains(&c);
    if !slow.connects.iter().all(|&c| rtt_like(c))
        || fast.connects.iter().any(|&c| c > 0.005)
        || fast.flights != 0
        || slow.flights < 8
    {
        return Err(format!("{r}curl's figures are off"));
    }
    let big = 64 << 20;
    server.write_file("/big.bin", vec![9u8; big]);
    let bulk = curl("127.0.0.2", "big.bin", big)?;
    writeln!(
        r,
        "curl 64 MiB via 127.0.0.2: total {:.2} s, client flights {}",
        bulk.total, bulk.flights
    )
    .unwrap();
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(sport: u16, dport: u16, seq: u32, flags: u8, payload: usize) -> Vec<u8> {
        let mut p = vec![0u8; 40];
        p[0] = 0x45;
        p[2..4].copy_from_slice(&((40 + payload) as u16).to_be_bytes());
        p[9] = 6;
        p[20..22].copy_from_slice(&sport.to_be_bytes());
        p[22..24].copy_from_slice(&dport.to_be_bytes());
        p[24..28].copy_from_slice(&seq.to_be_bytes());
        p[32] = 5 << 4;
        p[33] = flags;
        p
    }

    #[test]
    fn flights_count_syn_and_client_turns() {
        let mut f = Flights::default();
        let (c, s) = (40_000, 21);
        let mut count = |p: Vec<u8>| f.on_packet(&p);
        assert_eq!(count(seg(c, s, 100, 0x02, 0)), (TO_SERVER, true)); // SYN
        assert_eq!(count(seg(c, s, 100, 0x02, 0)), (TO_SERVER, false)); // resent SYN
        assert_eq!(count(seg(s, c, 900, 0x12, 0)), (TO_CLIENT, false)); // SYN-ACK
        assert_eq!(count(seg(c, s, 101, 0x10, 0)), (TO_SERVER, false)); // ACK
        assert_eq!(count(seg(s, c, 901, 0x18, 20)), (TO_CLIENT, false)); // 220
        assert_eq!(count(seg(c, s, 101, 0x18, 10)), (TO_SERVER, true)); // USER
        assert_eq!(count(seg(c, s, 111, 0x18, 10)), (TO_SERVER, false)); // more, same flight
        assert_eq!(count(seg(s, c, 921, 0x10, 0)), (TO_CLIENT, false)); // pure ACK
        assert_eq!(count(seg(c, s, 121, 0x18, 10)), (TO_SERVER, false));
        assert_eq!(count(seg(s, c, 921, 0x18, 30)), (TO_CLIENT, false)); // 331
        assert_eq!(count(seg(c, s, 131, 0x18, 10)), (TO_SERVER, true)); // PASS
    }

    #[test]
    fn verdict_message_layout() {
        let mut b = Vec::new();
        put_verdict(&mut b, 7, 0x01020304);
        assert_eq!(b.len(), 32);
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()), 32);
        assert_eq!(u16::from_ne_bytes(b[4..6].try_into().unwrap()), 0x0301);
        assert_eq!(&b[18..20], &7u16.to_be_bytes());
        assert_eq!(&b[28..32], &[1, 2, 3, 4]);
    }
}
