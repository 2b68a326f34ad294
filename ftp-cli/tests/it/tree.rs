//! `ftpc get -r`, `put -r`, `mirror` and multi-file `get` against a real vsftpd.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::*;
use ftpkit_test_support::data::read_tree;
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

fn ftpc_in(dir: &Path, args: &[&str], password: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ftpc"))
        .args(args)
        .current_dir(dir)
        .env("FTPC_PASSWORD", password)
        .output()
        .expect("run ftpc")
}

/// put -r then get -r with 3 sessions: the tree arrives whole both ways, every receipt says
/// ok, and the summary counts the files.
#[test]
fn put_r_then_get_r_round_trips_a_tree_with_receipts() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    for d in ["a", "a/b c", "ü"] {
        fs::create_dir_all(src.join(d)).unwrap();
    }
    for (i, f) in ["a/1.txt", "a/b c/2 two.txt", "ü/3.bin", "top.txt", "empty"]
        .iter()
        .enumerate()
    {
        fs::write(src.join(f), vec![b'x'; i * 1000]).unwrap();
    }
    let p = server.password();
    let src_arg = src.to_str().unwrap();
    let o = ftpc_in(
        work.path(),
        &[
            "--tls",
            "none",
            "put",
            "-r",
            src_arg,
            &url(&server, "up"),
            "--parallel",
            "3",
        ],
        p,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("5 files"), "{}", stderr(&o));
    assert_eq!(read_tree(&server.root().join("up")), read_tree(&src));

    let o = ftpc_in(
        work.path(),
        &[
            "--tls",
            "none",
            "get",
            "-r",
            &url(&server, "up"),
            "back",
            "--parallel",
            "3",
            "--json",
        ],
        p,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read_tree(&work.path().join("back")), read_tree(&src));
    let receipts = json_lines(&o);
    assert_eq!(receipts.len(), 5, "{receipts:?}");
    for r in &receipts {
        assert_eq!(r["outcome"], "ok", "{r}");
        assert_eq!(r["attempts"], 1, "{r}");
        assert!(r["verified_by"].is_string(), "{r}");
    }
}

/// mirror: a dry run prints the plan and changes nothing; the run moves only what changed;
/// --delete removes what the server lost.
#[test]
fn mirror_dry_run_update_and_delete() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    server.write_file("/m/keep.txt", "keep");
    server.write_file("/m/d/change.txt", "v1");
    server.write_file("/m/d/gone.txt", "bye");
    let work = tempfile::tempdir().unwrap();
    let p = server.password();
    let mirror = |extra: &[&str]| {
        let mut args = vec!["--tls", "none", "mirror", "--parallel", "2"];
        args.extend_from_slice(extra);
        let u = url(&server, "m");
        let mut all: Vec<&str> = args.clone();
        all.push(&u);
        all.push("local");
        ftpc_in(work.path(), &all, p)
    };
    let o = mirror(&["--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = String::from_utf8_lossy(&o.stdout);
    assert!(
        plan.contains("get    d/change.txt (missing on the target)"),
        "{plan}"
    );
    assert!(
        !work.path().join("local").exists(),
        "a dry run changes nothing"
    );

    assert!(mirror(&[]).status.success());
    assert_eq!(
        fs::read(work.path().join("local/d/change.txt")).unwrap(),
        b"v1"
    );
    server.write_file("/m/d/change.txt", "version 2");
    fs::remove_file(server.root().join("m/d/gone.txt")).unwrap();
    let o = mirror(&["--delete", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let moved: Vec<_> = json_lines(&o)
        .into_iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(moved, ["d/change.txt"], "only the changed file moves");
    assert_eq!(
        fs::read(work.path().join("local/d/change.txt")).unwrap(),
        b"version 2"
    );
    assert!(!work.path().join("local/d/gone.txt").exists());
    assert!(stderr(&o).contains("1 deleted"), "{}", stderr(&o));
}

/// Several URLs and a glob share one session; a missing file fails alone, is named, and
/// makes the exit status non-zero.
#[test]
fn get_several_urls_and_a_glob_in_one_session() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    for f in ["a.csv", "b.csv", "c.txt"] {
        server.write_file(format!("/g/{f}"), f);
    }
    let work = tempfile::tempdir().unwrap();
    let p = server.password();
    let o = ftpc_in(
        work.path(),
        &[
            "--tls",
            "none",
            "get",
            &url(&server, "g/*.csv"),
            &url(&server, "g/c.txt"),
        ],
        p,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["a.csv", "b.csv", "c.txt"] {
        assert_eq!(fs::read(work.path().join(f)).unwrap(), f.as_bytes());
    }
    assert_eq!(server.log().matches("OK LOGIN").count(), 1, "one session");

    let o = ftpc_in(
        work.path(),
        &[
            "--tls",
            "none",
            "get",
            &url(&server, "g/missing.bin"),
            &url(&server, "g/a.csv"),
        ],
        p,
    );
    // Every failure was a missing file: the command's exit code says so (7 when they differ).
    assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("missing.bin") && e.contains("1 failed"), "{e}");
    assert!(!work.path().join("missing.bin").exists());
}

/// Tree options without -r are refused rather than ignored.
#[test]
fn tree_options_need_r() {
    let o = ftpc(&["get", "ftp://127.0.0.1:1/x", "--parallel", "4"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("need get -r"), "{}", stderr(&o));
}

/// `--keepalive SECS` sends NOOPs during a long download (vsftpd logs them) and the file
/// still arrives whole; `--keepalive 0` sends none.
#[test]
fn keepalive_flag_sends_noops_during_a_long_download_and_zero_turns_it_off() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::builder().option("local_max_rate", "250000").start();
    let body = vec![7u8; 400_000];
    server.write_file("slow.bin", &body);
    let work = tempfile::tempdir().unwrap();
    let p = server.password();
    let noops = || server.log().matches("\"NOOP\"").count();
    let o = ftpc_in(
        work.path(),
        &[
            "--tls",
            "none",
            "--keepalive",
            "0.4",
            "get",
            &url(&server, "slow.bin"),
            "-o",
            "a.bin",
        ],
        p,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read(work.path().join("a.bin")).unwrap(), body);
    let sent = noops();
    assert!(sent >= 1, "no NOOP during the transfer:\n{}", server.log());
    let o = ftpc_in(
        work.path(),
        &[
            "--tls",
            "none",
            "--keepalive",
            "0",
            "get",
            &url(&server, "slow.bin"),
            "-o",
            "b.bin",
        ],
        p,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(noops(), sent, "--keepalive 0 sends none");
}

/// A directory the server will not list is not "empty": the rest arrives, the run says
/// which part it could not read, and the exit status is not 0.
#[test]
fn an_unreadable_directory_fails_the_run() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    server.write_file("/u/ok.txt", "fine");
    server.write_file("/u/locked/secret.txt", "no");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(
        server.root().join("u/locked"),
        fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let o = ftpc_in(
        work.path(),
        &[
            "--tls",
            "none",
            "get",
            "-r",
            &url(&server, "u"),
            "copy",
            "--retry",
            "0",
        ],
        server.password(),
    );
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(7), "{e}");
    assert!(
        e.contains("locked") && e.contains("could not be read"),
        "{e}"
    );
    assert_eq!(fs::read(work.path().join("copy/ok.txt")).unwrap(), b"fine");
    fs::set_permissions(
        server.root().join("u/locked"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
}
