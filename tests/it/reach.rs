//! Servers that need more than the defaults: a virtual host chosen with `HOST` (ProFTPD
//! name-based `<VirtualHost>`), the control channel cleared with `CCC` after login while
//! data stays encrypted (ProFTPD), passive mode without `EPSV`, and active mode announcing
//! another address on a port of a given range (vsftpd).

use std::io::Read;

use ftpkit::{Backend, Client, DataMode, Error, Security, TlsOptions};
use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::proftpd::{require_proftpd, Proftpd};
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

/// A second site on the same address and port, chosen by `HOST vhost.test`, whose root is
/// the `site2` directory of the user's home.
const VHOST: &str = r#"<VirtualHost 127.0.0.1>
  ServerAlias vhost.test
  Port {port}
  AuthOrder mod_auth_file.c
  AuthUserFile {passwd}
  AuthGroupFile {group}
  RequireValidShell off
  DefaultRoot ~/site2
</VirtualHost>"#;

/// A plain FTP session with `config`, logged in.
fn plain_session(server: &Vsftpd, config: ftpkit::Config) -> Client {
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .config(config)
        .connect()
        .unwrap();
    ftp.login(server.user(), server.password()).unwrap();
    ftp
}

fn names(ftp: &mut Client) -> Vec<String> {
    let mut n: Vec<String> = ftp
        .list("")
        .unwrap()
        .into_iter()
        .map(|e| e.name.to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn host_selects_the_virtual_host_before_login() {
    if !require_proftpd() {
        return;
    }
    let server = Proftpd::builder().extra(VHOST).start();
    server.write_file("/main-site.txt", "main");
    server.write_file("/site2/second-site.txt", "second");

    let login = |vhost: Option<&str>| -> Result<Client, Error> {
        let mut b = Client::builder("127.0.0.1", Security::Plain).port(server.port());
        if let Some(v) = vhost {
            b = b.virtual_host(v);
        }
        let mut ftp = b.connect()?;
        ftp.login(server.user(), server.password())?;
        Ok(ftp)
    };
    let mut main = login(None).unwrap();
    assert!(names(&mut main).contains(&"main-site.txt".to_owned()));
    let mut second = login(Some("vhost.test")).unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(names(&mut second), ["second-site.txt"], "{}", server.log());
    assert!(server.log().contains("HOST vhost.test"), "{}", server.log());

    // A site the server does not serve is an error, not the default site.
    let e = login(Some("nowhere.test")).expect_err("an unknown virtual host");
    assert!(e.to_string().contains("HOST nowhere.test"), "{e}");
    assert!(e.to_string().contains("virtual host"), "{e}");
}

#[test]
fn host_is_an_error_where_the_server_does_not_know_it() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let e = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .virtual_host("vhost.test")
        .connect()
        .expect_err("vsftpd has no HOST");
    let msg = e.to_string();
    assert!(msg.contains("does not support HOST"), "{msg}");
    // Refused in the arguments: nothing is sent.
    let e = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .virtual_host("a\r\nDELE x")
        .connect()
        .expect_err("CR/LF");
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
}

fn tls(certs: &TestCerts, backend: Backend) -> Security {
    let mut o = TlsOptions::default();
    o.ca_files.push(certs.ca.clone());
    Security::Explicit(backend.connector(&o).unwrap())
}

#[test]
fn ccc_clears_the_commands_and_keeps_the_data_encrypted() {
    if !require_proftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Proftpd::builder()
        .tls(&certs.cert, &certs.key)
        .tls_required("auth+data")
        .start();
    server.write_file("/f.txt", "ten bytes!");
    for backend in [Backend::Rustls, Backend::OpenSsl]
        .into_iter()
        .filter(|b| b.is_available())
    {
        let mut ftp = Client::builder("127.0.0.1", tls(&certs, backend))
            .port(server.port())
            .clear_command_channel(true)
            .connect()
            .unwrap();
        ftp.login(server.user(), server.password())
            .unwrap_or_else(|e| panic!("{backend}: {e}\n{}", server.log()));
        // Commands after CCC travel in clear, files still over TLS (TLSRequired +data).
        let mut body = String::new();
        ftp.download("f.txt")
            .unwrap_or_else(|e| panic!("{backend}: {e}\n{}", server.log()))
            .read_to_string(&mut body)
            .unwrap();
        assert_eq!(body, "ten bytes!");
        let data_tls = ftp
            .last_data_tls_info()
            .expect("the data connection used TLS");
        assert_eq!(data_tls.backend, backend.name());
        ftp.mkdir("made-after-ccc").unwrap();
        ftp.quit().unwrap();
        assert!(server.log().contains("CCC"), "{}", server.log());
        assert!(server.root().join("made-after-ccc").is_dir());
        std::fs::remove_dir(server.root().join("made-after-ccc")).unwrap();
    }
}

#[test]
fn ccc_refused_by_the_server_is_a_login_error_with_advice() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .start();
    let mut ftp = Client::builder("127.0.0.1", tls(&certs, Backend::Rustls))
        .port(server.port())
        .clear_command_channel(true)
        .connect()
        .unwrap();
    let e = ftp
        .login(server.user(), server.password())
        .expect_err("vsftpd has no CCC");
    assert!(e.to_string().contains("CCC"), "{e}");
    assert!(e.to_string().contains("does not allow ending TLS"), "{e}");
}

