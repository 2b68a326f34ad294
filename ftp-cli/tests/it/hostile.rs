//! `ftpc` against scripted servers that show the bugs of issue 8 end to end: what a user
//! sees (exit code, message, files on disk) when a server lies, stalls or says odd things.

use crate::common::*;

use std::fs;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ftpkit_test_support::fake::{incident_server, Conn, FakeServer};
use ftpkit_test_support::scripted::{send_data, server, verbs, Ctx};

/// Runs `ftpc ARGS --tls none` with the scripted servers' password.
fn plain(args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--tls", "none"]);
    ftpc_env(&all, "p")
}

fn url(port: u16, path: &str) -> String {
    format!("ftp://u@127.0.0.1:{port}/{path}")
}

// 3. A resume can rename a wrong file into place as complete.
#[test]
fn get_resume_past_the_remote_end_keeps_everything_and_says_what_to_do() {
    let (s, rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "SIZE" => Some("213 85".into()),
        "REST" => Some("350 ok".into()),
        "RETR" => send_data(c, ctx, &[b'r'; 85], "226 done"),
        _ => None,
    });
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("f.bin");
    let part = dir.path().join("f.bin.part");
    fs::write(&part, vec![b'p'; 2000]).unwrap();
    let o = plain(&[
        "get",
        &url(s.port(), "f.bin"),
        "--resume",
        "-o",
        target.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(7), "{err}");
    assert!(err.contains("2000") && err.contains("85"), "{err}");
    assert!(
        err.contains("delete the local part") || err.contains("without resuming"),
        "{err}"
    );
    assert!(!err.contains("run again with --resume"), "{err}");
    assert!(!target.exists(), "nothing may look complete");
    assert_eq!(
        fs::read(&part).unwrap(),
        vec![b'p'; 2000],
        "the part is untouched"
    );
    assert!(!verbs(&rx).iter().any(|v| v == "RETR"));
}

#[test]
fn get_resume_of_a_complete_part_renames_it_without_retr() {
    let (s, rx) = server("220 hi", |_, _, verb, _| match verb {
        "SIZE" => Some("213 5".into()),
        _ => None,
    });
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("f.bin");
    fs::write(dir.path().join("f.bin.part"), b"12345").unwrap();
    let o = plain(&[
        "get",
        &url(s.port(), "f.bin"),
        "--resume",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read(&target).unwrap(), b"12345");
    assert!(!verbs(&rx).iter().any(|v| v == "RETR"));
}

// 3. Upload resume: a remote file larger than the local one is an error, never an append.
#[test]
fn put_resume_onto_a_larger_remote_file_is_refused() {
    let (s, rx) = server("220 hi", |_, _, verb, _| match verb {
        "SIZE" => Some("213 5000".into()),
        _ => None,
    });
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("small");
    fs::write(&local, vec![b'l'; 100]).unwrap();
    let o = plain(&[
        "put",
        local.to_str().unwrap(),
        &url(s.port(), "small"),
        "--resume",
    ]);
    let err = stderr(&o);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("5000") && err.contains("100"), "{err}");
    let sent = verbs(&rx);
    assert!(!sent.iter().any(|v| v == "APPE" || v == "STOR"), "{sent:?}");
}

// 8. More bytes than announced: the .part must not survive as something to resume.
#[test]
fn get_of_a_padded_file_fails_and_removes_the_part() {
    let (s, _rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "SIZE" => Some("213 100".into()),
        "RETR" => send_data(c, ctx, &[b'x'; 150], "226 done"),
        _ => None,
    });
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("f");
    let o = plain(&["get", &url(s.port(), "f"), "-o", target.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(7), "{err}");
    assert!(err.contains("more than the 100 bytes"), "{err}");
    assert!(!target.exists());
    assert!(!dir.path().join("f.part").exists());
}

// 13. A failed QUIT turns success into failure.
#[test]
fn a_quit_that_gets_no_answer_does_not_fail_finished_work() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("up");
    fs::write(&local, b"payload").unwrap();
    for how in ["close", "garbage"] {
        let handler = move |c: &mut Conn, ctx: &mut Ctx, verb: &str, _: &str| match verb {
            "SIZE" => Some("213 3".into()),
            "RETR" => send_data(c, ctx, b"abc", "226 done"),
            "LIST" => send_data(c, ctx, b"-rw-r--r-- 1 a b 3 Jan 01 2024 f\r\n", "226 done"),
            "STOR" => {
                let mut d = ctx.accept();
                c.send(b"150 go\r\n");
                let mut sink = Vec::new();
                let _ = std::io::Read::read_to_end(&mut d, &mut sink);
                Some("226 stored".into())
            }
            "QUIT" if how == "close" => {
                let _ = c.stream.shutdown(std::net::Shutdown::Both);
                Some(String::new())
            }
            "QUIT" => Some("this is not a reply".into()),
            _ => None,
        };
        let target = dir.path().join(format!("got-{how}"));
        let (s, _rx) = server("220 hi", handler);
        let o = plain(&["get", &url(s.port(), "f"), "-o", target.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "get, QUIT {how}: {}", stderr(&o));
        assert_eq!(fs::read(&target).unwrap(), b"abc");
        let (s, _rx) = server("220 hi", handler);
        let o = plain(&["ls", &url(s.port(), "")]);
        assert_eq!(o.status.code(), Some(0), "ls, QUIT {how}: {}", stderr(&o));
        let (s, _rx) = server("220 hi", handler);
        let o = plain(&["put", local.to_str().unwrap(), &url(s.port(), "up")]);
        assert_eq!(o.status.code(), Some(0), "put, QUIT {how}: {}", stderr(&o));
    }
}

