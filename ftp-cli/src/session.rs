//! From the URL and options to a logged-in session: deadlines, TLS options, credentials,
//! the TLS stance, and the best-effort `QUIT` at the end.

use std::time::Duration;

use ftpkit::{
    connectors, AutoConnect, Client, ClientBuilder, Config, Credentials, DataMode, PasvAddress,
    Pool, Security, TlsMode, TlsOptions,
};

use crate::args::{Opts, TlsArg};
use crate::failure::{usage, Failure};
use crate::url;

/// `QUIT` once the work is done is a courtesy: a server that does not answer it, or
/// answers garbage, cannot undo a verified transfer. Logged, never a failure.
pub(crate) fn quit(ftp: Client) {
    if let Err(e) = ftp.quit() {
        log::info!("QUIT after the work was done: {e} (ignored)");
    }
}

pub(crate) fn secs(what: &str, v: Option<f64>) -> Result<Option<Duration>, Failure> {
    match v {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => {
            Ok(Some(Duration::from_secs_f64(s)))
        }
        Some(s) => Err(usage(format!(
            "--{what} must be a number of seconds between 0 and 86400, not {s}"
        ))),
    }
}

/// The end of the whole command for `--max-time`, counted from when the process started
/// parsing its options (the same instant for every connection the command opens).
pub(crate) fn command_deadline(d: Duration) -> std::time::Instant {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    start
        .checked_add(d)
        .unwrap_or(start + Duration::from_secs(86_400))
}

/// Turns on the debug log on stderr for `-v`.
pub(crate) fn init_log(opts: &Opts) {
    if opts.verbose {
        env_logger::Builder::new()
            .filter_level(log::LevelFilter::Debug)
            .format_timestamp_millis()
            .target(env_logger::Target::Stderr)
            .init();
    }
}

/// The user and password: options first, then the URL, then the netrc file, then a
/// prompt on the terminal; no user at all is anonymous (see [`crate::creds`]).
pub(crate) fn credentials(u: &url::FtpUrl, opts: &Opts) -> Result<(String, String), Failure> {
    crate::creds::resolve(u, opts)
}

/// `--charset`, once the options are read: how typed paths are sent and names shown.
static CHARSET: std::sync::OnceLock<ftpkit::Charset> = std::sync::OnceLock::new();

/// A path typed on the command line (or in a URL), in the server's charset (`--charset`),
/// else as UTF-8. A character the charset lacks is a usage error: nothing is sent.
pub(crate) fn rpath(path: &str) -> Result<ftpkit::RemotePath, Failure> {
    match CHARSET.get() {
        Some(cs) => cs.path(path).map_err(usage),
        None => Ok(ftpkit::RemotePath::from(path)),
    }
}

/// A name from the server as text: decoded from `--charset`, else UTF-8 with `�` for
/// bytes that are not.
pub(crate) fn shown(name: &ftpkit::RemotePath) -> String {
    match CHARSET.get() {
        Some(cs) => cs.decode(name.as_bytes()).into_owned(),
        None => name.to_string_lossy().into_owned(),
    }
}

/// Deadlines, data mode and proxy from the options (and, for the proxy, the environment)
/// for a connection to `host`: every setting but host, port and TLS.
pub(crate) fn base_config(opts: &Opts, host: &str) -> Result<Config, Failure> {
    let mut c = Config::default();
    c.proxy = crate::proxy::proxy_for(opts, host, |name| std::env::var(name).ok())?;
    let connect = secs("connect-timeout", opts.connect_timeout)?;
    if let Some(d) = connect {
        c.timeouts.connect = d;
    }
    if let Some(d) = secs("timeout", opts.timeout)? {
        c.timeouts.reply = d;
        c.timeouts.idle = d;
        c.timeouts.data_connect = d;
    }
    // As in curl, the connect timeout bounds the TLS handshake too, unless told otherwise.
    if let Some(d) = secs("handshake-timeout", opts.handshake_timeout)?.or(connect) {
        c.timeouts.handshake = d;
    }
    if let Some(d) = secs("max-time", opts.max_time)? {
        c.deadline = Some(command_deadline(d));
    }
    if opts.active || opts.active_address.is_some() || opts.active_ports.is_some() {
        c.data_mode = DataMode::Active;
    }
    c.active_address = opts.active_address;
    c.active_ports = opts.active_ports;
    c.use_epsv = !opts.disable_epsv;
    if opts.pasv_trust {
        c.pasv_address = PasvAddress::Trust;
    }
    if let Some(v) = &opts.virtual_host {
        c.virtual_host = Some(v.clone());
    }
    c.clear_command_channel = opts.ccc;
    if let Some(cs) = opts.charset {
        c.charset = Some(cs);
        let _ = CHARSET.set(cs);
    }
    if let Some(k) = opts.keepalive {
        // 0 turns keep-alive off; anything else is an interval like the other deadlines.
        c.keepalive = if k == 0.0 {
            None
        } else {
            secs("keepalive", Some(k))?
        };
    }
    crate::proxy::check_mode(c.data_mode == DataMode::Active, &c.proxy)?;
    Ok(c)
}

