//! ftpc's flags for servers that need more than the defaults: --virtual-host (HOST),
//! --disable-epsv, --active-address/--active-ports, against real servers.

use crate::common::*;

use ftpkit_test_support::proftpd::{require_proftpd, Proftpd};
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

#[test]
fn virtual_host_lists_the_other_site() {
    if !require_proftpd() {
        return;
    }
    let server = Proftpd::builder()
        .extra(
            "<VirtualHost 127.0.0.1>\n  ServerAlias vhost.test\n  Port {port}\n  AuthOrder mod_auth_file.c\n  AuthUserFile {passwd}\n  AuthGroupFile {group}\n  RequireValidShell off\n  DefaultRoot ~/site2\n</VirtualHost>",
        )
        .start();
    server.write_file("/site2/second-site.txt", "second");
    let url = format!("ftp://{}@127.0.0.1:{}/", server.user(), server.port());
    let o = ftpc_env(
        &["ls", "--tls", "none", "--virtual-host", "vhost.test", &url],
        server.password(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("second-site.txt"), "{out}");
}

#[test]
fn disable_epsv_and_active_ports_reach_vsftpd() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    std::fs::write(server.root().join("f.txt"), "x").unwrap();
    let u = url(&server, "");
    let o = ftpc_env(
        &["ls", "--tls", "none", "--disable-epsv", &u],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!server.log().contains("\"EPSV\""), "{}", server.log());

    let (lo, hi) = ftpkit_test_support::delay::free_port_range(3).unwrap();
    let range = format!("{lo}-{hi}");
    let o = ftpc_env(
        &["ls", "--tls", "none", "--active-ports", &range, &u],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        server.log().contains("\"PORT 127,0,0,1,"),
        "{}",
        server.log()
    );

    for bad in ["5-1", "0-10", "70000-70001", "12"] {
        let o = ftpc_env(&["ls", "--active-ports", bad, &u], server.password());
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
    }
}

#[test]
fn charset_shows_and_reaches_a_latin1_name() {
    if !require_vsftpd() {
        return;
    }
    use std::os::unix::ffi::OsStrExt;
    let server = Vsftpd::start();
    let on_disk = server
        .root()
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9 cr\xe8me.txt"));
    std::fs::write(&on_disk, "latin-1").unwrap();
    server.chown_tree();
    let dir = url(&server, "");
    let file = url(&server, "caf%C3%A9%20cr%C3%A8me.txt");

    let o = ftpc_env(&["ls", "--tls", "none", &dir], server.password());
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("caf\u{fffd} cr\u{fffd}me.txt"), "{out}");
    let o = ftpc_env(
        &["ls", "--tls", "none", "--charset", "latin1", &dir],
        server.password(),
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("café crème.txt"), "{out}{}", stderr(&o));

    let local = tempfile::tempdir().unwrap();
    let target = local.path().join("copy.txt");
    let o = ftpc_env(
        &[
            "get",
            "--tls",
            "none",
            "--charset",
            "latin1",
            &file,
            "-o",
            target.to_str().unwrap(),
        ],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "latin-1");
    // Without the charset the UTF-8 name is another file.
    let o = ftpc_env(
        &["get", "--tls", "none", &file, "-o", "-"],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));

    let o = ftpc_env(
        &["rm", "--tls", "none", "--charset", "latin1", &file],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!on_disk.exists());

    let o = ftpc_env(&["ls", "--charset", "klingon", &dir], server.password());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = ftpc_env(
        &[
            "mkdir",
            "--tls",
            "none",
            "--charset",
            "latin1",
            &url(&server, "%E6%97%A5%E6%9C%AC"),
        ],
        server.password(),
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "not representable in latin1: {}",
        stderr(&o)
    );
}

#[test]
fn pasv_trust_connects_where_the_pasv_reply_points() {
    if !require_vsftpd() {
        return;
    }
    // vsftpd announces 127.0.0.2 but listens on 127.0.0.1 only: by default the client
    // replaces the announced address with the control peer and gets there; trusting the
    // reply sends it to 127.0.0.2, where nothing listens.
    let server = Vsftpd::builder()
        .option("pasv_address", "127.0.0.2")
        .option("pasv_addr_resolve", "NO")
        .start();
    std::fs::write(server.root().join("f.txt"), "x").unwrap();
    let u = url(&server, "");
    let o = ftpc_env(
        &["ls", "--tls", "none", "--disable-epsv", &u],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ftpc_env(
        &["ls", "--tls", "none", "--disable-epsv", "--pasv-trust", &u],
        server.password(),
    );
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("127.0.0.2"), "{}", stderr(&o));
}
