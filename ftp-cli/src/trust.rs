//! `ftpc trust URL`: trust on first use. Shows the server's certificate and, once the user
//! accepts it, records it in the known-certificates file; later connections to that host
//! and port accept exactly that certificate (it is pinned), and a changed one is refused
//! with both fingerprints.
//!
//! Fetching the certificate needs one connection on which it is not verified: that
//! connection stops after the TLS handshake (`QUIT`, no login), so no password ever
//! travels over it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use ftpkit::{
    Backend, CertificateInfo, CertificatePin, Client, Config, KnownCertificates, Security, TlsMode,
    TlsOptions,
};

use crate::args::{Opts, TlsArg};
use crate::failure::{usage, Failure};
use crate::session::{base_config, init_log, quit, tls_failure, tls_options};
use crate::url;

/// The known-certificates file: `--known-certs`, else `$XDG_CONFIG_HOME/ftpc/known_certs`,
/// else `~/.config/ftpc/known_certs`; `None` when there is no home to keep it in.
pub(crate) fn known_path(opts: &Opts) -> Option<PathBuf> {
    if let Some(p) = &opts.known_certs {
        return Some(p.clone());
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(config.join("ftpc").join("known_certs"))
}

/// The port a URL connects to, for the known-certificates key.
pub(crate) fn port_of(u: &url::FtpUrl, mode: TlsMode) -> u16 {
    u.port.unwrap_or(match mode {
        TlsMode::Implicit => 990,
        _ => 21,
    })
}

/// Connects, does the TLS handshake without verifying the certificate, and returns it;
/// sends `QUIT` and nothing else (no login).
pub(crate) fn fetch_certificate(
    host: &str,
    port: u16,
    mode: TlsMode,
    backend: Backend,
    tls: &TlsOptions,
    config: Config,
) -> Result<CertificateInfo, Failure> {
    let mut tls = tls.clone();
    tls.pinned.clear();
    tls.dangerous_accept_invalid_certs = true;
    let connector = backend
        .connector(&tls)
        .map_err(|e| tls_failure(backend, e))?;
    let security = Security::with_mode(mode, Some(connector))
        .ok_or_else(|| usage("trust needs TLS (explicit or implicit)"))?;
    let client = Client::builder(host.to_owned(), security)
        .config(config)
        .port(port)
        .connect()?;
    let cert = client.tls_info().and_then(|i| i.peer_certificate);
    quit(client);
    cert.ok_or_else(|| Failure {
        code: 4,
        message: format!(
            "tls-upgrade: TLS via {backend}: the backend did not hand out the server's certificate"
        ),
    })
}

/// `ftpc trust URL [--yes]`.
pub(crate) fn run(raw_url: &str, yes: bool, opts: &Opts) -> Result<(), Failure> {
    init_log(opts);
    let u = url::parse(raw_url).map_err(usage)?;
    let mode = match (opts.tls, u.implicit_tls) {
        (Some(TlsArg::None), _) => {
            return Err(usage(
                "trust is about TLS certificates; --tls none has none",
            ))
        }
        (_, true) | (Some(TlsArg::Implicit), _) => TlsMode::Implicit,
        _ => TlsMode::Explicit,
    };
    if opts.insecure || !opts.pin.is_empty() {
        return Err(usage("trust records the certificate the server presents; --insecure and --pin make no sense with it"));
    }
    let path = known_path(opts).ok_or_else(|| {
        usage("no place for the known-certificates file: set HOME or XDG_CONFIG_HOME, or give --known-certs FILE")
    })?;
    let mut known =
        KnownCertificates::load(&path).map_err(|e| crate::failure::local("reading", &path, e))?;
    let port = port_of(&u, mode);
    let backend = opts.backend.unwrap_or_default();
    let cert = fetch_certificate(
        &u.host,
        port,
        mode,
        backend,
        &tls_options(opts)?,
        base_config(opts, &u.host)?,
    )?;
    let fp = cert.fingerprints.ok_or_else(|| Failure {
        code: 4,
        message: "the backend gave no fingerprint of the server's certificate".into(),
    })?;
    let server = match u.host.contains(':') {
        true => format!("[{}]:{port}", u.host),
        false => format!("{}:{port}", u.host),
    };
    println!("The certificate of {server}:\n{cert}");
    let new = fp.certificate_pin();
    match known.get(&u.host, port) {
        Some(old) if old.matches(&fp) => {
            println!("It is already trusted ({}).", known.path().display());
            return Ok(());
        }
        Some(old) => println!(
            "WARNING: this is not the certificate you trusted for {server} before ({old}).\n\
             If its administrator replaced it, accept the new one; otherwise someone on the path may be intercepting the connection."
        ),
        None => println!(
            "Compare the fingerprint with the one the server's administrator gives you before you accept it."
        ),
    }
    if !yes && !confirm(&format!("Trust this certificate for {server}? [y/N] "))? {
        return Err(Failure {
            code: 4,
            message: format!(
                "trust: not accepted; nothing was recorded (on a script, check the fingerprint and pass --yes, or use --pin {new})"
            ),
        });
    }
    let comment = format!(
        "# {} (until {})",
        cert.subject,
        crate::ls::rfc3339(cert.not_after).unwrap_or_else(|| "?".into())
    );
    known.insert(&u.host, port, new, &comment);
    known
        .save()
        .map_err(|e| crate::failure::local("writing", &path, e))?;
    println!(
        "Trusted: connections to {server} now accept exactly this certificate ({}).",
        path.display()
    );
    Ok(())
}

/// Asks on the terminal; without one, the answer is no (a script must say `--yes`).
fn confirm(question: &str) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| usage(format!("reading the answer: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// The pin recorded for this URL's server, for connections given no pin, CA file or
/// `--insecure` of their own.
pub(crate) fn known_pin(opts: &Opts, u: &url::FtpUrl, mode: TlsMode) -> Option<CertificatePin> {
    if opts.insecure || !opts.pin.is_empty() || opts.ca_file.is_some() {
        return None;
    }
    let path = known_path(opts)?;
    let known = match KnownCertificates::load(&path) {
        Ok(k) => k,
        Err(e) => {
            log::warn!("{}: {e}; no known certificates used", path.display());
            return None;
        }
    };
    let pin = known.get(&u.host, port_of(u, mode))?;
    log::info!(
        "{}: the certificate of {}:{} is pinned to {pin}",
        path.display(),
        u.host,
        port_of(u, mode)
    );
    Some(pin)
}