/// The certificate options shared by every backend.
pub(crate) fn tls_options(opts: &Opts) -> Result<TlsOptions, Failure> {
    let mut tls = TlsOptions::default();
    tls.ca_files.extend(opts.ca_file.iter().cloned());
    tls.pinned.extend(opts.pin.iter().copied());
    if opts.insecure && !opts.pin.is_empty() {
        return Err(usage(
            "--pin and --insecure contradict each other: a pin accepts one certificate, --insecure any",
        ));
    }
    tls.dangerous_accept_invalid_certs = opts.insecure;
    if opts.insecure {
        log::warn!("--insecure: the server's certificate is not checked; anyone on the path can read and change this session");
    }
    if let Some(v) = opts.tls_min {
        tls.min_version = v.version();
    }
    if let Some(v) = opts.tls_max {
        tls.max_version = v.version();
    }
    tls.check_versions().map_err(|e| usage(e.to_string()))?;
    if let (Some(cert), Some(key)) = (&opts.client_cert, &opts.client_key) {
        tls.client_identity = Some((cert.clone(), key.clone()));
    }
    Ok(tls)
}

/// [`tls_options`], plus the certificate recorded for this server by `ftpc trust`, if any
/// (and no pin, CA file or `--insecure` says otherwise).
fn tls_options_for(opts: &Opts, u: &url::FtpUrl, mode: TlsMode) -> Result<TlsOptions, Failure> {
    let mut tls = tls_options(opts)?;
    if let Some(pin) = crate::trust::known_pin(opts, u, mode) {
        tls.pinned.push(pin);
        crate::failure::pinned_by_trust(pin);
    }
    Ok(tls)
}

pub(crate) fn tls_failure(backend: impl std::fmt::Display, e: ftpkit::TlsError) -> Failure {
    Failure {
        code: 4,
        message: format!("tls-upgrade: TLS via {backend}: {e}"),
    }
}

/// How to reach a server: the URL's parts, the settings, the credentials and the TLS
/// stance (or the AutoConnect that will find one).
pub(crate) struct Target {
    pub(crate) url: url::FtpUrl,
    config: Config,
    user: String,
    password: String,
    security: Stance,
}

enum Stance {
    Fixed(Security),
    Auto(Box<AutoConnect>),
}

/// Connects and logs in as the URL and options say; returns the session and the path.
pub(crate) fn open(raw_url: &str, opts: &Opts) -> Result<(Client, String), Failure> {
    let t = target(raw_url, opts)?;
    match t.security {
        Stance::Auto(auto) => {
            let (ftp, _) = auto_connect(*auto, &t.user, &t.password)?;
            Ok((ftp, t.url.path))
        }
        Stance::Fixed(security) => {
            let mut ftp = builder(&t.url, security, t.config).connect()?;
            ftp.login(&t.user, &t.password)?;
            Ok((ftp, t.url.path))
        }
    }
}

/// The builder for the URL's host and port.
fn builder(u: &url::FtpUrl, security: Security, config: Config) -> ClientBuilder {
    let b = Client::builder(u.host.clone(), security).config(config);
    match u.port {
        Some(p) => b.port(p),
        None => b,
    }
}

fn auto_connect(
    auto: AutoConnect,
    user: &str,
    password: &str,
) -> Result<(Client, ftpkit::Profile), Failure> {
    match auto.connect(user, password) {
        Ok((ftp, report)) => {
            log::info!("auto-connect report:\n{report}");
            let profile = report
                .attempts
                .last()
                .map(|a| a.profile.clone())
                .ok_or_else(|| usage("auto-connect reported no attempt"))?;
            Ok((ftp, profile))
        }
        Err(e) => Err(Failure {
            code: 4,
            message: e.to_string().trim_end().to_string(),
        }),
    }
}

