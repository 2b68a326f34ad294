//! Helpers shared by the integration tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use ftpkit_core::TlsOptions;
use ftpkit_core::TlsStream;
use ftpkit_native_tls::native_tls::{Identity, TlsAcceptor};
use ftpkit_test_support::certs::{self, CertKey, PemDir};

/// The handshake deadline used by most tests.
pub const T: Duration = Duration::from_secs(5);

/// A self-signed certificate for `localhost` and `127.0.0.1`, on disk and as an identity.
pub struct Pki {
    /// Keeps the files alive.
    _dir: PemDir,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    // The PEM text is for the OpenSSL servers of `eof` and `tls13`, which exist only where
    // native-tls is OpenSSL.
    #[cfg_attr(any(windows, target_vendor = "apple"), allow(dead_code))]
    pub cert_pem: String,
    #[cfg_attr(any(windows, target_vendor = "apple"), allow(dead_code))]
    pub key_pem: String,
    pub identity: Identity,
}

pub fn pki() -> Pki {
    let CertKey {
        cert: cert_pem,
        key: key_pem,
    } = certs::self_signed(&[], &["localhost", "127.0.0.1"]);
    let dir = PemDir::new();
    let cert_path = dir.write("cert.pem", &cert_pem);
    let key_path = dir.write("key.pem", &key_pem);
    let identity = Identity::from_pkcs8(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
    Pki {
        _dir: dir,
        cert_path,
        key_path,
        cert_pem,
        key_pem,
        identity,
    }
}

pub fn acceptor(pki: &Pki) -> TlsAcceptor {
    TlsAcceptor::new(pki.identity.clone()).unwrap()
}

/// Runs `f` with a listener on 127.0.0.1:0 in a thread.
pub fn serve<T: Send + 'static>(
    f: impl FnOnce(TcpListener) -> T + Send + 'static,
) -> (SocketAddr, JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    (addr, thread::spawn(move || f(listener)))
}

/// Accepts one TCP connection whose reads and writes cannot hang the test.
pub fn accept(listener: &TcpListener) -> TcpStream {
    let (s, _) = listener.accept().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Accepts one connection, then TLS echo of one line, then waits for the client to go away.
/// Err when the handshake (or the echo) failed.
pub fn echo_once(listener: &TcpListener, acceptor: &TlsAcceptor) -> Result<(), String> {
    let tcp = accept(listener);
    let tls = acceptor.accept(tcp).map_err(|e| e.to_string())?;
    echo(tls)
}

/// Echoes one line over an established session, then waits for the client to go away.
pub fn echo<S: Read + Write>(tls: S) -> Result<(), String> {
    let mut reader = BufReader::new(tls);
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    let reply = format!("echo {line}");
    reader
        .get_mut()
        .write_all(reply.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    Ok(())
}

/// A client socket with the deadline the core would set.
pub fn client_tcp(addr: SocketAddr, timeout: Duration) -> TcpStream {
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(timeout)).unwrap();
    tcp.set_write_timeout(Some(timeout)).unwrap();
    tcp
}

pub fn options_with_ca(pki: &Pki) -> TlsOptions {
    let mut o = TlsOptions::default();
    o.ca_files.push(pki.cert_path.clone());
    o
}

pub fn ping(stream: &mut dyn TlsStream) -> String {
    stream.write_all(b"ping\n").unwrap();
    stream.flush().unwrap();
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    while !got.ends_with(b"\n") {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "EOF before the echo");
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(got).unwrap()
}