#[test]
fn passive_mode_without_epsv_uses_pasv_only() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    std::fs::write(server.root().join("p.txt"), "pasv").unwrap();
    let mut config = ftpkit::Config::default();
    config.use_epsv = false;
    let mut ftp = plain_session(&server, config);
    for _ in 0..2 {
        let mut body = String::new();
        ftp.download("p.txt")
            .unwrap()
            .read_to_string(&mut body)
            .unwrap();
        assert_eq!(body, "pasv");
    }
    ftp.quit().unwrap();
    let log = server.log();
    let sent = |cmd: &str| {
        log.matches(&format!("FTP command: Client \"127.0.0.1\", \"{cmd}\""))
            .count()
    };
    assert_eq!(sent("EPSV"), 0, "{log}");
    assert_eq!(sent("PASV"), 2, "{log}");
}

#[test]
fn active_mode_announces_the_given_address_and_listens_in_the_range() {
    if !require_vsftpd() {
        return;
    }
    // vsftpd refuses a PORT naming another address than the client's unless told not to.
    let server = Vsftpd::builder().option("port_promiscuous", "YES").start();
    std::fs::write(server.root().join("a.txt"), "active").unwrap();
    let (lo, hi) = ftpkit_test_support::delay::free_port_range(4).expect("free ports");
    // 127.0.0.2 reaches this host too (all of 127/8 is loopback): standing in for the
    // router's public address that forwards to us.
    let mut config = ftpkit::Config::default();
    config.data_mode = DataMode::Active;
    config.active_address = Some("127.0.0.2".parse().unwrap());
    config.active_ports = Some((lo, hi));
    // vsftpd connects from 127.0.0.1; the listener accepts only the control peer.
    let mut ftp = plain_session(&server, config);
    let mut body = String::new();
    ftp.download("a.txt")
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()))
        .read_to_string(&mut body)
        .unwrap();
    assert_eq!(body, "active");
    ftp.quit().unwrap();
    let log = server.log();
    let port_line = log
        .lines()
        .find(|l| l.contains("PORT 127,0,0,2,"))
        .unwrap_or_else(|| panic!("no PORT for 127.0.0.2:\n{log}"));
    let nums: Vec<u16> = port_line
        .split("PORT 127,0,0,2,")
        .nth(1)
        .unwrap()
        .trim_end_matches('"')
        .split(',')
        .map(|n| {
            n.trim_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .unwrap()
        })
        .collect();
    let port = nums[0] * 256 + nums[1];
    assert!((lo..=hi).contains(&port), "{port} not in {lo}-{hi}");
}

#[test]
fn a_file_named_in_latin1_is_listed_downloaded_renamed_and_deleted_by_its_bytes() {
    if !require_vsftpd() {
        return;
    }
    use std::os::unix::ffi::OsStrExt;
    let server = Vsftpd::start();
    let on_disk = |name: &[u8]| server.root().join(std::ffi::OsStr::from_bytes(name));
    std::fs::write(on_disk(b"caf\xe9 cr\xe8me.txt"), "latin-1").unwrap();
    std::fs::write(on_disk("日本.txt".as_bytes()), "utf-8").unwrap();
    server.chown_tree();

    for charset in [None, ftpkit::Charset::for_label("latin1")] {
        let mut config = ftpkit::Config::default();
        config.charset = charset;
        let mut ftp = plain_session(&server, config);
        let entries = ftp.list("").unwrap();
        let latin = entries
            .iter()
            .find(|e| e.name.as_bytes().starts_with(b"caf"))
            .unwrap_or_else(|| panic!("{charset:?}: {entries:?}"));
        assert_eq!(
            latin.name.as_bytes(),
            b"caf\xe9 cr\xe8me.txt",
            "{charset:?}"
        );
        assert_eq!(latin.size, Some(7));
        if let Some(cs) = charset {
            assert_eq!(cs.decode(latin.name.as_bytes()), "café crème.txt");
            assert!(latin.raw.contains("café crème.txt"), "{}", latin.raw);
        }
        assert!(entries.iter().any(|e| e.name == "日本.txt"), "{entries:?}");

        // The name as listed, sent back: the very file.
        let mut body = String::new();
        ftp.download(latin.name.clone())
            .unwrap()
            .read_to_string(&mut body)
            .unwrap();
        assert_eq!(body, "latin-1");
        let names: Vec<_> = ftp.nlst("").unwrap();
        assert!(
            names
                .iter()
                .any(|n| n.as_bytes() == b"caf\xe9 cr\xe8me.txt"),
            "{names:?}"
        );
    }

    let mut ftp = plain_session(&server, ftpkit::Config::default());
    let latin = ftpkit::Charset::for_label("latin1").unwrap();
    ftp.rename(
        ftpkit::RemotePath::new(b"caf\xe9 cr\xe8me.txt".to_vec()),
        latin.path("thé.txt").unwrap(),
    )
    .unwrap();
    assert!(on_disk(b"th\xe9.txt").exists());
    ftp.delete(latin.path("thé.txt").unwrap()).unwrap();
    assert!(!on_disk(b"th\xe9.txt").exists());
    ftp.quit().unwrap();
}
