//! End-to-end tests of the OpenSSL backend against OpenSSL servers on 127.0.0.1, with
//! certificates made in memory by rcgen (through `ftpkit_test_support::certs`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use ftpkit_core::{CertificateProblem, TlsConnector, TlsError, TlsOptions, TlsStream, TlsVersion};
use ftpkit_openssl::OpenSslConnector;
use ftpkit_test_support::certs::{Ca, CertKey, DnType, KeyUsagePurpose, PemDir};
use openssl::pkey::PKey;
use openssl::ssl::{
    ErrorCode, NameType, SslAcceptor, SslAcceptorBuilder, SslMethod, SslOptions, SslStream,
    SslVerifyMode, SslVersion,
};
use openssl::x509::X509;

const SERVER_TIMEOUT: Duration = Duration::from_secs(10);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// A test CA and certificates it signed, as PEM strings and files.
struct Pki {
    dir: PemDir,
    ca: Ca,
    ca_file: PathBuf,
    server_cert: String,
    server_key: String,
}

impl Pki {
    fn new() -> Pki {
        let ca = Ca::new(
            &[
                (DnType::OrganizationName, "ftpkit tests"),
                (DnType::CommonName, "Test CA"),
            ],
            &[
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ],
        );
        let dir = PemDir::new();
        let ca_file = dir.write("ca.pem", ca.cert_pem());

        let mut pki = Pki {
            dir,
            ca,
            ca_file,
            server_cert: String::new(),
            server_key: String::new(),
        };
        let (cert, key) = pki.leaf("localhost", &["localhost", "127.0.0.1"], None);
        pki.server_cert = cert;
        pki.server_key = key;
        pki
    }

    /// A certificate signed by the CA: (certificate PEM, key PEM).
    fn leaf(&self, cn: &str, sans: &[&str], validity: Option<(i32, i32)>) -> (String, String) {
        let subject = [
            (DnType::OrganizationName, "ftpkit tests"),
            (DnType::CommonName, cn),
        ];
        let CertKey { cert, key } = self.ca.sign(&subject, sans, validity);
        (cert, key)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        self.dir.write(name, contents)
    }

    fn options(&self) -> TlsOptions {
        let mut opts = TlsOptions::default();
        opts.system_roots = false;
        opts.ca_files.push(self.ca_file.clone());
        opts
    }

    fn acceptor(&self, min: SslVersion, max: SslVersion) -> SslAcceptorBuilder {
        acceptor_with(&self.server_cert, &self.server_key, min, max)
    }
}

fn acceptor_with(cert: &str, key: &str, min: SslVersion, max: SslVersion) -> SslAcceptorBuilder {
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    builder
        .set_certificate(&X509::from_pem(cert.as_bytes()).unwrap())
        .unwrap();
    builder
        .set_private_key(&PKey::private_key_from_pem(key.as_bytes()).unwrap())
        .unwrap();
    builder
        .set_session_id_context(b"ftpkit-openssl tests")
        .unwrap();
    builder.set_min_proto_version(Some(min)).unwrap();
    builder.set_max_proto_version(Some(max)).unwrap();
    builder
}

/// Serves `conns` connections one after the other; each TLS-accepted stream goes to
/// `handler`. Returns what the handler returned, or the server-side handshake error.
fn serve<T: Send + 'static>(
    acceptor: SslAcceptorBuilder,
    conns: usize,
    handler: impl Fn(usize, SslStream<TcpStream>) -> T + Send + 'static,
) -> (SocketAddr, JoinHandle<Vec<Result<T, String>>>) {
    let acceptor = acceptor.build();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let mut results = Vec::new();
        for i in 0..conns {
            let (tcp, _) = listener.accept().unwrap();
            tcp.set_read_timeout(Some(SERVER_TIMEOUT)).unwrap();
            tcp.set_write_timeout(Some(SERVER_TIMEOUT)).unwrap();
            results.push(match acceptor.accept(tcp) {
                Ok(stream) => Ok(handler(i, stream)),
                Err(e) => Err(e.to_string()),
            });
        }
        results
    });
    (addr, handle)
}

/// A client socket with the handshake deadline set, as the core does.
fn client_tcp(addr: SocketAddr, timeout: Duration) -> TcpStream {
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(timeout)).unwrap();
    tcp.set_write_timeout(Some(timeout)).unwrap();
    tcp
}

fn tls13() -> (SslVersion, SslVersion) {
    (SslVersion::TLS1_2, SslVersion::TLS1_3)
}

