//! The quickstart: starts an embedded FTPS server on 127.0.0.1 (libunftp over a temporary
//! directory, an ephemeral port, a certificate made in memory), then runs a whole session
//! against it once per TLS backend compiled in: log in over explicit TLS, make a directory,
//! upload, list, download, verify, rename, delete. For each backend it prints the negotiated
//! TLS version and cipher, and whether data connections resumed the control session.
//!
//! Run it with `cargo run --example quickstart` (add `--all-features` for every backend,
//! and `RUST_LOG=debug` to see every command and reply).

use std::io::{Read, Write};
use std::time::Instant;

use ftpkit::{Backend, Client, Security, TlsInfo, TlsOptions};
use ftpkit_test_support::{certs, embedded};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    init_log();
    let certs = certs::TestCerts::generate();
    let server = embedded::EmbeddedServer::start_ftps(&certs.cert, &certs.key);
    println!(
        "embedded FTPS server on {} serving {}",
        server.addr(),
        server.root().display()
    );

    let backends = Backend::available();
    println!("TLS backends compiled in: {}", names(&backends));
    for backend in backends {
        println!("\n== {backend} ==");
        session(&server, backend, &certs)?;
    }
    Ok(())
}

fn session(
    server: &embedded::EmbeddedServer,
    backend: Backend,
    certs: &certs::TestCerts,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    // Trust the server's private CA; certificate and host name are verified.
    let mut tls = TlsOptions::default();
    tls.ca_files.push(certs.ca.clone());
    let mut ftp = Client::builder("127.0.0.1", Security::Explicit(backend.connector(&tls)?))
        .port(server.port())
        .connect()?;
    println!("connected: {}", ftp.welcome());
    println!(
        "control TLS: {}",
        describe(&ftp.tls_info().unwrap_or_default())
    );
    ftp.login("quickstart", "not-a-secret")?;
    println!(
        "logged in; server features: {}",
        ftp.features().names().collect::<Vec<_>>().join(" ")
    );

    let dir = format!("quickstart-{backend}");
    ftp.mkdir(&dir)?;
    ftp.cwd(&dir)?;
    println!("made and entered directory {dir}");

    // Upload 1 MiB of patterned bytes through the streaming writer.
    let payload: Vec<u8> = (0..1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut up = ftp.upload("data.bin")?;
    let data_tls = up.tls_info().unwrap_or_default();
    up.write_all(&payload)?;
    let reply = up.finish()?;
    println!("uploaded data.bin ({} bytes): {reply}", payload.len());
    println!("data TLS: {}", describe(&data_tls));

    for e in ftp.list("")? {
        println!("  listed: {:?} {} size={:?}", e.kind, e.name, e.size);
    }

    // Download through the streaming reader and compare.
    let mut back = Vec::new();
    let mut dl = ftp.download("data.bin")?;
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
    ftp.rmdir(&dir)?;
    println!("deleted renamed.bin and {dir}");
    ftp.quit()?;
    println!("{backend}: OK in {:.0?}", started.elapsed());
    Ok(())
}

fn names(b: &[Backend]) -> String {
    b.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ")
}

fn describe(i: &TlsInfo) -> String {
    format!(
        "{} {} via {}, session resumed: {}",
        i.protocol.as_deref().unwrap_or("?"),
        i.cipher.as_deref().unwrap_or("?"),
        i.backend,
        match i.resumed {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown (this backend cannot tell)",
        }
    )
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
