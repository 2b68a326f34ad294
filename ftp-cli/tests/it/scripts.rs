//! `ftpc` with the habits of curl and lftp users: credentials from netrc (and the refusal
//! to send an empty password without a terminal to ask on), the path commands (`put -`,
//! `cat`, `stat`, `mv`, `rmdir`, `mkdir -p`, `rm -r`, `quote`), `ftpes://`, and exit codes
//! a script can act on.

use crate::common::*;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use ftpkit_test_support::embedded::EmbeddedServer;
use ftpkit_test_support::scripted::{commands, send_data, server};
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

/// How to run `ftpc` for one test: HOME is always an empty (or the test's) directory, so
/// the ~/.netrc of whoever runs the tests never counts.
#[derive(Default)]
struct Run<'a> {
    password: Option<&'a str>,
    home: Option<&'a Path>,
    cwd: Option<&'a Path>,
    stdin: Option<&'a [u8]>,
}

impl Run<'_> {
    fn ftpc(&self, args: &[&str]) -> Output {
        let empty_home = tempfile::tempdir().unwrap();
        let mut c = Command::new(env!("CARGO_BIN_EXE_ftpc"));
        c.args(args)
            .env_remove("FTPC_PASSWORD")
            .env("HOME", self.home.unwrap_or(empty_home.path()))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        if let Some(p) = self.password {
            c.env("FTPC_PASSWORD", p);
        }
        if let Some(d) = self.cwd {
            c.current_dir(d);
        }
        let mut child = c.spawn().expect("run ftpc");
        if let Some(input) = self.stdin {
            let mut w = child.stdin.take().unwrap();
            // ftpc may stop reading early (a refusal): a broken pipe is its answer.
            let _ = w.write_all(input);
        }
        child.wait_with_output().expect("wait for ftpc")
    }
}

/// `ftpc ARGS --tls none` with the vsftpd user's password in FTPC_PASSWORD.
fn with_password(server: &Vsftpd, args: &[&str]) -> Output {
    plain_with(server.password(), args)
}