fn connect(
    opts: &TlsOptions,
    name: &str,
    addr: SocketAddr,
) -> Result<Box<dyn TlsStream>, TlsError> {
    let connector = OpenSslConnector::new(opts).unwrap();
    assert_eq!(connector.backend(), "openssl");
    connector.connect(name, client_tcp(addr, CLIENT_TIMEOUT))
}

#[test]
fn a_ca_file_makes_the_server_trusted() {
    let pki = Pki::new();
    let (min, max) = tls13();
    let (addr, server) = serve(pki.acceptor(min, max), 1, |_, s| {
        s.ssl().servername(NameType::HOST_NAME).map(str::to_owned)
    });
    let stream = connect(&pki.options(), "localhost", addr).unwrap();
    let info = stream.info();
    assert_eq!(info.backend, "openssl");
    assert_eq!(info.protocol.as_deref(), Some("TLSv1.3"));
    assert!(info.cipher.as_deref().is_some_and(|c| !c.is_empty()));
    assert_eq!(info.resumed, Some(false));
    let cert = info.peer_certificate.expect("peer certificate");
    assert_eq!(cert.subject, "O=ftpkit tests, CN=localhost");
    assert_eq!(cert.issuer, "O=ftpkit tests, CN=Test CA");
    let not_after = cert.not_after.expect("not_after");
    // rcgen's default end of validity: 4096-01-01.
    assert_eq!(
        not_after
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        67_090_118_400
    );
    assert_eq!(stream.tcp().peer_addr().unwrap(), addr);
    drop(stream);
    let sni = server.join().unwrap().pop().unwrap().unwrap();
    assert_eq!(
        sni.as_deref(),
        Some("localhost"),
        "SNI is sent for a DNS name"
    );
}

