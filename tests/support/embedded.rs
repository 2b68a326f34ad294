//! An in-process FTP server (libunftp over a temporary directory) on 127.0.0.1 and an
//! ephemeral port, for the quickstart and the tests. It needs no set-up and stops when
//! dropped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

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

    /// Starts a server over `root`, with FTPS when `tls` names a certificate and key.
    pub fn start_in(root: &Path, tls: Option<(PathBuf, PathBuf)>) -> EmbeddedServer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        // Bind before returning so the port is ready: no polling, no race.
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1:0");
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
                                let server = match tls {
                                    Some((cert, key)) => server.ftps(cert, key),
                                    None => server,
                                };
                                let server = server.build().expect("build libunftp server");
                                tokio::spawn(async move {
                                    let _ = server.service(stream).await;
                                });
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
