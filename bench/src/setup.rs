//! What the bench runs against: two vsftpd servers on loopback (one reached directly, one
//! behind the simulated long link), both offering plain FTP and explicit TLS with
//! `require_ssl_reuse=YES`, a certificate for the addresses clients use, the test data,
//! and the link itself.

use std::fs::{self, File};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ftpkit_test_support::certs::{Ca, DnType, PemDir};
use ftpkit_test_support::data::{prng_bytes, sample_tree};
use ftpkit_test_support::delay::{free_port_range, DelayProxy, PROXY_ADDR};
use ftpkit_test_support::vsftpd::Vsftpd;

/// A server and the address its clients use.
pub struct Server {
    pub vsftpd: Vsftpd,
    /// 127.0.0.1 for the direct server, [`PROXY_ADDR`] for the one behind the link.
    pub host: IpAddr,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.vsftpd.port())
    }
    pub fn root(&self) -> &Path {
        self.vsftpd.root()
    }
}

/// The certificate and key files vsftpd serves and the CA file clients trust.
pub struct Certs {
    _dir: PemDir,
    pub ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

pub fn certs() -> Certs {
    let dir = PemDir::new();
    // vsftpd reads the files as root, but the directory must be reachable.
    #[cfg(unix)]
    let _ = fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    );
    let ca = Ca::new(&[(DnType::CommonName, "ftpkit bench CA")], &[]);
    let leaf = ca.sign(
        &[(DnType::CommonName, "localhost")],
        &["localhost", "127.0.0.1", "127.0.0.2"],
        None,
    );
    Certs {
        ca: dir.write("ca.pem", ca.cert_pem()),
        cert: dir.write("cert.pem", &leaf.cert),
        key: dir.write("key.pem", &leaf.key),
        _dir: dir,
    }
}

/// A vsftpd offering plain FTP and explicit TLS (data connections must resume the control
/// session); `behind_link` announces [`PROXY_ADDR`] and a passive range the link carries.
pub fn server(certs: &Certs, behind_link: Option<(u16, u16)>) -> Server {
    let mut b = Vsftpd::builder()
        .cert_files(&certs.cert, &certs.key)
        .option("ssl_enable", "YES")
        .option("force_local_logins_ssl", "NO")
        .option("force_local_data_ssl", "NO")
        .option("require_ssl_reuse", "YES")
        .option("ssl_ciphers", "HIGH")
        .option("max_per_ip", "0")
        .option("max_clients", "0");
    if let Some((lo, hi)) = behind_link {
        b = b
            .option("pasv_address", "127.0.0.2")
            .option("pasv_min_port", &lo.to_string())
            .option("pasv_max_port", &hi.to_string());
    }
    Server {
        vsftpd: b.start(),
        host: match behind_link {
            Some(_) => PROXY_ADDR,
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
        },
    }
}

/// Writes `bytes` of pseudo-random data to `path` in 4 MiB pieces (constant memory).
pub fn big_file(path: &Path, bytes: u64) -> std::io::Result<()> {
    let mut f = File::create(path)?;
    let mut left = bytes;
    let mut seed = 1;
    while left > 0 {
        let n = left.min(4 << 20) as usize;
        f.write_all(&prng_bytes(seed, n))?;
        left -= n as u64;
        seed += 1;
    }
    f.sync_all()
}

/// The data every server holds: `/big.bin` (`bulk` bytes), `/files/f{i}.bin` (`files` of
/// `size` bytes), the 500-file `/tree`, and an empty `/up` for uploads.
pub fn data(server: &Server, bulk: u64, files: usize, size: usize) -> std::io::Result<usize> {
    let root = server.root();
    big_file(&root.join("big.bin"), bulk)?;
    fs::create_dir_all(root.join("files"))?;
    for i in 0..files {
        fs::write(
            root.join(format!("files/f{i}.bin")),
            prng_bytes(i as u64, size),
        )?;
    }
    let tree = sample_tree(&root.join("tree")).len();
    fs::create_dir_all(root.join("up"))?;
    server.vsftpd.chown_tree();
    Ok(tree)
}

/// The simulated long link in front of a server: the user-space delay proxy on
/// [`PROXY_ADDR`], or the packet delay of a network namespace (see `netns`).
pub enum Link {
    Proxy(DelayProxy),
    Netns(crate::netns::Delay),
}

impl Link {
    /// A proxy carrying `port` and the passive range `lo..=hi`.
    pub fn proxy(port: u16, (lo, hi): (u16, u16)) -> std::io::Result<Link> {
        let ports = std::iter::once(port).chain(lo..=hi);
        Ok(Link::Proxy(DelayProxy::loopback(ports, Duration::ZERO)?))
    }

    /// The packet delay of the namespace the bench runs in (see `netns`).
    pub fn netns() -> std::io::Result<Link> {
        Ok(Link::Netns(crate::netns::Delay::start(Duration::ZERO)?))
    }

    /// Sets the round trip it adds and an optional cap in bits per second.
    pub fn set(&self, rtt: Duration, cap: Option<u64>) {
        match self {
            Link::Proxy(p) => p.set(rtt / 2, cap),
            Link::Netns(d) => d.set(rtt / 2, cap),
        }
    }

    /// Round trips the clients waited so far (see each link's counting rule).
    pub fn round_trips(&self) -> u64 {
        match self {
            Link::Proxy(p) => p.round_trips(),
            Link::Netns(d) => d.round_trips(),
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Link::Proxy(_) => "a user-space TCP proxy on 127.0.0.2 that holds every chunk for half the round trip in each direction (connect() is answered locally, so it costs no round trip; no slow start; round trips counted as client turns per connection)",
            Link::Netns(_) => "a network namespace of the bench's own in which every packet to and from 127.0.0.2 is held in user space (NFQUEUE) for half the round trip, with lo at MTU 1500 (a real path: connect() costs a round trip, slow start and windows apply); round trips counted per connection as the SYN plus each client data segment that follows server data",
        }
    }
}

/// A passive range free on both loopback addresses.
pub fn passive_range() -> Option<(u16, u16)> {
    free_port_range(64)
}
