//! An in-process FTP server (libunftp over a temporary directory) on 127.0.0.1 and an
//! ephemeral port, for the quickstart and the tests. It needs no set-up and stops when
//! dropped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{oneshot, Notify};

/// A running embedded server.
pub struct EmbeddedServer {
    addr: SocketAddr,
    root: PathBuf,
    _dir: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EmbeddedServer {
    /// Starts a server over a fresh temporary directory.
    pub fn start() -> EmbeddedServer {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let root = dir.path().to_path_buf();
        let mut s = EmbeddedServer::start_in(&root, None);
        s._dir = Some(dir);
        s
    }

    /// Starts an explicit-FTPS server (TLS offered, not required) with this certificate
    /// chain and key (PEM files), over a fresh temporary directory.
    pub fn start_ftps(cert: &Path, key: &Path) -> EmbeddedServer {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let root = dir.path().to_path_buf();
        let mut s = EmbeddedServer::start_in(&root, Some((cert.to_path_buf(), key.to_path_buf())));
        s._dir = Some(dir);
        s
    }

    /// Starts a plain server on `[::1]` (IPv6 loopback) over a fresh temporary directory.
    pub fn start_ipv6() -> EmbeddedServer {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let root = dir.path().to_path_buf();
        let mut s = EmbeddedServer::start_at(&root, None, "[::1]:0");
        s._dir = Some(dir);
        s
    }

    /// Starts a server over `root`, with FTPS when `tls` names a certificate and key.
    pub fn start_in(root: &Path, tls: Option<(PathBuf, PathBuf)>) -> EmbeddedServer {
        EmbeddedServer::start_at(root, tls, "127.0.0.1:0")
    }

    fn start_at(root: &Path, tls: Option<(PathBuf, PathBuf)>, bind: &str) -> EmbeddedServer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        // Bind before returning so the port is ready: no polling, no race.
        let listener = rt
            .block_on(tokio::net::TcpListener::bind(bind))
            .expect("bind the embedded server");
        let addr = listener.local_addr().expect("local address");
        let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
        let root_for_server = root.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("embedded-ftp".into())
            .spawn(move || {
                rt.block_on(async move {
                    loop {
                        tokio::select! {
                            _ = &mut stop_rx => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let root = root_for_server.clone();
                                let tls = tls.clone();
                                // A server object per connection: `service` consumes it.
                                let server = libunftp::ServerBuilder::new(Box::new(move || {
                                    unftp_sbe_fs::Filesystem::new(root.clone()).expect("filesystem root")
                                }))
                                .greeting("embedded libunftp test server");
                                let server = server.active_passive_mode(
                                    libunftp::options::ActivePassiveMode::ActiveAndPassive,
                                );
                                match tls {
                                    None => {
                                        let server = server.build().expect("build libunftp server");
                                        tokio::spawn(async move {
                                            let _ = server.service(stream).await;
                                        });
                                    }
                                    Some((cert, key)) => {
                                        let upgraded = Arc::new(Notify::new());
                                        let logger = slog::Logger::root(
                                            UpgradeSignal(upgraded.clone()),
                                            slog::o!(),
                                        );
                                        let server = server
                                            .ftps(cert, key)
                                            .logger(logger)
                                            .build()
                                            .expect("build libunftp server");
                                        let serve = move |s| async move {
                                            let _ = server.service(s).await;
                                        };
                                        tokio::spawn(serve_behind_auth_gate(serve, stream, upgraded));
                                    }
                                }
                            }
                        }
                    }
                });
                rt.shutdown_background();
            })
            .expect("spawn server thread");
        EmbeddedServer {
            addr,
            root: root.to_path_buf(),
            _dir: None,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The control address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The directory the server serves as `/`.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// libunftp 0.24 sends `234` to `AUTH TLS` before its control loop switches to TLS; a
/// ClientHello that arrives in between is read as a command (`500 Invalid UTF8 in command`)
/// and the handshake fails. That happens under load only, so it would make tests flaky. The
/// gate sits in front of the server's control connection: after the `234` reply it holds the
/// client's bytes until libunftp logs that it is upgrading, the moment it stops reading
/// commands and hands the socket to TLS. No timing involved.
async fn serve_behind_auth_gate<F, Fut>(
    serve: F,
    client: tokio::net::TcpStream,
    upgraded: Arc<Notify>,
) where
    F: FnOnce(tokio::net::TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let inner = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind gate");
    let addr = inner.local_addr().expect("gate address");
    let (to_server, accepted) = tokio::join!(tokio::net::TcpStream::connect(addr), inner.accept());
    let (to_server, (server_side, _)) = (
        to_server.expect("gate connect"),
        accepted.expect("gate accept"),
    );
    tokio::spawn(serve(server_side));
    let (mut client_rd, mut client_wr) = client.into_split();
    let (mut server_rd, mut server_wr) = to_server.into_split();
    let hold = Arc::new(AtomicBool::new(false));
    let hold_s2c = hold.clone();
    let server_to_client = async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut line = Vec::new();
        let mut scanning = true;
        loop {
            let n = match server_rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if scanning {
                for &b in &buf[..n] {
                    line.push(b);
                    if b == b'\n' {
                        if line.starts_with(b"234") {
                            // Set before the client can see the 234, so its ClientHello is held.
                            hold_s2c.store(true, Ordering::SeqCst);
                            scanning = false;
                        }
                        line.clear();
                    }
                }
            }
            if client_wr.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = client_wr.shutdown().await;
    };
    let client_to_server = async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut released = false;
        loop {
            let n = match client_rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if !released && hold.load(Ordering::SeqCst) {
                upgraded.notified().await;
                released = true;
            }
            if server_wr.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_wr.shutdown().await;
    };
    tokio::join!(server_to_client, client_to_server);
}

/// A slog drain that wakes the gate when libunftp announces the TLS upgrade.
struct UpgradeSignal(Arc<Notify>);

impl slog::Drain for UpgradeSignal {
    type Ok = ();
    type Err = slog::Never;
    fn log(&self, record: &slog::Record<'_>, _: &slog::OwnedKVList) -> Result<(), slog::Never> {
        if record.msg().to_string() == "Upgrading control channel to TLS" {
            self.0.notify_one();
        }
        Ok(())
    }
}