// Also: common options before the subcommand, as curl and lftp users write them.
#[test]
fn options_are_accepted_before_the_subcommand() {
    let (s, _rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "LIST" => send_data(c, ctx, b"-rw-r--r-- 1 a b 3 Jan 01 2024 f\r\n", "226 done"),
        _ => None,
    });
    let o = ftpc_env(&["-v", "--tls", "none", "ls", &url(s.port(), "")], "p");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(" f"));
    assert!(
        stderr(&o).contains("> LIST"),
        "-v took effect: {}",
        stderr(&o)
    );
}

// Also: a line no parser understood has its own JSON type.
#[test]
fn ls_json_marks_unparsed_lines_unknown_and_keeps_them_raw() {
    let (s, _rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "LIST" => send_data(
            c,
            ctx,
            b"-rw-r--r-- 1 a b 3 Jan 01 2024 f\r\n%% not a listing line %%\r\n",
            "226 done",
        ),
        _ => None,
    });
    let o = plain(&["ls", &url(s.port(), ""), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["type"], "file");
    assert_eq!(lines[1]["type"], "unknown");
    assert_eq!(lines[1]["raw"], "%% not a listing line %%");
}

// 11. `ftpc ls` collected every entry before printing anything.
#[test]
fn ls_streams_a_huge_listing_in_constant_memory() {
    // About 10 MB of listing in 250,000 lines. Before the fix, ftpc held every entry
    // (over 100 MiB at this size); the server reads ftpc's peak resident set size before it
    // sends the final reply, while ftpc is still running.
    const ENTRIES: usize = 250_000;
    let pid = Arc::new(AtomicU32::new(0));
    let hwm_kib = Arc::new(AtomicU32::new(0));
    let (pid2, hwm2) = (pid.clone(), hwm_kib.clone());
    let (s, _rx) = server("220 hi", move |c, ctx, verb, _| match verb {
        "LIST" => {
            let mut d = ctx.accept();
            c.send(b"150 here\r\n");
            let mut chunk = Vec::new();
            for i in 0..ENTRIES {
                writeln!(chunk, "-rw-r--r-- 1 o g {i} Jan 01 2024 f{i}\r").unwrap();
                if chunk.len() > 64 * 1024 {
                    if d.write_all(&chunk).is_err() {
                        return Some("426 client went away".into());
                    }
                    chunk.clear();
                }
            }
            let _ = d.write_all(&chunk);
            drop(d);
            let status =
                fs::read_to_string(format!("/proc/{}/status", pid2.load(Ordering::SeqCst)))
                    .unwrap_or_default();
            let kib = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0);
            hwm2.store(kib, Ordering::SeqCst);
            Some("226 done".into())
        }
        _ => None,
    });
    let child = Command::new(env!("CARGO_BIN_EXE_ftpc"))
        .args(["ls", &url(s.port(), ""), "--tls", "none"])
        .env("FTPC_PASSWORD", "p")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    pid.store(child.id(), Ordering::SeqCst);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), ENTRIES);
    let kib = hwm_kib.load(Ordering::SeqCst);
    assert!(kib > 0, "the peak RSS was read");
    eprintln!("ftpc peak RSS: {kib} KiB");
    assert!(
        kib < 32 * 1024,
        "ftpc's peak RSS was {kib} KiB for a streamed listing"
    );
}

// 12. `--max-time` bounds the whole command; the connect timeout bounds the handshake.
#[test]
fn max_time_bounds_a_slow_but_live_server() {
    let (s, _rx) = server("220 hi", |c, ctx, verb, _| match verb {
        "RETR" => {
            let mut d = ctx.accept();
            c.send(b"150 here\r\n");
            for _ in 0..300 {
                if d.write_all(b".").is_err() || !c.pause(Duration::from_millis(100)) {
                    break;
                }
            }
            Some("226 done".into())
        }
        _ => None,
    });
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("slow");
    let t0 = Instant::now();
    let o = plain(&[
        "get",
        &url(s.port(), "slow"),
        "--max-time",
        "2",
        "-o",
        target.to_str().unwrap(),
    ]);
    let took = t0.elapsed();
    let err = stderr(&o);
    // --max-time fired: exit 10 (timeout), whatever the phase.
    assert_eq!(o.status.code(), Some(10), "{err}");
    assert!(err.contains("overall deadline"), "{err}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn connect_timeout_bounds_the_tls_handshake_too() {
    let server = FakeServer::start(incident_server);
    let t0 = Instant::now();
    let o = ftpc_env(
        &[
            "ls",
            &format!("ftp://u@127.0.0.1:{}/", server.port()),
            "--connect-timeout",
            "1",
            "--timeout",
            "1",
        ],
        "p",
    );
    let took = t0.elapsed();
    let err = stderr(&o);
    // A silent handshake is a timeout (10), not a TLS refusal (4).
    assert_eq!(o.status.code(), Some(10), "{err}");
    assert!(err.contains("within 1s"), "{err}");
    // The 15 s handshake default no longer applies.
    assert!(took < Duration::from_secs(8), "took {took:?}: {err}");
}

#[test]
fn help_says_which_option_bounds_what() {
    let o = ftpc(&["get", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    for want in [
        "--max-time",
        "--connect-timeout",
        "--handshake-timeout",
        "TLS handshake",
    ] {
        assert!(help.contains(want), "{want}: {help}");
    }
}