#[test]
fn ip_address_certificates_are_verified_and_get_no_sni() {
    let pki = Pki::new();
    let (min, max) = tls13();
    let (addr, server) = serve(pki.acceptor(min, max), 2, |_, s| {
        s.ssl().servername(NameType::HOST_NAME).map(str::to_owned)
    });
    let stream = connect(&pki.options(), "127.0.0.1", addr).unwrap();
    assert_eq!(stream.info().protocol.as_deref(), Some("TLSv1.3"));
    drop(stream);
    // The certificate is for 127.0.0.1, not 127.0.0.2 (the TCP peer does not matter).
    match connect(&pki.options(), "127.0.0.2", addr) {
        Err(TlsError::Certificate(
            CertificateProblem::NameMismatch {
                expected,
                presented,
            },
            _,
        )) => {
            assert_eq!(expected, "127.0.0.2");
            assert_eq!(
                presented,
                Some(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            );
        }
        other => panic!("expected a certificate error, got {other:?}"),
    }
    let results = server.join().unwrap();
    assert_eq!(
        results[0].as_ref().unwrap(),
        &None,
        "no SNI for an IP address"
    );
}

#[test]
fn sni_can_be_turned_off() {
    let pki = Pki::new();
    let (min, max) = tls13();
    let (addr, server) = serve(pki.acceptor(min, max), 1, |_, s| {
        s.ssl().servername(NameType::HOST_NAME).map(str::to_owned)
    });
    let mut opts = pki.options();
    opts.sni = false;
    let stream = connect(&opts, "localhost", addr).unwrap();
    drop(stream);
    assert_eq!(server.join().unwrap().pop().unwrap().unwrap(), None);
}

#[test]
fn an_unknown_issuer_is_a_certificate_error() {
    let pki = Pki::new();
    let (min, max) = tls13();
    let (addr, server) = serve(pki.acceptor(min, max), 1, |_, _| ());
    let opts = TlsOptions::default(); // system roots only
    match connect(&opts, "localhost", addr) {
        Err(TlsError::Certificate(p, _)) => {
            assert_eq!(p, CertificateProblem::UnknownIssuer);
            assert!(
                p.to_string().contains("unknown certificate authority"),
                "{p}"
            );
        }
        other => panic!("expected a certificate error, got {other:?}"),
    }
    assert!(server.join().unwrap()[0].is_err());
}

#[test]
fn a_name_mismatch_is_a_certificate_error() {
    let pki = Pki::new();
    let (min, max) = tls13();
    let (addr, server) = serve(pki.acceptor(min, max), 1, |_, _| ());
    match connect(&pki.options(), "wrong.example", addr) {
        Err(TlsError::Certificate(p, _)) => {
            assert_eq!(
                p.to_string(),
                "the server's certificate is not valid for \"wrong.example\": it carries only the names \"localhost\", \"127.0.0.1\""
            );
        }
        other => panic!("expected a certificate error, got {other:?}"),
    }
    assert!(server.join().unwrap()[0].is_err());
}

#[test]
fn an_expired_certificate_is_a_certificate_error() {
    let pki = Pki::new();
    let (cert, key) = pki.leaf("localhost", &["localhost"], Some((2000, 2001)));
    let (min, max) = tls13();
    let (addr, server) = serve(acceptor_with(&cert, &key, min, max), 1, |_, _| ());
    match connect(&pki.options(), "localhost", addr) {
        Err(TlsError::Certificate(p, _)) => {
            assert_eq!(
                p.to_string(),
                "the server's certificate expired on 2001-01-01 00:00:00 UTC"
            );
        }
        other => panic!("expected a certificate error, got {other:?}"),
    }
    assert!(server.join().unwrap()[0].is_err());
}

#[test]
fn dangerous_accept_invalid_certs_accepts_anything() {
    let pki = Pki::new();
    let (min, max) = tls13();
    let (addr, server) = serve(pki.acceptor(min, max), 1, |_, _| ());
    let mut opts = TlsOptions::default();
    opts.dangerous_accept_invalid_certs = true;
    let stream = connect(&opts, "wrong.example", addr).unwrap();
    let info = stream.info();
    assert_eq!(info.protocol.as_deref(), Some("TLSv1.3"));
    assert!(info.peer_certificate.is_some());
    drop(stream);
    assert!(server.join().unwrap()[0].is_ok());
}

#[test]
fn a_silent_server_times_out_within_the_socket_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        // Hold the connection open, saying nothing, until the client is done.
        let _ = done_rx.recv();
        drop(tcp);
    });
    let connector = OpenSslConnector::new(&TlsOptions::default()).unwrap();
    let tcp = client_tcp(addr, Duration::from_secs(1));
    let started = Instant::now();
    let result = connector.connect("localhost", tcp);
    let elapsed = started.elapsed();
    drop(done_tx);
    server.join().unwrap();
    match result {
        Err(TlsError::Timeout(msg)) => assert!(!msg.is_empty()),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[test]
fn plaintext_from_the_server_is_a_handshake_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.write_all(b"220 hello\r\n").unwrap();
        // Keep the connection open: the client must fail on the bytes, not on EOF.
        let _ = done_rx.recv();
    });
    let started = Instant::now();
    let result = connect(&TlsOptions::default(), "localhost", addr);
    let elapsed = started.elapsed();
    drop(done_tx);
    server.join().unwrap();
    match result {
        Err(TlsError::Handshake(msg, _)) => assert!(msg.contains("SSL routines"), "{msg}"),
        other => panic!("expected a handshake error, got {other:?}"),
    }
    assert!(elapsed < CLIENT_TIMEOUT / 2, "{elapsed:?}");
}

#[test]
fn a_server_that_closes_is_a_handshake_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || drop(listener.accept().unwrap()));
    let result = connect(&TlsOptions::default(), "localhost", addr);
    server.join().unwrap();
    match result {
        Err(TlsError::Handshake(msg, _)) => assert!(!msg.is_empty()),
        other => panic!("expected a handshake error, got {other:?}"),
    }
}

#[test]
fn min_tls13_against_a_tls12_server_is_a_handshake_error() {
    let pki = Pki::new();
    let (addr, server) = serve(
        pki.acceptor(SslVersion::TLS1_2, SslVersion::TLS1_2),
        1,
        |_, _| (),
    );
    let mut opts = pki.options();
    opts.min_version = TlsVersion::Tls13;
    match connect(&opts, "localhost", addr) {
        Err(TlsError::Handshake(msg, _)) => assert!(msg.contains("version"), "{msg}"),
        other => panic!("expected a handshake error, got {other:?}"),
    }
    assert!(server.join().unwrap()[0].is_err());
}

#[test]
fn max_tls12_negotiates_tls12() {
    let pki = Pki::new();
    let (min, max) = tls13();
    let (addr, server) = serve(pki.acceptor(min, max), 1, |_, _| ());
    let mut opts = pki.options();
    opts.max_version = TlsVersion::Tls12;
    let stream = connect(&opts, "localhost", addr).unwrap();
    assert_eq!(stream.info().protocol.as_deref(), Some("TLSv1.2"));
    drop(stream);
    server.join().unwrap();
}