/// A pool of up to `size` sessions for the URL (with `--tls auto`, the way of connecting
/// that works is found once, then every session uses it); returns it with the path.
pub(crate) fn pool(raw_url: &str, opts: &Opts, size: usize) -> Result<(Pool, String), Failure> {
    let t = target(raw_url, opts)?;
    let security = match t.security {
        Stance::Fixed(s) => s,
        Stance::Auto(auto) => {
            let candidates = auto.candidates();
            let (ftp, profile) = auto_connect(*auto, &t.user, &t.password)?;
            quit(ftp);
            candidates
                .into_iter()
                .find(|c| c.profile == profile)
                .map(|c| c.security)
                .ok_or_else(|| usage("auto-connect found a profile it did not plan"))?
        }
    };
    let b = builder(&t.url, security, t.config);
    let pool = Pool::new(b, Credentials::new(t.user, t.password), size);
    Ok((pool, t.url.path))
}

/// The `--tls` value as the user typed it.
fn tls_arg_name(t: TlsArg) -> &'static str {
    match t {
        TlsArg::Explicit => "explicit",
        TlsArg::Implicit => "implicit",
        TlsArg::None => "none",
        TlsArg::Auto => "auto",
    }
}

/// Reads the URL and options into a [`Target`]; nothing is sent yet.
pub(crate) fn target(raw_url: &str, opts: &Opts) -> Result<Target, Failure> {
    init_log(opts);
    let u = url::parse(raw_url).map_err(usage)?;
    if u.explicit_tls && !matches!(opts.tls, None | Some(TlsArg::Explicit)) {
        return Err(usage(format!(
            "ftpes:// means explicit TLS, required; --tls {} contradicts it (use ftp:// with --tls none for plain FTP, ftps:// for implicit TLS)",
            opts.tls.map(tls_arg_name).unwrap_or_default()
        )));
    }
    let tls = match (opts.tls, u.implicit_tls) {
        (Some(TlsArg::Implicit) | None, true) => TlsArg::Implicit,
        (Some(other), true) => {
            return Err(usage(format!(
                "ftps:// means implicit TLS; --tls {other:?} contradicts it (use ftp:// for explicit, plain or auto)"
            )))
        }
        (Some(t), false) => t,
        (None, false) => TlsArg::Explicit,
    };
    if opts.allow_plaintext && tls != TlsArg::Auto {
        return Err(usage(
            "--allow-plaintext only makes sense with --tls auto (or ftpc doctor)",
        ));
    }
    let config = base_config(opts, &u.host)?;
    let security = match tls {
        TlsArg::None => {
            // TLS options with --tls none would be silently meaningless: refuse them.
            if opts.backend.is_some()
                || opts.insecure
                || opts.ca_file.is_some()
                || !opts.pin.is_empty()
                || opts.handshake_timeout.is_some()
                || opts.tls_min.is_some()
                || opts.tls_max.is_some()
                || opts.client_cert.is_some()
                || opts.ccc
            {
                return Err(usage("--backend, --insecure, --ca-file, --pin, --handshake-timeout, --tls-min, --tls-max, --client-cert and --ccc apply to TLS; they make no sense with --tls none"));
            }
            Security::Plain
        }
        TlsArg::Explicit | TlsArg::Implicit => {
            let backend = opts.backend.unwrap_or_default();
            let mode = match tls {
                TlsArg::Implicit => TlsMode::Implicit,
                _ => TlsMode::Explicit,
            };
            let connector = backend
                .connector(&tls_options_for(opts, &u, mode)?)
                .map_err(|e| tls_failure(backend, e))?;
            if tls == TlsArg::Explicit {
                Security::Explicit(connector)
            } else {
                Security::Implicit(connector)
            }
        }
        TlsArg::Auto => {
            let preferred = opts.backend;
            let tls = tls_options_for(opts, &u, TlsMode::Explicit)?;
            let all = connectors(preferred, &tls).map_err(|e| tls_failure("auto", e))?;
            let mut auto = AutoConnect::new(u.host.clone(), all)
                .config(config.clone())
                .allow_plaintext(opts.allow_plaintext);
            if let Some(p) = u.port {
                auto = auto.port(p);
            }
            // Asked for last, so that a prompt never precedes a usage error.
            let (user, password) = credentials(&u, opts)?;
            return Ok(Target {
                url: u,
                config,
                user,
                password,
                security: Stance::Auto(Box::new(auto)),
            });
        }
    };
    let (user, password) = credentials(&u, opts)?;
    Ok(Target {
        url: u,
        config,
        user,
        password,
        security: Stance::Fixed(security),
    })
}