/// `ftpc ARGS --tls none` with `password` in FTPC_PASSWORD.
fn plain_with(password: &str, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--tls", "none"]);
    Run {
        password: Some(password),
        ..Run::default()
    }
    .ftpc(&all)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write_netrc(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn netrc_supplies_what_the_url_and_options_leave_out() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let dir = tempfile::tempdir().unwrap();
    let netrc = dir.path().join("netrc");
    write_netrc(
        &netrc,
        &format!(
            "# test hosts\nmachine other.example login x password y\n\
             machine 127.0.0.1\n\tlogin {}\n  account ignored\n password \"{}\"\n\
             macdef init\nmachine 127.0.0.1 login evil password evil\n\n\
             default login anonymous password a@\n",
            server.user(),
            server.password()
        ),
        0o600,
    );
    let nf = netrc.to_str().unwrap();
    let anon = format!("ftp://127.0.0.1:{}/", server.port());
    let with_user = url(&server, "");
    let run = Run::default();

    // The user from the URL, the password from netrc; no warning for a private file.
    let o = run.ftpc(&["ls", &with_user, "--tls", "none", "--netrc-file", nf]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    // No user at all: login and password from netrc (not the macdef's, not anonymous).
    let o = run.ftpc(&["ls", &anon, "--tls", "none", "--netrc-file", nf, "-v"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("USER {}", server.user())),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains(server.password()), "{}", stderr(&o));
    // ~/.netrc is read by default.
    std::fs::copy(&netrc, dir.path().join(".netrc")).unwrap();
    let home = Run {
        home: Some(dir.path()),
        ..Run::default()
    };
    let o = home.ftpc(&["ls", &with_user, "--tls", "none"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // The URL's password wins over netrc's, and so does FTPC_PASSWORD.
    let wrong_in_url = format!("ftp://{}:wrong@127.0.0.1:{}/", server.user(), server.port());
    let o = home.ftpc(&["ls", &wrong_in_url, "--tls", "none"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let o = Run {
        home: Some(dir.path()),
        password: Some("wrong"),
        ..Run::default()
    }
    .ftpc(&["ls", &with_user, "--tls", "none"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));

    // --no-netrc: a user without a password, no terminal: usage error, nothing sent.
    let o = home.ftpc(&["ls", &with_user, "--tls", "none", "--no-netrc"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // A netrc file others may read: used, with a warning like ftp(1)'s.
    write_netrc(&netrc, &std::fs::read_to_string(&netrc).unwrap(), 0o644);
    let o = run.ftpc(&["ls", &with_user, "--tls", "none", "--netrc-file", nf]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("warning") && e.contains("others") && e.contains("chmod 600"),
        "{e}"
    );
    assert!(!e.contains(server.password()), "{e}");

    // curl's --netrc-optional changes nothing; --netrc wants an entry for the host.
    let o = run.ftpc(&[
        "ls",
        &with_user,
        "--tls",
        "none",
        "--netrc-file",
        nf,
        "--netrc",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run.ftpc(&[
        "ls",
        &with_user,
        "--tls",
        "none",
        "--netrc-file",
        nf,
        "--netrc-optional",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let elsewhere = dir.path().join("elsewhere");
    write_netrc(
        &elsewhere,
        "machine other.example login a password b
",
        0o600,
    );
    let o = Run {
        password: Some(server.password()),
        ..Run::default()
    }
    .ftpc(&[
        "ls",
        &with_user,
        "--tls",
        "none",
        "--netrc-file",
        elsewhere.to_str().unwrap(),
        "--netrc",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no entry for"), "{}", stderr(&o));

    // A --netrc-file that is not there: a local error, exit 8.
    let missing = dir.path().join("nope");
    let o = run.ftpc(&[
        "ls",
        &with_user,
        "--tls",
        "none",
        "--netrc-file",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
}

#[test]
fn a_user_without_password_and_no_terminal_is_a_usage_error_and_sends_nothing() {
    let (s, rx) = server("220 hi", |_, _, _, _| None);
    let o = Run::default().ftpc(&[
        "ls",
        &format!("ftp://bob@127.0.0.1:{}/", s.port()),
        "--tls",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("no password for bob@127.0.0.1")
            && e.contains("FTPC_PASSWORD")
            && e.contains("netrc"),
        "{e}"
    );
    drop(s);
    let sent = commands(&rx);
    assert!(
        !sent.iter().any(|c| c.starts_with("PASS")),
        "an empty password was sent: {sent:?}"
    );
    // Anonymous needs no password, as before.
    let (s, rx) = server("220 hi", |_, _, _, _| None);
    let o = Run::default().ftpc(&[
        "quote",
        "--tls",
        "none",
        &format!("ftp://127.0.0.1:{}/", s.port()),
        "NOOP",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    drop(s);
    let sent = commands(&rx);
    assert!(sent.contains(&"USER anonymous".to_string()), "{sent:?}");
    assert!(sent.contains(&"PASS ftpc@".to_string()), "{sent:?}");
}

/// The prompt on a real terminal: `script` gives ftpc a pseudo-terminal, and the password
/// is typed on it.
#[test]
fn a_user_without_password_is_asked_on_the_terminal() {
    if !Path::new("/usr/bin/script").is_file() {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("script (util-linux) is required in CI");
        }
        eprintln!("SKIPPING: no /usr/bin/script for a pseudo-terminal");
        return;
    }
    let (s, rx) = server("220 hi", |_, _, _, _| None);
    let cmd = format!(
        "{} quote --tls none ftp://bob@127.0.0.1:{}/ NOOP",
        env!("CARGO_BIN_EXE_ftpc"),
        s.port()
    );
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new("/usr/bin/script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env_remove("FTPC_PASSWORD")
        .env("HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Typed once the prompt shows, as a user would.
    let mut out = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("Password for bob@127.0.0.1: ") {
        let n = std::io::Read::read(&mut out, &mut buf).unwrap();
        assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let mut input = child.stdin.take().unwrap();
    input.write_all(b"typed-Secret\n").unwrap();
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    drop(input);
    seen.extend_from_slice(&rest);
    let shown = String::from_utf8_lossy(&seen);
    assert!(status.success(), "{shown}");
    // Whether echo was off cannot be told here without a race: the password may reach the
    // pseudo-terminal before rpassword turns echo off, and the terminal would echo it.
    assert!(shown.contains("200 ok"), "{shown}");
    drop(s);
    let sent = commands(&rx);
    assert!(sent.contains(&"PASS typed-Secret".to_string()), "{sent:?}");
}

#[test]
fn put_from_stdin_cat_get_several_mv_rmdir_against_vsftpd() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    std::fs::create_dir(server.root().join("in")).unwrap();
    server.chown_tree();
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i * 31 % 251) as u8).collect();

    // put -: standard input, streamed, to the name in the URL.
    let o = Run {
        password: Some(server.password()),
        stdin: Some(&body),
        ..Run::default()
    }
    .ftpc(&[
        "put",
        "-",
        &url(&server, "in/from-stdin.bin"),
        "--tls",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(server.root().join("in/from-stdin.bin")).unwrap(),
        body
    );
    // put - to a directory URL: which name? A usage error, nothing read or sent.
    let o = Run {
        password: Some(server.password()),
        stdin: Some(b"x"),
        ..Run::default()
    }
    .ftpc(&["put", "-", &url(&server, "in/"), "--tls", "none"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // cat: the file on standard output.
    // put - --atomic: under the hidden temporary name, then renamed.
    let o = Run {
        password: Some(server.password()),
        stdin: Some(b"atomic body"),
        ..Run::default()
    }
    .ftpc(&[
        "put",
        "-",
        &url(&server, "in/atomic.txt"),
        "--atomic",
        "--tls",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(server.root().join("in/atomic.txt")).unwrap(),
        b"atomic body"
    );
    assert!(!server.root().join("in/.atomic.txt.ftpc-part").exists());

    let o = with_password(&server, &["cat", &url(&server, "in/from-stdin.bin")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, body);
    let o = with_password(&server, &["cat", &url(&server, "in/missing")]);
    assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));

    // get of several URLs: one session, each file under its remote name.
    server.write_file("in/a.txt", b"aaa");
    server.write_file("in/b.txt", b"bbbb");
    let work = tempfile::tempdir().unwrap();
    let o = Run {
        password: Some(server.password()),
        cwd: Some(work.path()),
        ..Run::default()
    }
    .ftpc(&[
        "get",
        &url(&server, "in/a.txt"),
        &url(&server, "in/b.txt"),
        "--tls",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(work.path().join("a.txt")).unwrap(), b"aaa");
    assert_eq!(std::fs::read(work.path().join("b.txt")).unwrap(), b"bbbb");

    // mv: a new name beside the old one, then an absolute path.
    let o = with_password(&server, &["mv", &url(&server, "in/a.txt"), "renamed.txt"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(server.root().join("in/renamed.txt").is_file());
    assert!(!server.root().join("in/a.txt").exists());
    let o = with_password(
        &server,
        &["mv", &url(&server, "in/renamed.txt"), "/top.txt"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(server.root().join("top.txt")).unwrap(),
        b"aaa"
    );
    let o = with_password(&server, &["mv", &url(&server, "in/nothing"), "x"]);
    assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));

    // rmdir: an empty directory goes; a full one is refused (6), a missing one is 9.
    std::fs::create_dir(server.root().join("empty")).unwrap();
    server.chown_tree();
    let o = with_password(&server, &["rmdir", &url(&server, "empty")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!server.root().join("empty").exists());
    let o = with_password(&server, &["rmdir", &url(&server, "in")]);
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(server.root().join("in").is_dir());
}

#[test]
fn mkdir_parents_and_rm_recursive_against_vsftpd() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let o = with_password(&server, &["mkdir", "-p", &url(&server, "a/b/c")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(server.root().join("a/b/c").is_dir());
    // Again: it exists as a directory, which is success with -p and a refusal without.
    let o = with_password(&server, &["mkdir", "-p", &url(&server, "a/b/c")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = with_password(&server, &["mkdir", &url(&server, "a/b/c")]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    // One more level below existing ones, with an absolute path.
    let o = with_password(&server, &["mkdir", "-p", &url(&server, "/a/b/c/d")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(server.root().join("a/b/c/d").is_dir());
    // A file in the way: refused.
    server.write_file("a/file", b"f");
    let o = with_password(&server, &["mkdir", "-p", &url(&server, "a/file/x")]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));

    // rm -r: the whole tree, deepest first; a link is deleted, never followed.
    server.write_file("a/b/one.txt", b"1");
    server.write_file("a/b/c/two.txt", b"2");
    server.write_file("a/b/c/d/three.txt", b"3");
    server.write_file("keep/k.txt", b"k");
    std::os::unix::fs::symlink("../../keep", server.root().join("a/b/link")).unwrap();
    let o = with_password(&server, &["rm", "-r", &url(&server, "a"), "-v"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!server.root().join("a").exists());
    assert!(server.root().join("keep/k.txt").is_file());
    assert!(
        stderr(&o).contains("5 files and 4 directories deleted"),
        "{}",
        stderr(&o)
    );
    // rm -r of a file deletes the file.
    server.write_file("lone.txt", b"l");
    let o = with_password(&server, &["rm", "-r", &url(&server, "lone.txt")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!server.root().join("lone.txt").exists());

    // Never / nor the login directory, however spelled; nothing is deleted.
    for path in ["", "/", "//", ".", "keep/..", "/keep/../"] {
        let u = format!("ftp://{}@127.0.0.1:{}/{path}", server.user(), server.port());
        let o = with_password(&server, &["rm", "-r", &u]);
        assert_eq!(o.status.code(), Some(2), "{path:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("refuses"), "{}", stderr(&o));
    }
    assert!(server.root().join("keep/k.txt").is_file());
}

/// A scripted tree: d holds sub/ (y.txt, z.txt) and x.txt; deleting z.txt is refused.
#[test]
fn rm_recursive_stops_at_the_first_failure_and_says_what_is_left() {
    let (s, rx) = server("220 hi", |c, ctx, verb, arg| match (verb, arg) {
        ("MLSD", "d") => send_data(
            c,
            ctx,
            b"type=dir; sub\r\ntype=file;size=1; x.txt\r\n",
            "226 done",
        ),
        ("MLSD", "d/sub") => send_data(
            c,
            ctx,
            b"type=file;size=1; y.txt\r\ntype=file;size=1; z.txt\r\n",
            "226 done",
        ),
        ("DELE", "d/sub/y.txt") => Some("250 deleted".into()),
        ("DELE", "d/sub/z.txt") => Some("450 busy".into()),
        ("FEAT", _) => Some("211-Features:\r\n MLST type*;size*;\r\n211 End".into()),
        ("MLST", "d") => Some("250-facts\r\n type=dir; d\r\n250 End".into()),
        _ => None,
    });
    let o = plain_with(
        "p",
        &["rm", "-r", &format!("ftp://u@127.0.0.1:{}/d", s.port())],
    );
    let e = stderr(&o);
    // 450 to DELE: a refused command, exit 6.
    assert_eq!(o.status.code(), Some(6), "{e}");
    assert!(
        e.contains("rm -r stopped at d/sub/z.txt")
            && e.contains("1 files and 0 directories were deleted")
            && e.contains("d/sub/z.txt and the rest of d are left"),
        "{e}"
    );
    drop(s);
    let sent = commands(&rx);
    let wanted = ["DELE d/sub/y.txt", "DELE d/sub/z.txt"];
    let done: Vec<&String> = sent
        .iter()
        .filter(|c| c.starts_with("DELE") || c.starts_with("RMD"))
        .collect();
    assert_eq!(
        done, wanted,
        "deepest first, and nothing after the failure: {sent:?}"
    );
}

#[test]
fn stat_by_mlst_by_size_and_mdtm_and_by_listing() {
    // The embedded server has MLST.
    let emb = EmbeddedServer::start();
    std::fs::write(emb.root().join("f.txt"), b"12345").unwrap();
    std::fs::create_dir(emb.root().join("dir")).unwrap();
    let base = format!("ftp://alice@127.0.0.1:{}/", emb.port());
    let pw = Run {
        password: Some("x"),
        ..Run::default()
    };
    let o = pw.ftpc(&["stat", &format!("{base}f.txt"), "--tls", "none", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json_lines(&o);
    assert_eq!(j.len(), 1);
    assert_eq!(j[0]["type"], "file");
    assert_eq!(j[0]["size"], 5);
    assert_eq!(j[0]["via"], "mlst");
    assert!(j[0]["modified"].as_str().unwrap().ends_with('Z'), "{j:?}");
    let o = pw.ftpc(&["stat", &format!("{base}dir"), "--tls", "none"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("dir - "), "{}", stdout(&o));
    let o = pw.ftpc(&["stat", &format!("{base}nope"), "--tls", "none"]);
    assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));

    // A server with SIZE and MDTM but no MLST.
    let (s, _rx) = server("220 hi", |_, _, verb, arg| match (verb, arg) {
        ("SIZE", "r.csv") => Some("213 1234".into()),
        ("MDTM", "r.csv") => Some("213 20240102030405".into()),
        _ => None,
    });
    let o = pw.ftpc(&[
        "stat",
        &format!("ftp://u@127.0.0.1:{}/r.csv", s.port()),
        "--tls",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "file 1234 2024-01-02T03:04:05Z r.csv\n");
    drop(s);

    // Neither: the parent's listing.
    let (s, _rx) = server("220 hi", |c, ctx, verb, arg| match (verb, arg) {
        ("SIZE", _) => Some("550 not a plain file".into()),
        ("LIST", "in") => send_data(
            c,
            ctx,
            b"drwxr-xr-x 2 u g 4096 Jan  2  2024 sub\r\n-rw-r--r-- 1 u g 7 Jan  2  2024 other\r\n",
            "226 done",
        ),
        ("MLSD", _) => Some("500 no".into()),
        _ => None,
    });
    let o = pw.ftpc(&[
        "stat",
        &format!("ftp://u@127.0.0.1:{}/in/sub", s.port()),
        "--tls",
        "none",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json_lines(&o);
    assert_eq!(j[0]["type"], "dir", "{j:?}");
    assert_eq!(j[0]["via"], "list", "{j:?}");
    assert_eq!(j[0]["path"], "in/sub", "{j:?}");
}

#[test]
fn quote_prints_the_reply_and_exits_by_its_class() {
    let (s, rx) = server("220 hi", |_, _, verb, _| match verb {
        "SYST" => Some("215 UNIX Type: L8".into()),
        _ => None,
    });
    let u = format!("ftp://u@127.0.0.1:{}/", s.port());
    let pw = Run {
        password: Some("p"),
        ..Run::default()
    };
    let o = pw.ftpc(&["quote", "--tls", "none", &u, "SYST"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "215 UNIX Type: L8\n");
    drop(s);
    assert!(commands(&rx).contains(&"SYST".to_string()));

    let (s, rx) = server("220 hi", |_, _, verb, _| match verb {
        "SITE" => Some("500-bad\r\n500 no \x1b[31mred".into()),
        _ => None,
    });
    let u = format!("ftp://u@127.0.0.1:{}/", s.port());
    // The alias, words joined, a 5xx reply: printed (escape sequences defused), exit 6.
    let o = pw.ftpc(&[
        "raw", "--tls", "none", &u, "SITE", "CHMOD", "-R", "640", "f",
    ]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert_eq!(stdout(&o), "500-bad\n500 no ?[31mred\n");
    drop(s);
    assert!(
        commands(&rx).contains(&"SITE CHMOD -R 640 f".to_string()),
        "{:?}",
        commands(&rx)
    );

    // A line break in the command: refused before connecting.
    let o = pw.ftpc(&[
        "quote",
        "--tls",
        "none",
        "ftp://u@127.0.0.1:1/",
        "NOOP\r\nDELE x",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn ftpes_and_what_ftp_means_against_a_plain_vsftpd() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    for scheme in ["ftp", "ftpes"] {
        let u = format!("{scheme}://{}@127.0.0.1:{}/", server.user(), server.port());
        let o = Run {
            password: Some(server.password()),
            ..Run::default()
        }
        .ftpc(&["ls", &u]);
        assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(
                "ftp:// means explicit TLS in ftpc; use --tls none for plain FTP on a trusted network"
            ),
            "{}",
            stderr(&o)
        );
    }
    // The password never went out in clear.
    assert!(
        !server.log().contains(server.password()),
        "{}",
        server.log()
    );
    // Against a server with explicit FTPS, ftpes:// connects over TLS.
    let certs = ftpkit_test_support::certs::TestCerts::generate();
    let tls_server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .start();
    tls_server.write_file("over-tls.txt", b"x");
    let u = format!(
        "ftpes://{}@127.0.0.1:{}/",
        tls_server.user(),
        tls_server.port()
    );
    let o = Run {
        password: Some(tls_server.password()),
        ..Run::default()
    }
    .ftpc(&["ls", &u, "--ca-file", certs.ca.to_str().unwrap(), "-v"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("over-tls.txt"), "{}", stdout(&o));
    assert!(stderr(&o).contains("control TLS via"), "{}", stderr(&o));

    let u = format!("ftpes://127.0.0.1:{}/", server.port());
    for tls in ["none", "implicit", "auto"] {
        let o = ftpc(&["ls", &u, "--tls", tls]);
        assert_eq!(o.status.code(), Some(2), "{tls}: {}", stderr(&o));
        assert!(stderr(&o).contains("ftpes://"), "{}", stderr(&o));
    }
}

#[test]
fn help_says_what_ftp_means_and_every_exit_code() {
    let o = ftpc(&["--help"]);
    assert!(o.status.success());
    let h = stdout(&o);
    assert!(
        h.lines().next().unwrap().contains("ftp:// requires TLS"),
        "{h}"
    );
    for code in [
        "0  ok",
        "2  usage",
        "3  connect",
        "4  TLS",
        "5  login",
        "6  a command",
        "7  data",
        "8  local",
        "9  not found",
        "10 timeout",
    ] {
        assert!(h.contains(code), "{code}: {h}");
    }
    for cmd in ["rmdir", "mv", "cat", "stat", "quote"] {
        let o = ftpc(&[cmd, "--help"]);
        assert!(o.status.success(), "{cmd}");
    }
}

#[test]
fn a_silent_server_is_exit_10() {
    use ftpkit_test_support::fake::FakeServer;
    let s = FakeServer::start(|mut c| {
        c.send(b"220 hi\r\n");
        c.silence();
    });
    let o = plain_with(
        "p",
        &[
            "ls",
            &format!("ftp://u@127.0.0.1:{}/", s.port()),
            "--timeout",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(10), "{}", stderr(&o));
    assert!(stderr(&o).contains("no answer"), "{}", stderr(&o));
}

#[test]
fn rm_recursive_refuses_the_login_directory_by_its_absolute_name() {
    let (s, rx) = server("220 hi", |_, _, verb, _| match verb {
        "PWD" => Some("257 \"/home/u\" is the current directory".into()),
        _ => None,
    });
    let o = plain_with(
        "p",
        &[
            "rm",
            "-r",
            &format!("ftp://u@127.0.0.1:{}//home/./u/", s.port()),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("refuses to delete /home/u: it is the login directory"),
        "{}",
        stderr(&o)
    );
    drop(s);
    let sent = commands(&rx);
    assert!(
        !sent.iter().any(|c| ["DELE", "RMD", "MLSD", "LIST", "CWD"]
            .iter()
            .any(|v| c.starts_with(v))),
        "{sent:?}"
    );
}

#[test]
fn rm_recursive_refuses_a_listing_name_that_reaches_outside() {
    let (s, rx) = server("220 hi", |c, ctx, verb, arg| match (verb, arg) {
        ("FEAT", _) => Some("211-Features:\r\n MLST type*;\r\n211 End".into()),
        ("MLST", "d") => Some("250-facts\r\n type=dir; d\r\n250 End".into()),
        ("MLSD", "d") => send_data(
            c,
            ctx,
            b"type=cdir; .\r\ntype=pdir; ..\r\ntype=file; ../../etc/passwd\r\n",
            "226 done",
        ),
        _ => None,
    });
    let o = plain_with(
        "p",
        &["rm", "-r", &format!("ftp://u@127.0.0.1:{}/d", s.port())],
    );
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("rm -r stopped at"), "{}", stderr(&o));
    drop(s);
    let sent = commands(&rx);
    assert!(
        !sent
            .iter()
            .any(|c| c.starts_with("DELE") || c.starts_with("RMD")),
        "{sent:?}"
    );
}