#[test]
fn tls11_only_when_asked_for() {
    let pki = Pki::new();
    let mut acceptor = pki.acceptor(SslVersion::TLS1_1, SslVersion::TLS1_1);
    acceptor.set_cipher_list("DEFAULT:@SECLEVEL=0").unwrap();
    acceptor.clear_options(SslOptions::NO_TLSV1 | SslOptions::NO_TLSV1_1);
    let (addr, server) = serve(acceptor, 2, |_, _| ());
    // The default options refuse it.
    match connect(&pki.options(), "localhost", addr) {
        Err(TlsError::Handshake(..)) => {}
        other => panic!("expected a handshake error, got {other:?}"),
    }
    let mut opts = pki.options();
    opts.min_version = TlsVersion::Tls11;
    let stream = connect(&opts, "localhost", addr).unwrap();
    assert_eq!(stream.info().protocol.as_deref(), Some("TLSv1.1"));
    drop(stream);
    let results = server.join().unwrap();
    assert!(results[0].is_err());
    assert!(results[1].is_ok());
}

/// Control connection, then `data` data connections through `connect_data`; returns what
/// the client and the server saw on each data connection. Every other data connection ends
/// without close_notify, which makes OpenSSL mark the session it used as not resumable: the
/// control session must survive that.
fn resumption(max: TlsVersion, data: usize) -> Vec<(Option<bool>, bool, String)> {
    let pki = Pki::new();
    let (addr, server) = serve(
        pki.acceptor(SslVersion::TLS1_2, SslVersion::TLS1_3),
        1 + data,
        |i, mut s| {
            let reused = s.ssl().session_reused();
            if i == 0 {
                // Like an FTP server's reply after AUTH TLS: TLS 1.3 tickets precede it.
                s.write_all(b"200 PBSZ=0\r\n").unwrap();
                return (reused, Some(s));
            }
            s.write_all(b"data\n").unwrap();
            if i % 2 == 0 {
                s.shutdown().unwrap();
            }
            // Dropped: odd data connections end without close_notify.
            (reused, None)
        },
    );
    let mut opts = pki.options();
    opts.max_version = max;
    let connector = OpenSslConnector::new(&opts).unwrap();
    let mut control = connector
        .connect("localhost", client_tcp(addr, CLIENT_TIMEOUT))
        .unwrap();
    assert_eq!(control.info().resumed, Some(false));
    let mut reply = [0u8; 12];
    control.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"200 PBSZ=0\r\n");

    let mut seen = Vec::new();
    for i in 1..=data {
        let mut stream = control
            .connect_data(client_tcp(addr, CLIENT_TIMEOUT))
            .unwrap();
        let info = stream.info();
        let mut received = Vec::new();
        let end = stream.read_to_end(&mut received);
        assert_eq!(received, b"data\n");
        if i % 2 == 0 {
            end.unwrap();
        } else {
            assert_eq!(end.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
        }
        seen.push((info.resumed, info.protocol.unwrap_or_default()));
    }
    let server_side = server.join().unwrap();
    assert!(!server_side[0].as_ref().unwrap().0);
    seen.into_iter()
        .zip(server_side.into_iter().skip(1))
        .map(|((resumed, protocol), server)| (resumed, server.unwrap().0, protocol))
        .collect()
}

#[test]
fn data_connections_resume_the_control_session_with_tls12() {
    for (resumed, server_resumed, protocol) in resumption(TlsVersion::Tls12, 4) {
        assert_eq!(protocol, "TLSv1.2");
        assert_eq!(resumed, Some(true));
        assert!(server_resumed);
    }
}

#[test]
fn data_connections_resume_the_control_session_with_tls13() {
    for (resumed, server_resumed, protocol) in resumption(TlsVersion::Tls13, 4) {
        assert_eq!(protocol, "TLSv1.3");
        assert_eq!(resumed, Some(true));
        assert!(server_resumed);
    }
}

#[test]
fn from_connector_still_resumes() {
    let pki = Pki::new();
    let (addr, server) = serve(
        pki.acceptor(SslVersion::TLS1_2, SslVersion::TLS1_3),
        2,
        |i, mut s| {
            if i == 0 {
                s.write_all(b"ok\n").unwrap();
            }
            (s.ssl().session_reused(), s)
        },
    );
    let mut builder = openssl::ssl::SslConnector::builder(SslMethod::tls_client()).unwrap();
    builder.set_ca_file(&pki.ca_file).unwrap();
    let connector = OpenSslConnector::from_connector(builder.build());
    let mut control = connector
        .connect("localhost", client_tcp(addr, CLIENT_TIMEOUT))
        .unwrap();
    let mut line = [0u8; 3];
    control.read_exact(&mut line).unwrap();
    let data = control
        .connect_data(client_tcp(addr, CLIENT_TIMEOUT))
        .unwrap();
    assert_eq!(data.info().protocol.as_deref(), Some("TLSv1.3"));
    assert_eq!(data.info().resumed, Some(true));
    let results = server.join().unwrap();
    assert!(results[1].as_ref().unwrap().0);
}

