//! Whole trees against a real vsftpd (plain, and explicit TLS with `require_ssl_reuse`):
//! 500 files in nested directories up and down with 1 and 4 sessions, update runs that
//! move exactly what changed (checked in the server's transfer log), and mirrors that
//! delete only what the source lost.

use std::fs;
use std::path::Path;

use ftpkit::{
    Backend, Client, Credentials, Op, Outcome, Pool, Security, SyncMode, SyncOptions, TlsOptions,
    TreeSync,
};
use ftpkit_test_support::certs::TestCerts;
use ftpkit_test_support::data::{read_tree, sample_tree};
use ftpkit_test_support::proftpd::{require_proftpd, Proftpd};
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

fn pool(server: &Vsftpd, security: Security, size: usize) -> Pool {
    pool_on(
        server.port(),
        server.user(),
        server.password(),
        security,
        size,
    )
}

fn pool_on(port: u16, user: &str, password: &str, security: Security, size: usize) -> Pool {
    Pool::new(
        Client::builder("127.0.0.1", security).port(port),
        Credentials::new(user, password),
        size,
    )
}

/// Uploads `local` to `/remote`, downloads it again into a fresh directory, and checks
/// every byte on the server and back home.
fn round_trip(server_root: &Path, pool: &Pool, label: &str) {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    let files = sample_tree(&src);
    let remote = format!("/{label}");
    let up = TreeSync::upload(&src, remote.as_str());
    let plan = up.plan(pool).expect("plan the upload");
    assert_eq!(
        plan.transfer_totals().0,
        500,
        "{label}: {:?}",
        plan.problems
    );
    let report = up.run(pool, &plan, None);
    let failures: Vec<_> = report
        .failures()
        .map(|f| format!("{}: {:?}", f.path, f.outcome))
        .collect();
    assert!(failures.is_empty(), "{label}: {failures:#?}");
    assert_eq!(
        read_tree(&server_root.join(label)),
        files,
        "{label}: on the server"
    );
    assert!(
        report.sessions_opened <= pool.size(),
        "{label}: {}",
        report.sessions_opened
    );

    let back = work.path().join("back");
    let down = TreeSync::download(remote.as_str(), &back);
    let plan = down.plan(pool).expect("plan the download");
    assert_eq!(
        plan.transfer_totals().0,
        500,
        "{label}: {:?}",
        plan.problems
    );
    let report = down.run(pool, &plan, None);
    assert!(
        report.is_success(),
        "{label}: {:#?}",
        report.failures().collect::<Vec<_>>()
    );
    assert_eq!(read_tree(&back), files, "{label}: downloaded");
    if pool.builder().current_security().connector().is_some() {
        for o in report.outcomes.iter().filter(|o| o.op == Op::Transfer) {
            assert_eq!(o.tls_resumed, Some(true), "{label}: {}", o.path);
        }
    }
}

#[test]
fn a_500_file_tree_round_trips_plain_with_one_and_four_sessions() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    for n in [1, 4] {
        round_trip(
            server.root(),
            &pool(&server, Security::Plain, n),
            &format!("plain-{n}"),
        );
    }
}

#[test]
fn a_500_file_tree_round_trips_over_tls_with_session_reuse_required() {
    if !require_vsftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let server = Vsftpd::builder()
        .ftps(&certs.cert, &certs.key, false)
        .option("require_ssl_reuse", "YES")
        .start();
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    for backend in [Backend::Rustls, Backend::OpenSsl] {
        if !backend.is_available() {
            continue;
        }
        for n in [1, 4] {
            let security = Security::Explicit(backend.connector(&opts).unwrap());
            round_trip(
                server.root(),
                &pool(&server, security, n),
                &format!("{backend}-{n}"),
            );
        }
    }
}

/// ProFTPD lists with MLSD (the walk's other path) and sets times with MFMT: the tree
/// round-trips plain and over TLS (mod_tls requires session reuse by default), and an
/// update upload right after finds nothing to do, because the uploaded copies got the
/// local times.
#[test]
fn a_500_file_tree_round_trips_against_proftpd_with_mlsd_and_mfmt() {
    if !require_proftpd() {
        return;
    }
    let certs = TestCerts::generate();
    let plain = Proftpd::start();
    let tls = Proftpd::builder().tls(&certs.cert, &certs.key).start();
    let mut opts = TlsOptions::default();
    opts.ca_files.push(certs.ca.clone());
    let on = |s: &Proftpd, security, n| pool_on(s.port(), s.user(), s.password(), security, n);
    let mut pools = vec![
        (
            "plain-1".to_string(),
            &plain,
            on(&plain, Security::Plain, 1),
        ),
        (
            "plain-4".to_string(),
            &plain,
            on(&plain, Security::Plain, 4),
        ),
    ];
    for backend in [Backend::Rustls, Backend::OpenSsl] {
        if backend.is_available() {
            let mut opts = opts.clone();
            if backend == Backend::Rustls {
                // ProFTPD accepts a data connection only when it resumes a ticket issued on
                // the control connection, and rustls uses each TLS 1.3 ticket once (RFC
                // 8446 C.4): after two data connections a session would need a new one
                // (the runner reconnects, but the bound on sessions below would not hold).
                // TLS 1.2 sessions resume any number of times. See the README.
                opts.max_version = ftpkit::TlsVersion::Tls12;
            }
            for n in [1, 4] {
                let security = Security::Explicit(backend.connector(&opts).unwrap());
                pools.push((format!("{backend}-{n}"), &tls, on(&tls, security, n)));
            }
        }
    }
    for (label, server, pool) in &pools {
        let probe = pool.get().unwrap();
        assert!(probe.features().has("MLST") && probe.features().has("MFMT"));
        drop(probe);
        round_trip(server.root(), pool, label);
    }
    // Update after no change: MFMT gave the server copies the local times.
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    sample_tree(&src);
    let (_, _, pool) = &pools[0];
    let sync = TreeSync::upload(&src, "/again");
    let report = sync.run(pool, &sync.plan(pool).unwrap(), None);
    assert!(report.is_success());
    let mut update = SyncOptions::default();
    update.mode = SyncMode::Update;
    let plan = TreeSync::upload(&src, "/again")
        .options(update)
        .plan(pool)
        .unwrap();
    assert!(plan.is_noop(), "{plan}");
}

