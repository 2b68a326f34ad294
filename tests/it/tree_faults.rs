//! Tree transfers against a scripted server that serves a small tree over MLSD and then
//! misbehaves the way no real server does on demand: a listing that breaks halfway, and a
//! session cut in the middle of a file.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::net::Shutdown;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use ftpkit::{
    Client, Credentials, Op, Outcome, Pool, Reason, RetryPolicy, Security, SyncOptions, TreeSync,
};
use ftpkit_test_support::fake::FakeServer;
use ftpkit_test_support::scripted::serve;

/// The virtual tree: absolute path → contents (`None`: a directory).
type Tree = BTreeMap<&'static str, Option<Vec<u8>>>;

#[derive(Default)]
struct Faults {
    /// MLSD of this directory sends its first line, then breaks the data connection.
    broken_listing: Option<&'static str>,
    /// The same, only this many times (then the listing works); 0: every time.
    broken_listing_times: usize,
    /// RETR of this file sends half, then the whole session is cut (as if the server's
    /// session process were killed), this many times.
    cut_retr: Option<(&'static str, usize)>,
}

fn mlsd_line(name: &str, entry: &Option<Vec<u8>>) -> String {
    match entry {
        None => format!("type=dir;modify=20260101000000; {name}\r\n"),
        Some(d) => format!(
            "type=file;size={};modify=20260101000000; {name}\r\n",
            d.len()
        ),
    }
}

fn start(tree: Tree, faults: Faults) -> (FakeServer, Arc<AtomicUsize>) {
    let tree = Arc::new(tree);
    let faults = Arc::new(Mutex::new(faults));
    let sessions = Arc::new(AtomicUsize::new(0));
    let counter = sessions.clone();
    let server = FakeServer::start_many(move |c| {
        counter.fetch_add(1, Ordering::SeqCst);
        let (tree, faults) = (tree.clone(), faults.clone());
        let (tx, _rx) = mpsc::channel();
        let mut rest = 0usize;
        serve(c, "220 tree server", tx, move |c, ctx, verb, arg| {
            match verb {
            "FEAT" => Some("211-Features:\r\n MLST type*;size*;modify*;\r\n SIZE\r\n REST STREAM\r\n211 End".into()),
            "PWD" => Some("257 \"/\"".into()),
            "REST" => {
                rest = arg.parse().unwrap_or(0);
                Some(format!("350 restarting at {rest}"))
            }
            "SIZE" => match tree.get(arg) {
                Some(Some(d)) => Some(format!("213 {}", d.len())),
                _ => Some("550 no such file".into()),
            },
            "MLSD" => {
                let dir = arg.trim_end_matches('/');
                if !matches!(tree.get(dir), Some(None)) {
                    return Some("550 no such directory".into());
                }
                let prefix = format!("{dir}/");
                let lines: Vec<String> = tree
                    .iter()
                    .filter_map(|(p, e)| {
                        let name = p.strip_prefix(prefix.as_str())?;
                        (!name.contains('/')).then(|| mlsd_line(name, e))
                    })
                    .collect();
                let mut d = ctx.accept();
                c.send(b"150 listing\r\n");
                let mut f = faults.lock().unwrap();
                let break_it = f.broken_listing == Some(dir)
                    && match f.broken_listing_times {
                        0 => true,
                        1 => {
                            f.broken_listing = None;
                            true
                        }
                        n => {
                            f.broken_listing_times = n - 1;
                            true
                        }
                    };
                drop(f);
                if break_it {
                    let _ = d.write_all(lines[0].as_bytes());
                    drop(d);
                    return Some("426 connection closed; transfer aborted".into());
                }
                let _ = d.write_all(lines.concat().as_bytes());
                drop(d);
                Some("226 done".into())
            }
            "RETR" => {
                let Some(Some(data)) = tree.get(arg) else {
                    // One listener serves every data connection: take the one the client
                    // opened, so that it is not mistaken for the next one.
                    drop(ctx.accept());
                    return Some("550 no such file".into());
                };
                let from = std::mem::take(&mut rest).min(data.len());
                let mut d = ctx.accept();
                c.send(b"150 sending\r\n");
                let mut f = faults.lock().unwrap();
                if let Some((path, left)) = f.cut_retr.as_mut() {
                    if *path == arg && *left > 0 {
                        *left -= 1;
                        let _ = d.write_all(&data[from..from + (data.len() - from) / 2]);
                        drop(d);
                        // The session process dies: no reply, connection gone.
                        let _ = c.stream.shutdown(Shutdown::Both);
                        return Some(String::new());
                    }
                }
                let _ = d.write_all(&data[from..]);
                drop(d);
                Some("226 done".into())
            }
            _ => None,
        }
        });
    });
    (server, sessions)
}

fn pool(server: &FakeServer, n: usize) -> Pool {
    Pool::new(
        Client::builder("127.0.0.1", Security::Plain).port(server.port()),
        Credentials::new("u", "p"),
        n,
    )
}

fn sample_tree() -> Tree {
    let mut t = Tree::new();
    t.insert("/t", None);
    t.insert("/t/a", None);
    t.insert("/t/a/one.bin", Some(vec![1; 1000]));
    t.insert("/t/a/two.bin", Some(vec![2; 2000]));
    t.insert("/t/b", None);
    t.insert("/t/b/three.bin", Some(vec![3; 3000]));
    t.insert("/t/b/four.bin", Some(vec![4; 4000]));
    t.insert(
        "/t/big.bin",
        Some((0..200_000u32).map(|i| (i % 251) as u8).collect()),
    );
    t
}

/// A listing that breaks halfway: the directory is a problem, not an empty directory, and a
/// mirror with delete deletes nothing at all (while the files it could list still arrive).
#[test]
fn a_listing_that_fails_halfway_makes_the_mirror_delete_nothing() {
    let (server, _) = start(
        sample_tree(),
        Faults {
            broken_listing: Some("/t/b"),
            ..Faults::default()
        },
    );
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("copy");
    fs::create_dir_all(local.join("b")).unwrap();
    fs::write(local.join("b/four.bin"), b"old").unwrap();
    fs::write(local.join("b/only-here.txt"), b"keep me").unwrap();
    fs::write(local.join("stray.txt"), b"keep me too").unwrap();
    let mut options = SyncOptions::default();
    options.delete = true;
    let sync = TreeSync::download("/t", &local).options(options);
    let pool = pool(&server, 2);
    let plan = sync.plan(&pool).expect("plan");
    assert!(
        plan.problems
            .iter()
            .any(|p| p.contains("b") && p.contains("426")),
        "{:?}",
        plan.problems
    );
    assert_eq!(plan.with_op(Op::Delete).count(), 0, "{plan}");
    assert!(plan
        .actions
        .iter()
        .any(|a| a.reason == Reason::DeletionWithheld && a.path == "stray.txt"));
    let report = sync.run(&pool, &plan, None);
    assert!(
        report.is_success(),
        "{:#?}",
        report.failures().collect::<Vec<_>>()
    );
    assert_eq!(fs::read(local.join("b/only-here.txt")).unwrap(), b"keep me");
    assert_eq!(fs::read(local.join("stray.txt")).unwrap(), b"keep me too");
    assert_eq!(fs::read(local.join("a/two.bin")).unwrap(), vec![2; 2000]);
    assert_eq!(fs::read(local.join("big.bin")).unwrap().len(), 200_000);
}

/// The session is cut twice in the middle of the same file: each time the pool opens a new
/// session, the download resumes from what arrived, and the file ends up whole; the receipt
/// shows the attempts, and the other files are not held up or lost.
#[test]
fn a_session_cut_mid_file_is_reopened_and_the_file_resumed() {
    let tree = sample_tree();
    let big = tree["/t/big.bin"].clone().unwrap();
    let (server, sessions) = start(
        tree,
        Faults {
            cut_retr: Some(("/t/big.bin", 2)),
            ..Faults::default()
        },
    );
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("copy");
    let mut options = SyncOptions::default();
    let mut retry = RetryPolicy::attempts(4);
    retry.initial = std::time::Duration::from_millis(20);
    options.retry = retry;
    let sync = TreeSync::download("/t", &local).options(options);
    let pool = pool(&server, 2);
    let plan = sync.plan(&pool).unwrap();
    let report = sync.run(&pool, &plan, None);
    assert!(
        report.is_success(),
        "{:#?}",
        report.failures().collect::<Vec<_>>()
    );
    assert_eq!(fs::read(local.join("big.bin")).unwrap(), big);
    let receipt = report
        .outcomes
        .iter()
        .find(|o| o.path == "big.bin")
        .unwrap();
    assert!(matches!(receipt.outcome, Outcome::Done));
    assert_eq!(receipt.attempts, 3, "{receipt:?}");
    // Resumed, not restarted: the last attempt moved only what was missing.
    assert!(receipt.bytes < big.len() as u64 / 2, "{receipt:?}");
    assert_eq!(report.transferred().0, 5);
    assert!(
        sessions.load(Ordering::SeqCst) >= 3,
        "two sessions were replaced"
    );
    assert!(!local.join("big.bin.part").exists());
}

/// Errors that no retry can fix are not retried: a 550 on one file costs one attempt and
/// stops nothing else.
#[test]
fn a_permanent_failure_is_not_retried_and_does_not_stop_the_others() {
    let mut tree = sample_tree();
    tree.insert("/t/a/gone.bin", Some(vec![9; 10]));
    let (server, _) = start(tree, Faults::default());
    // The listing says gone.bin exists, but the server refuses it: simulate by planning
    // against a tree that has it and running against one that lacks it.
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("copy");
    let sync = TreeSync::download("/t", &local);
    let pool1 = pool(&server, 1);
    let plan = sync.plan(&pool1).unwrap();
    drop(pool1);
    drop(server);
    let (server, _) = start(sample_tree(), Faults::default());
    let pool2 = pool(&server, 2);
    let report = sync.run(&pool2, &plan, None);
    let failed: Vec<_> = report.failures().collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].path, "a/gone.bin");
    assert_eq!(failed[0].attempts, 1, "550 is not retried");
    assert_eq!(report.transferred().0, 5);
}

