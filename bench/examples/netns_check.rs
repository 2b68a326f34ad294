//! Checks and calibrates the simulated WAN link of `src/netns.rs` (root, vsftpd, curl):
//!
//! ```text
//! cargo run --release -p ftpkit-bench --example netns_check
//! ```
//! Re-executes itself in a fresh network namespace, then prints the connect time at 20 ms
//! RTT, the delay program's ceiling at zero delay, 64 MiB at 20 ms with and without a
//! 100 Mbit/s cap, and a vsftpd download by curl through 127.0.0.2.

#[path = "../src/netns.rs"]
mod netns;

fn main() {
    match netns::reexec_in_namespace() {
        Ok(Some(status)) => std::process::exit(netns::exit_code(status)),
        Ok(None) => {}
        Err(e) => {
            eprintln!("netns: {e}");
            std::process::exit(1);
        }
    }
    match netns::self_check() {
        Ok(report) => print!("{report}"),
        Err(e) => {
            eprintln!("netns self-check failed:\n{e}");
            std::process::exit(1);
        }
    }
}