fn downloads_logged(server: &Vsftpd) -> usize {
    server.log().matches("OK DOWNLOAD").count()
}

/// An update after no change transfers nothing (the server's transfer log does not grow);
/// after three files change it transfers exactly those three; a mirror with delete removes
/// what the source lost.
#[test]
fn update_moves_exactly_what_changed_and_mirror_deletes_what_the_source_lost() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    for d in 0..3 {
        for f in 0..4 {
            server.write_file(format!("/tree/d{d}/f{f}.txt"), format!("{d}-{f}"));
        }
    }
    let pool = pool(&server, Security::Plain, 2);
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("copy");
    let mut update = SyncOptions::default();
    update.mode = SyncMode::Update;
    let sync = TreeSync::download("/tree", &local).options(update.clone());
    let report = sync.run(&pool, &sync.plan(&pool).unwrap(), None);
    assert_eq!(report.transferred().0, 12);
    assert_eq!(downloads_logged(&server), 12);
    // LIST gives minutes; the copy has the server's time to the second (MDTM).
    let secs = |p: &Path| {
        let t = fs::metadata(p).unwrap().modified().unwrap();
        t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    };
    assert_eq!(
        secs(&local.join("d0/f0.txt")),
        secs(&server.root().join("tree/d0/f0.txt"))
    );

    let plan = sync.plan(&pool).unwrap();
    assert!(plan.is_noop(), "nothing changed:\n{plan}");
    assert!(sync.run(&pool, &plan, None).is_success());
    assert_eq!(downloads_logged(&server), 12, "no download after no change");

    for f in ["/tree/d0/f1.txt", "/tree/d1/f3.txt", "/tree/d2/f0.txt"] {
        server.write_file(f, "changed, and longer");
    }
    let plan = sync.plan(&pool).unwrap();
    let moved: Vec<String> = plan
        .with_op(Op::Transfer)
        .map(|a| a.path.to_string())
        .collect();
    assert_eq!(moved, ["d0/f1.txt", "d1/f3.txt", "d2/f0.txt"], "{plan}");
    let report = sync.run(&pool, &plan, None);
    assert_eq!(report.transferred().0, 3);
    assert_eq!(downloads_logged(&server), 15);
    assert_eq!(
        fs::read(local.join("d1/f3.txt")).unwrap(),
        b"changed, and longer"
    );

    // Mirror: what the source lost goes on the target too.
    fs::remove_file(server.root().join("tree/d2/f2.txt")).unwrap();
    fs::remove_dir_all(server.root().join("tree/d1")).unwrap();
    let mut mirror_options = update.clone();
    mirror_options.delete = true;
    let mirror = TreeSync::download("/tree", &local).options(mirror_options);
    let plan = mirror.plan(&pool).unwrap();
    let report = mirror.run(&pool, &plan, None);
    assert!(
        report.is_success(),
        "{:#?}",
        report.failures().collect::<Vec<_>>()
    );
    assert!(!local.join("d2/f2.txt").exists());
    assert!(!local.join("d1").exists());
    assert!(local.join("d2/f1.txt").exists());
    assert_eq!(downloads_logged(&server), 15, "deleting downloads nothing");
    let deleted = report
        .outcomes
        .iter()
        .filter(|o| {
            matches!(o.op, Op::Delete | Op::RemoveDir) && matches!(o.outcome, Outcome::Done)
        })
        .count();
    assert_eq!(deleted, 6, "d2/f2.txt, d1/f0..f3.txt and d1");
}

/// vsftpd has no MFMT but sets times with `MDTM time path` when the session is told it
/// understands that: the uploaded copies then carry the local times, to the second.
#[test]
fn uploads_keep_local_times_with_mdtm_where_asked() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    fs::create_dir_all(src.join("d")).unwrap();
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    for f in ["a.txt", "d/b.txt"] {
        fs::write(src.join(f), f).unwrap();
        fs::File::options()
            .write(true)
            .open(src.join(f))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let mut config = ftpkit::Config::default();
    config.mdtm_sets_time = true;
    let builder = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .config(config);
    let pool = Pool::new(
        builder,
        Credentials::new(server.user(), server.password()),
        2,
    );
    let sync = TreeSync::upload(&src, "/timed");
    let report = sync.run(&pool, &sync.plan(&pool).unwrap(), None);
    assert!(
        report.is_success(),
        "{:#?}",
        report.failures().collect::<Vec<_>>()
    );
    for f in ["a.txt", "d/b.txt"] {
        let remote = fs::metadata(server.root().join("timed").join(f))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(remote, old, "{f}");
    }
    assert!(
        server.log().contains("MDTM 20200913122640"),
        "{}",
        server.log()
    );
}
