//! The quickstart: starts an embedded FTP server on 127.0.0.1 (libunftp over a temporary
//! directory, an ephemeral port), then runs a whole session against it with this client:
//! log in, make a directory, upload, list, download, verify, rename, delete.
//!
//! Run it with `cargo run --example quickstart`. Add `RUST_LOG=debug` to see every command
//! and reply.

#[path = "../tests/support/embedded.rs"]
mod embedded;

use std::io::{Read, Write};
use std::time::Instant;

use ftp_client::{Client, TlsMode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    init_log();
    let server = embedded::EmbeddedServer::start();
    println!(
        "embedded FTP server on {} serving {}",
        server.addr(),
        server.root().display()
    );

    let started = Instant::now();
    // Plain FTP for now, chosen explicitly: the default is explicit TLS.
    let mut ftp = Client::builder("127.0.0.1")
        .port(server.port())
        .tls_mode(TlsMode::None)
        .connect()?;
    println!("connected: {}", ftp.welcome());
    ftp.login("quickstart", "not-a-secret")?;
    println!(
        "logged in; server features: {}",
        ftp.features().names().collect::<Vec<_>>().join(" ")
    );

    let dir = ftp.mkdir("quickstart")?;
    println!("made directory {dir}");
    ftp.cwd("quickstart")?;

    // Upload 1 MiB of patterned bytes through the streaming writer.
    let payload: Vec<u8> = (0..1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut up = ftp.stor("data.bin")?;
    up.write_all(&payload)?;
    let reply = up.finish()?;
    println!("uploaded data.bin ({} bytes): {reply}", payload.len());

    for e in ftp.list_entries(None)? {
        println!("  listed: {:?} {} size={:?}", e.kind, e.name, e.size);
    }

    // Download through the streaming reader and compare.
    let mut back = Vec::new();
    let mut dl = ftp.retr("data.bin")?;
    dl.read_to_end(&mut back)?;
    let reply = dl.finish()?;
    if back != payload {
        return Err(format!(
            "downloaded {} bytes that differ from the upload",
            back.len()
        )
        .into());
    }
    println!(
        "downloaded data.bin ({} bytes), identical to the upload: {reply}",
        back.len()
    );

    ftp.rename("data.bin", "renamed.bin")?;
    println!(
        "renamed data.bin -> renamed.bin (size {} bytes)",
        ftp.size("renamed.bin")?
    );
    ftp.delete("renamed.bin")?;
    ftp.cdup()?;
    ftp.rmdir("quickstart")?;
    println!("deleted renamed.bin and the quickstart directory");
    ftp.quit()?;
    println!("quickstart OK in {:.0?}", started.elapsed());
    Ok(())
}

fn init_log() {
    // A tiny logger so RUST_LOG=debug shows the protocol trace without extra dependencies.
    struct Stderr;
    impl log::Log for Stderr {
        fn enabled(&self, _: &log::Metadata) -> bool {
            true
        }
        fn log(&self, r: &log::Record) {
            if r.target().starts_with("ftp_") {
                eprintln!("{:5} {}", r.level(), r.args());
            }
        }
        fn flush(&self) {}
    }
    let level = match std::env::var("RUST_LOG").as_deref() {
        Ok("debug") | Ok("trace") => log::LevelFilter::Debug,
        Ok("info") => log::LevelFilter::Info,
        _ => log::LevelFilter::Warn,
    };
    if log::set_boxed_logger(Box::new(Stderr)).is_ok() {
        log::set_max_level(level);
    }
}