/// `Client::walk` on one session: every entry, parents first, and the broken directory
/// reported as a problem rather than an empty one.
#[test]
fn walk_on_one_session_reports_what_it_could_not_read() {
    let (server, _) = start(
        sample_tree(),
        Faults {
            broken_listing: Some("/t/b"),
            ..Faults::default()
        },
    );
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    let tree = ftp.walk("t").unwrap();
    assert_eq!(tree.root, "/t");
    let paths: Vec<String> = tree.entries.iter().map(|e| e.path.to_string()).collect();
    assert_eq!(paths, ["a", "b", "big.bin", "a/one.bin", "a/two.bin"]);
    assert!(!tree.is_complete());
    assert_eq!(tree.problems.len(), 1, "{:?}", tree.problems);
    assert!(
        tree.problems[0].to_string().contains("listing b failed"),
        "{}",
        tree.problems[0]
    );
    assert!(
        ftp.walk("/nowhere").is_err(),
        "an unreadable root is an error, not a tree"
    );
}

/// A listing that breaks once is tried again: the tree is complete, nothing is missing.
#[test]
fn a_listing_that_breaks_once_is_listed_again() {
    let (server, _) = start(
        sample_tree(),
        Faults {
            broken_listing: Some("/t/b"),
            broken_listing_times: 1,
            ..Faults::default()
        },
    );
    let work = tempfile::tempdir().unwrap();
    let mut options = SyncOptions::default();
    let mut retry = RetryPolicy::attempts(3);
    retry.initial = std::time::Duration::from_millis(20);
    options.retry = retry;
    let sync = TreeSync::download("/t", work.path().join("copy")).options(options);
    let pool = pool(&server, 2);
    let plan = sync.plan(&pool).unwrap();
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(plan.transfer_totals().0, 5, "{plan}");
}
