//! The benchmark builds and runs on a tiny size, every workload but the 500-file tree (the
//! same code path as the flat files, and minutes long over TLS for lftp), with latency
//! added through the network-namespace link (the proxy outside CI without root): every row is a measurement, none failed.
//! (The figures themselves live in the benchmark's output.)

use std::process::Command;

use ftpkit_test_support::vsftpd::require_vsftpd;

#[test]
fn the_bench_runs_on_a_tiny_size() {
    if !require_vsftpd() {
        return;
    }
    // The namespace link needs root and iptables; in CI it must work, elsewhere the proxy
    // stands in (and the assertions below say which ran).
    let netns = std::env::var_os("CI").is_some()
        || (unsafe { libc::geteuid() } == 0
            && Command::new("iptables").arg("--version").output().is_ok());
    let o = Command::new(env!("CARGO_BIN_EXE_ftpkit-bench"))
        .args(["--link", if netns { "netns" } else { "proxy" }])
        .args([
            "--bulk-mib",
            "1",
            "--wan-bulk-mib",
            "1",
            "--files",
            "3",
            "--wan-files",
            "3",
            "--rtt-ms",
            "4",
            "--runs",
            "1",
            "--only",
            "bulk,wan-bulk,files,wan-files,session",
        ])
        .output()
        .expect("run the bench");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("through the link (asked: 4 ms)"), "{out}");
    let link = if netns {
        "network namespace"
    } else {
        "TCP proxy"
    };
    assert!(out.contains(link), "the {link} link: {out}");
    // Bulk: 4 loopback + 8 over the link (with and without the cap); files: 2 + 2;
    // sessions: 4. Each TLS table has ftpkit rows on rustls: one per bulk (6) and session
    // (2) table, four (loop, pools of 1, 4 and 8) per files table (2).
    assert_eq!(out.matches("\n## ").count(), 20, "{out}");
    assert_eq!(out.matches("| ftpkit (rustls) |").count(), 16, "{out}");
    // Round trips are counted over the link: a session costs several.
    let session = out
        .split("## Connect, log in, list /files, quit, plain FTP, RTT 4 ms")
        .nth(1)
        .expect("the session table over the link");
    let ftpkit = session
        .lines()
        .find(|l| l.starts_with("| ftpkit |"))
        .expect("an ftpkit row");
    let trips: u64 = ftpkit.split('|').nth(7).unwrap().trim().parse().unwrap();
    assert!((4..=20).contains(&trips), "{ftpkit}");
    assert!(!out.contains("failed"), "{out}");
}
