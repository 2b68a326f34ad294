//! Throughput and memory benchmark: streams a file of `FTP_BENCH_MIB` MiB (default 256) up
//! to and back from the embedded server, in plain FTP and over FTPS with every compiled
//! backend, and prints MB/s and the process's peak memory. Memory must not grow with the
//! file size: compare `FTP_BENCH_MIB=64` with `FTP_BENCH_MIB=1024`.
//!
//! `cargo run --release --example bench --all-features`

use std::io::{self, Read, Write};
use std::time::Instant;

use ftpkit::{Backend, Client, Security, TlsOptions};
use ftpkit_test_support::{certs, embedded};

/// A reader of `left` pseudo-random bytes, generated on the fly.
struct Source {
    left: u64,
    state: u64,
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for b in &mut buf[..n] {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *b = self.state as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn peak_rss_mib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| format!("{:.1} MiB", kb as f64 / 1024.0))
        .unwrap_or_else(|| "?".into())
}

fn run(label: &str, mut ftp: Client, bytes: u64) -> Result<(), Box<dyn std::error::Error>> {
    ftp.login("bench", "bench")?;
    let t = Instant::now();
    let sent = ftp.upload_from(
        "bench.bin",
        &mut Source {
            left: bytes,
            state: 0x9E37_79B9_7F4A_7C15,
        },
        Some(bytes),
        None,
    )?;
    let up = sent as f64 / t.elapsed().as_secs_f64() / 1e6;
    let t = Instant::now();
    let got = ftp.download_to("bench.bin", &mut io::sink(), None)?;
    let down = got as f64 / t.elapsed().as_secs_f64() / 1e6;
    assert_eq!((sent, got), (bytes, bytes));
    ftp.delete("bench.bin")?;
    ftp.quit()?;
    println!(
        "{label:<22} upload {up:>8.1} MB/s   download {down:>8.1} MB/s   peak RSS so far {}",
        peak_rss_mib()
    );
    io::stdout().flush()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: u64 = std::env::var("FTP_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let bytes = mib * 1024 * 1024;
    let certs = certs::TestCerts::generate();
    let server = embedded::EmbeddedServer::start_ftps(&certs.cert, &certs.key);
    println!(
        "{mib} MiB each way against the embedded server on {}",
        server.addr()
    );
    let plain = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .connect()?;
    run("plain", plain, bytes)?;
    let mut tls = TlsOptions::default();
    tls.ca_files.push(certs.ca.clone());
    for backend in Backend::available() {
        let ftp = Client::builder("127.0.0.1", Security::Explicit(backend.connector(&tls)?))
            .port(server.port())
            .connect()?;
        run(&format!("explicit TLS {backend}"), ftp, bytes)?;
    }
    Ok(())
}
