//! `ftpc`: get, put, ls, rm, mkdir over FTP and FTPS.
//!
//! Exit codes: 0 success; 2 bad usage; 3 connect or greeting; 4 TLS; 5 login; 6 a command
//! was refused; 7 data connection or transfer; 8 local file error.

// The clap help texts show URL syntax ("[user[:password]@]"), which rustdoc would read as links.
#![allow(rustdoc::broken_intra_doc_links)]

mod doctor;
mod get;
mod hash;
mod put;
mod url;
#[cfg(test)]
mod url_fuzz;

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::{Args, Parser, Subcommand, ValueEnum};
use ftpkit::{
    connectors, AutoConnect, Backend, Client, ClientBuilder, DataMode, EntryKind, Error, Hint,
    ListEntry, Phase, TlsMode, TlsOptions, TlsVersion,
};

#[derive(Parser, Debug)]
#[command(
    name = "ftpc",
    version,
    about = "FTP/FTPS client that never hangs and says why it failed",
    after_help = "Exit codes: 0 ok, 2 usage, 3 connect/greeting, 4 TLS, 5 login, 6 command refused, 7 data connection/transfer, 8 local file."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
    // Global: accepted before the subcommand (`ftpc -v get URL`, as curl and lftp users
    // write it) and after it.
    #[command(flatten)]
    opts: Opts,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// List a directory.
    Ls {
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Download a file.
    Get {
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
        /// Where to write: a file, or - for standard output (default: the remote name).
        #[arg(short = 'o', long = "output")]
        output: Option<String>,
        /// Continue a partial download (NAME.part, or NAME) from its size.
        #[arg(long)]
        resume: bool,
        /// Compare the server's hash (HASH, XSHA256, XSHA1, XMD5 or XCRC) with the bytes received.
        #[arg(long)]
        verify: bool,
    },
    /// Upload a file.
    Put {
        /// The local file.
        file: PathBuf,
        /// ftp://[user[:password]@]host[:port]/path (ending in / keeps the local name)
        url: String,
        /// Upload under a hidden temporary name, renamed on success: readers never see a partial file.
        #[arg(long)]
        atomic: bool,
        /// Continue an interrupted upload from the size already on the server.
        #[arg(long)]
        resume: bool,
    },
    /// Delete a file.
    Rm {
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
    },
    /// Try every TLS backend, mode and version against a server and say which to use.
    Doctor {
        /// ftp://[user[:password]@]host[:port]/ (ftps:// to give the implicit TLS port)
        url: String,
        /// One JSON object per attempt, then a summary object.
        #[arg(long)]
        json: bool,
        /// Port for the implicit TLS attempts (default 990, or the port of an ftps:// URL).
        #[arg(long, value_name = "PORT")]
        implicit_port: Option<u16>,
    },
    /// Make a directory.
    Mkdir {
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum TlsArg {
    /// AUTH TLS on the plain port; fail if the server refuses (the default for ftp://).
    Explicit,
    /// TLS from the first byte (the default for ftps://, port 990).
    Implicit,
    /// No encryption at all: password and files in clear text.
    None,
    /// Try explicit then implicit TLS on each backend (and plain FTP last with --allow-plaintext).
    Auto,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum VersionArg {
    #[value(name = "1.0")]
    V10,
    #[value(name = "1.1")]
    V11,
    #[value(name = "1.2")]
    V12,
    #[value(name = "1.3")]
    V13,
}

impl VersionArg {
    fn version(self) -> TlsVersion {
        match self {
            VersionArg::V10 => TlsVersion::Tls10,
            VersionArg::V11 => TlsVersion::Tls11,
            VersionArg::V12 => TlsVersion::Tls12,
            VersionArg::V13 => TlsVersion::Tls13,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Rustls,
    Openssl,
    NativeTls,
}

#[derive(Args, Debug, Clone)]
struct Opts {
    /// User name (default: from the URL, else anonymous).
    #[arg(long, global = true)]
    user: Option<String>,
    /// Password (prefer the FTPC_PASSWORD environment variable: command lines are visible to others).
    #[arg(long, global = true, env = "FTPC_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Encryption mode.
    #[arg(long, global = true, value_enum)]
    tls: Option<TlsArg>,
    /// TLS implementation.
    #[arg(long, global = true, value_enum)]
    backend: Option<BackendArg>,
    /// Accept any certificate (dangerous: anyone on the path can read and change the session).
    #[arg(long, global = true)]
    insecure: bool,
    /// Trust the CA certificates in this PEM file too.
    #[arg(long, global = true, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Lowest TLS version to offer (default 1.2; 1.0 and 1.1 only with --backend openssl).
    #[arg(long, global = true, value_enum, value_name = "VERSION")]
    tls_min: Option<VersionArg>,
    /// Highest TLS version to offer (default 1.3).
    #[arg(long, global = true, value_enum, value_name = "VERSION")]
    tls_max: Option<VersionArg>,
    /// Client certificate chain (PEM), for servers that ask for one; needs --client-key.
    #[arg(long, global = true, value_name = "PEM", requires = "client_key")]
    client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM, unencrypted).
    #[arg(long, global = true, value_name = "PEM", requires = "client_cert")]
    client_key: Option<PathBuf>,
    /// Deadline for the TCP connect, in seconds (default 15); also bounds each TLS handshake
    /// unless --handshake-timeout is given, as in curl.
    #[arg(long, global = true, value_name = "SECS")]
    connect_timeout: Option<f64>,
    /// Deadline for each reply, for opening a data connection, and for a data connection on
    /// which nothing moves, in seconds (defaults 30, 15 and 60).
    #[arg(long, global = true, value_name = "SECS")]
    timeout: Option<f64>,
    /// Deadline for each TLS handshake, control and data, in seconds (default: the connect
    /// timeout if given, else 15).
    #[arg(long, global = true, value_name = "SECS")]
    handshake_timeout: Option<f64>,
    /// Deadline for the whole command, everything included, in seconds (curl's -m).
    #[arg(short = 'm', long, global = true, value_name = "SECS")]
    max_time: Option<f64>,
    /// Active mode: the server connects to us for data.
    #[arg(long, global = true)]
    active: bool,
    /// With --tls auto (and doctor): plain FTP may be tried last. It sends the password in the clear.
    #[arg(long, global = true)]
    allow_plaintext: bool,
    /// Debug log of every command, reply and phase on stderr (passwords masked).
    #[arg(short, long, global = true)]
    verbose: bool,
}

/// A failure with the exit code it maps to.
struct Failure {
    code: u8,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = match (&e, e.phase()) {
            (Error::Tls { .. } | Error::TlsRequired { .. }, _) => 4,
            (_, Phase::TlsUpgrade | Phase::DataProtection) => 4,
            (_, Phase::Connect | Phase::Greeting) => 3,
            (_, Phase::Login) => 5,
            (_, Phase::DataConnect | Phase::Transfer) => 7,
            _ => 6,
        };
        Failure {
            code,
            message: cli_message(&e),
        }
    }
}

/// The error in ftpc's words: the library's hint names API settings (`DataMode::Active`,
/// `TlsOptions::ca_files`…); here it names the flag that does the same.
pub(crate) fn cli_message(e: &Error) -> String {
    let text = e.to_string().replace(
        "another backend may get further",
        "try another with --backend",
    );
    match e.hint() {
        Some(h) => text.replace(&h.to_string(), &cli_hint(h)),
        None => text,
    }
}

fn cli_hint(h: &Hint) -> String {
    let s = match h {
        Hint::UseActiveMode => {
            "the server refused passive mode or its data connection failed; try --active"
        }
        Hint::UsePassiveMode => {
            "the server could not connect to this client for the data (active mode): a firewall or NAT between them blocks it; leave out --active (passive mode is the default)"
        }
        Hint::UseActiveModeOrAnotherBackend => {
            "the server could not use the data connection; try --active, or another --backend"
        }
        Hint::UseResumingBackend => {
            "the server requires data connections to resume the control connection's TLS session, which native-tls cannot do: use --backend rustls or --backend openssl"
        }
        Hint::TryOtherResumingBackend => {
            "the server requires data connections to resume the control connection's TLS session and refused this one: try the other resuming backend (--backend rustls or --backend openssl)"
        }
        Hint::TryAnotherBackend => {
            "try another TLS backend (--backend), or other TLS versions (--tls-min, --tls-max)"
        }
        Hint::TryImplicitTls => {
            "it may not offer explicit FTPS: try implicit TLS (--tls implicit, port 990), or plain FTP (--tls none) only on a network you trust"
        }
        Hint::NeedAccount => "the server asks for an account (ACCT), which ftpc cannot send",
        Hint::Certificate(p) => {
            return p
                .advice()
                .replace("TlsOptions::ca_files", "--ca-file")
                .replace(
                    ", or set the TLS server name to one of them (ClientBuilder::tls_server_name)",
                    " in the URL",
                )
        }
        other => return other.to_string(),
    };
    s.to_string()
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

fn local(what: &str, path: &Path, e: io::Error) -> Failure {
    Failure {
        code: 8,
        message: format!("local: {what} {}: {e}", path.display()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("ftpc: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let opts = &cli.opts;
    match cli.command {
        Cmd::Ls { url, json } => {
            let (mut ftp, path) = open(&url, opts)?;
            // Printed as the entries arrive: constant memory whatever the listing's size.
            let mut out = io::BufWriter::new(io::stdout().lock());
            for e in ftp.list_stream((!path.is_empty()).then_some(path.as_str()))? {
                let e = e?;
                let line = if json { json_line(&e) } else { human_line(&e) };
                writeln!(out, "{line}").map_err(|e| local("writing", Path::new("stdout"), e))?;
            }
            out.flush()
                .map_err(|e| local("writing", Path::new("stdout"), e))?;
            quit(ftp);
        }
        Cmd::Get {
            url,
            output,
            resume,
            verify,
        } => {
            let (mut ftp, path) = open(&url, opts)?;
            if path.is_empty() || path.ends_with('/') {
                return Err(usage("get needs a file path in the URL"));
            }
            let target = output
                .unwrap_or_else(|| path.rsplit('/').next().unwrap_or(path.as_str()).to_string());
            get::run(
                &mut ftp,
                get::Get {
                    path,
                    target,
                    resume,
                    verify,
                },
            )?;
            quit(ftp);
        }
        Cmd::Put {
            file,
            url,
            atomic,
            resume,
        } => {
            // A missing local file is an error before anything is sent.
            std::fs::File::open(&file).map_err(|e| local("opening", &file, e))?;
            let (mut ftp, mut path) = open(&url, opts)?;
            if path.is_empty() || path.ends_with('/') {
                let name = file.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                    usage("the local file name is not UTF-8; give a remote name in the URL")
                })?;
                path.push_str(name);
            }
            put::run(
                &mut ftp,
                put::Put {
                    local: &file,
                    path,
                    atomic,
                    resume,
                },
            )?;
            quit(ftp);
        }
        Cmd::Rm { url } => {
            let (mut ftp, path) = open(&url, opts)?;
            ftp.delete(&path)?;
            quit(ftp);
        }
        Cmd::Doctor {
            url,
            json,
            implicit_port,
        } => {
            init_log(opts);
            let u = url::parse(&url).map_err(usage)?;
            let backends = match backend_of(opts.backend) {
                Some(b) if !b.is_available() => {
                    return Err(usage(format!(
                        "the {b} backend is not compiled into this ftpc"
                    )))
                }
                Some(b) => vec![b],
                None => Backend::available(),
            };
            let (modes, allow_plaintext) = match opts.tls {
                None | Some(TlsArg::Auto) => (
                    vec![TlsMode::Explicit, TlsMode::Implicit],
                    opts.allow_plaintext,
                ),
                Some(TlsArg::Explicit) => (vec![TlsMode::Explicit], opts.allow_plaintext),
                Some(TlsArg::Implicit) => (vec![TlsMode::Implicit], opts.allow_plaintext),
                Some(TlsArg::None) => (vec![], true),
            };
            let implicit_port = match (implicit_port, u.implicit_tls, u.port) {
                (Some(p), _, _) => p,
                (None, true, Some(p)) => p,
                _ => 990,
            };
            let (user, password) = credentials(&u, opts);
            doctor::run(doctor::Inputs {
                builder: base_builder(&u, opts)?,
                tls: tls_options(opts)?,
                url: u,
                user,
                password,
                backends,
                modes,
                implicit_port,
                allow_plaintext,
                json,
            })?;
        }
        Cmd::Mkdir { url } => {
            let (mut ftp, path) = open(&url, opts)?;
            ftp.mkdir(&path)?;
            quit(ftp);
        }
    }
    Ok(())
}

/// `QUIT` once the work is done is a courtesy: a server that does not answer it, or
/// answers garbage, cannot undo a verified transfer. Logged, never a failure.
fn quit(ftp: Client) {
    if let Err(e) = ftp.quit() {
        log::info!("QUIT after the work was done: {e} (ignored)");
    }
}

fn secs(what: &str, v: Option<f64>) -> Result<Option<Duration>, Failure> {
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
fn command_deadline(d: Duration) -> std::time::Instant {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    start
        .checked_add(d)
        .unwrap_or(start + Duration::from_secs(86_400))
}

/// Turns on the debug log on stderr for `-v`.
fn init_log(opts: &Opts) {
    if opts.verbose {
        env_logger::Builder::new()
            .filter_level(log::LevelFilter::Debug)
            .format_timestamp_millis()
            .target(env_logger::Target::Stderr)
            .init();
    }
}

/// The user and password: options first, then the URL, else anonymous.
fn credentials(u: &url::FtpUrl, opts: &Opts) -> (String, String) {
    let user = opts
        .user
        .clone()
        .or_else(|| u.user.clone())
        .unwrap_or_else(|| "anonymous".into());
    let password = opts
        .password
        .clone()
        .or_else(|| u.password.clone())
        .unwrap_or_else(|| {
            if user == "anonymous" {
                "ftpc@".into()
            } else {
                String::new()
            }
        });
    (user, password)
}

/// Host, port, deadlines and data mode from the URL and options; TLS is set by the caller.
fn base_builder(u: &url::FtpUrl, opts: &Opts) -> Result<ClientBuilder, Failure> {
    let mut b = Client::builder(u.host.clone());
    if let Some(p) = u.port {
        b = b.port(p);
    }
    let connect = secs("connect-timeout", opts.connect_timeout)?;
    if let Some(d) = connect {
        b = b.connect_timeout(d);
    }
    if let Some(d) = secs("timeout", opts.timeout)? {
        b = b.reply_timeout(d).idle_timeout(d).data_connect_timeout(d);
    }
    // As in curl, the connect timeout bounds the TLS handshake too, unless told otherwise.
    if let Some(d) = secs("handshake-timeout", opts.handshake_timeout)?.or(connect) {
        b = b.handshake_timeout(d);
    }
    if let Some(d) = secs("max-time", opts.max_time)? {
        b = b.deadline(command_deadline(d));
    }
    if opts.active {
        b = b.data_mode(DataMode::Active);
    }
    Ok(b)
}

/// The certificate options shared by every backend.
fn tls_options(opts: &Opts) -> Result<TlsOptions, Failure> {
    let mut tls = TlsOptions::default();
    tls.ca_files.extend(opts.ca_file.iter().cloned());
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

fn backend_of(arg: Option<BackendArg>) -> Option<Backend> {
    arg.map(|b| match b {
        BackendArg::Rustls => Backend::Rustls,
        BackendArg::Openssl => Backend::OpenSsl,
        BackendArg::NativeTls => Backend::NativeTls,
    })
}

fn tls_failure(backend: impl std::fmt::Display, e: ftpkit::TlsError) -> Failure {
    Failure {
        code: 4,
        message: format!("tls-upgrade: TLS via {backend}: {e}"),
    }
}

/// Connects and logs in as the URL and options say; returns the session and the path.
fn open(raw_url: &str, opts: &Opts) -> Result<(Client, String), Failure> {
    init_log(opts);
    let u = url::parse(raw_url).map_err(usage)?;
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
    let b = base_builder(&u, opts)?;
    let (user, password) = credentials(&u, opts);
    let b = match tls {
        TlsArg::None => {
            // TLS options with --tls none would be silently meaningless: refuse them.
            if opts.backend.is_some()
                || opts.insecure
                || opts.ca_file.is_some()
                || opts.handshake_timeout.is_some()
                || opts.tls_min.is_some()
                || opts.tls_max.is_some()
                || opts.client_cert.is_some()
            {
                return Err(usage("--backend, --insecure, --ca-file, --handshake-timeout, --tls-min, --tls-max and --client-cert apply to TLS; they make no sense with --tls none"));
            }
            b.tls_mode(TlsMode::None)
        }
        TlsArg::Explicit | TlsArg::Implicit => {
            let backend = backend_of(opts.backend).unwrap_or_default();
            let connector = backend
                .connector(&tls_options(opts)?)
                .map_err(|e| tls_failure(backend, e))?;
            let mode = if tls == TlsArg::Explicit {
                TlsMode::Explicit
            } else {
                TlsMode::Implicit
            };
            b.tls_mode(mode).tls_connector(connector)
        }
        TlsArg::Auto => {
            let preferred = backend_of(opts.backend);
            let all =
                connectors(preferred, &tls_options(opts)?).map_err(|e| tls_failure("auto", e))?;
            let auto = AutoConnect::new(b, all).allow_plaintext(opts.allow_plaintext);
            return match auto.connect(&user, &password) {
                Ok((ftp, report)) => {
                    log::info!("auto-connect report:\n{report}");
                    Ok((ftp, u.path))
                }
                Err(e) => Err(Failure {
                    code: 4,
                    message: e.to_string().trim_end().to_string(),
                }),
            };
        }
    };
    let mut ftp = b.connect()?;
    ftp.login(&user, &password)?;
    Ok((ftp, u.path))
}

fn kind_str(k: EntryKind) -> &'static str {
    match k {
        EntryKind::File => "file",
        EntryKind::Dir => "dir",
        EntryKind::Link => "link",
        // A line no parser understood: its text is in "raw", and "name" holds it too.
        EntryKind::Unknown => "unknown",
        _ => "other",
    }
}

fn rfc3339(t: Option<SystemTime>) -> Option<String> {
    let t = time::OffsetDateTime::from(t?);
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn json_line(e: &ListEntry) -> String {
    serde_json::json!({
        "name": e.name,
        "type": kind_str(e.kind),
        "size": e.size,
        "modified": rfc3339(e.modified),
        "raw": e.raw,
    })
    .to_string()
}

fn human_line(e: &ListEntry) -> String {
    let t = match e.kind {
        EntryKind::Dir => 'd',
        EntryKind::Link => 'l',
        EntryKind::File => '-',
        EntryKind::Unknown => '?',
        _ => 'o',
    };
    if e.kind == EntryKind::Unknown {
        return format!("? {}", e.raw);
    }
    let size = e.size.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
    let when = rfc3339(e.modified).unwrap_or_else(|| "-".into());
    let link = e
        .link_target
        .as_ref()
        .map(|t| format!(" -> {t}"))
        .unwrap_or_default();
    format!("{t} {size:>12} {when:<20} {}{link}", e.name)
}

/// A progress bar on stderr, only when stderr is a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(name: &str) -> Progress {
        if !io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(name.to_string());
        Progress { bar: Some(bar) }
    }

    fn update(&mut self, done: u64, total: Option<u64>) {
        if let Some(b) = &self.bar {
            if let Some(t) = total {
                b.set_length(t);
            }
            b.set_position(done);
        }
    }

    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

#[allow(dead_code)]
fn _assert_read<R: Read>() {}

#[cfg(test)]
mod hint_tests {
    use super::*;
    use ftpkit::CertificateProblem;

    /// Every hint the library words in API terms comes out in ftpc's flags.
    #[test]
    fn hints_name_flags_not_api_items() {
        let hints = [
            Hint::UseActiveMode,
            Hint::UsePassiveMode,
            Hint::UseActiveModeOrAnotherBackend,
            Hint::UseResumingBackend,
            Hint::TryOtherResumingBackend,
            Hint::TryAnotherBackend,
            Hint::TryImplicitTls,
            Hint::NeedAccount,
            Hint::Certificate(CertificateProblem::SelfSigned),
            Hint::Certificate(CertificateProblem::UnknownIssuer),
            Hint::Certificate(CertificateProblem::CaUsedAsServerCertificate),
            Hint::Certificate(CertificateProblem::NameMismatch {
                expected: "10.0.0.7".into(),
                presented: Some(vec!["a".into()]),
            }),
        ];
        for h in &hints {
            let words = cli_hint(h);
            assert!(!words.contains("::"), "{h:?}: {words}");
            assert_ne!(words, h.to_string(), "{h:?} is not reworded");
        }
        assert!(cli_hint(&Hint::UseActiveMode).contains("--active"));
        assert!(cli_hint(&Hint::UseResumingBackend).contains("--backend rustls"));
        assert!(cli_hint(&Hint::Certificate(CertificateProblem::SelfSigned)).contains("--ca-file"));
    }
}
