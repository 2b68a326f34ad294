//! The benchmark builds and runs on a tiny size, with latency added: every client row is a
//! measurement, none failed. (The figures themselves live in the benchmark's output.)

use std::process::Command;

use ftpkit_test_support::vsftpd::require_vsftpd;

#[test]
fn the_bench_runs_on_a_tiny_size() {
    if !require_vsftpd() {
        return;
    }
    let o = Command::new(env!("CARGO_BIN_EXE_ftpkit-bench"))
        .args([
            "--files",
            "4",
            "--size",
            "100",
            "--rtt-ms",
            "4",
            "--runs",
            "1",
            "--parallel",
            "2",
        ])
        .output()
        .expect("run the bench");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("through the proxy"), "{out}");
    assert_eq!(
        out.matches("| ftpkit (TreeSync, plain) |").count(),
        2,
        "{out}"
    );
    assert!(
        out.contains("| ftpkit | "),
        "the connect-login-list row: {out}"
    );
    assert!(!out.contains("failed"), "{out}");
}