#[test]
fn close_notify_reaches_the_server_as_a_clean_shutdown() {
    let pki = Pki::new();
    let (min, max) = tls13();
    let (addr, server) = serve(pki.acceptor(min, max), 1, |_, mut s| {
        let mut buf = [0u8; 16];
        let first = s.ssl_read(&mut buf);
        first.map_err(|e| e.code())
    });
    let mut stream = connect(&pki.options(), "localhost", addr).unwrap();
    stream.close_notify().unwrap();
    // A second call must not wait for the server's close_notify.
    let started = Instant::now();
    stream.close_notify().unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    let result = server.join().unwrap().pop().unwrap().unwrap();
    assert_eq!(result, Err(ErrorCode::ZERO_RETURN));
    drop(stream);
}

#[test]
fn a_close_without_close_notify_reads_as_unexpected_eof() {
    let pki = Pki::new();
    let (min, max) = tls13();
    let (addr, server) = serve(pki.acceptor(min, max), 2, |i, mut s| {
        s.write_all(b"partial").unwrap();
        if i == 1 {
            s.shutdown().unwrap();
        }
        // Dropping an SslStream closes the socket without close_notify.
    });
    let mut stream = connect(&pki.options(), "localhost", addr).unwrap();
    let mut buf = [0u8; 7];
    stream.read_exact(&mut buf).unwrap();
    let err = stream.read(&mut buf).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");

    let mut stream = connect(&pki.options(), "localhost", addr).unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"partial");
    server.join().unwrap();
}

#[test]
fn a_client_certificate_is_presented() {
    let pki = Pki::new();
    let (cert, key) = pki.leaf("ftpkit", &["client.example"], None);
    let cert_file = pki.write("client.pem", &cert);
    let key_file = pki.write("client.key", &key);
    let (min, max) = tls13();
    let mut acceptor = pki.acceptor(min, max);
    acceptor.set_ca_file(&pki.ca_file).unwrap();
    acceptor.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    let (addr, server) = serve(acceptor, 1, |_, s| {
        s.ssl().peer_certificate().and_then(|c| {
            c.subject_name()
                .entries_by_nid(openssl::nid::Nid::COMMONNAME)
                .next()
                .map(|e| e.data().to_string().unwrap())
        })
    });
    let mut opts = pki.options();
    opts.client_identity = Some((cert_file, key_file));
    let mut stream = connect(&opts, "localhost", addr).unwrap();
    // With TLS 1.3 the server checks the client certificate after our handshake is done.
    stream.close_notify().unwrap();
    let cn = server.join().unwrap().pop().unwrap().unwrap();
    assert_eq!(cn.as_deref(), Some("ftpkit"));
}

#[test]
fn bad_options_are_config_errors() {
    let pki = Pki::new();
    let config_error = |opts: &TlsOptions| match OpenSslConnector::new(opts) {
        Err(TlsError::Config(msg)) => msg,
        other => panic!("expected a config error, got {other:?}"),
    };

    let mut opts = pki.options();
    opts.ca_files.push(pki.dir.path().join("missing.pem"));
    assert!(config_error(&opts).contains("missing.pem"));

    let mut opts = pki.options();
    opts.ca_files
        .push(pki.write("empty.pem", "not a certificate\n"));
    assert!(config_error(&opts).contains("empty.pem"));

    let mut opts = pki.options();
    opts.min_version = TlsVersion::Tls13;
    opts.max_version = TlsVersion::Tls12;
    config_error(&opts);

    // A key that does not belong to the certificate.
    let (cert, _) = pki.leaf("ftpkit", &["client.example"], None);
    let (_, other_key) = pki.leaf("other", &["other.example"], None);
    let mut opts = pki.options();
    opts.client_identity = Some((
        pki.write("c.pem", &cert),
        pki.write("other.key", &other_key),
    ));
    let msg = config_error(&opts);
    assert!(msg.contains("does not match"), "{msg}");

    // TLS 1.0 can be asked for.
    let mut opts = pki.options();
    opts.min_version = TlsVersion::Tls10;
    OpenSslConnector::new(&opts).unwrap();
}
