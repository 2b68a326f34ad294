//! The command line: clap's types, and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ftpkit::{Backend, CertificatePin, TlsVersion};

#[derive(Parser, Debug)]
#[command(
    name = "ftpc",
    version,
    about = "FTP/FTPS client that never hangs and says why it failed. Unlike curl, ftp:// requires TLS (explicit, AUTH TLS): add --tls none for plain FTP",
    after_help = AFTER_HELP
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Cmd,
    // Global: accepted before the subcommand (`ftpc -v get URL`, as curl and lftp users
    // write it) and after it.
    #[command(flatten)]
    pub(crate) opts: Opts,
}

/// The end of `ftpc --help`: credentials and exit codes, for scripts.
const AFTER_HELP: &str = "\
URLs: ftp:// explicit TLS, required (curl's ftp:// is plain FTP: add --tls none); ftpes:// the
same, spelled out; ftps:// implicit TLS (port 990).

Credentials: --user/--password (or FTPC_PASSWORD) win over the URL's user:password@, which
wins over ~/.netrc (read as curl --netrc-optional reads it: only what nothing else gave;
--netrc: an entry must be there; --netrc-file FILE reads FILE instead, --no-netrc none). A user without a password is asked
for it on a terminal; without one, ftpc stops with exit 2. No user at all: anonymous.

Exit codes:
  0  ok
  2  usage: bad option, URL or argument; no password and no terminal to ask on
  3  connect or greeting
  4  TLS: handshake refused, certificate rejected, AUTH TLS refused
  5  login refused
  6  a command was refused (quote: the reply was 4xx or 5xx)
  7  data connection or transfer
  8  local file
  9  not found: the server answered 550 for a path that must exist
  10 timeout: a deadline fired (--connect-timeout, --timeout, --handshake-timeout, -m)";

#[derive(Subcommand, Debug)]
pub(crate) enum Cmd {
    /// List a directory.
    Ls {
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Download files: several URLs, or a glob in the last part of one
    /// (ftp://host/dir/*.csv), share one session; -r downloads a directory tree.
    Get {
        /// ftp://[user[:password]@]host[:port]/path ...; with -r: URL [DIR]
        #[arg(required = true, num_args = 1..)]
        urls: Vec<String>,
        /// Where to write: a file, or - for standard output (default: the remote name).
        #[arg(short = 'o', long = "output")]
        output: Option<String>,
        /// The URL is a directory: download the whole tree into DIR (default: its name).
        #[arg(short = 'r', long)]
        recursive: bool,
        #[command(flatten)]
        tree: TreeArgs,
        /// Continue a partial download (NAME.part, or NAME) from its size.
        #[arg(long)]
        resume: bool,
        /// Compare the server's hash (HASH, XSHA256, XSHA1, XMD5 or XCRC) with the bytes received.
        #[arg(long)]
        verify: bool,
    },
    /// Upload a file (- for standard input, streamed; the URL must then name the remote
    /// file); -r uploads a directory tree.
    Put {
        /// The local file, or - for standard input (with -r, the local directory).
        file: PathBuf,
        /// ftp://[user[:password]@]host[:port]/path (ending in / keeps the local name)
        url: String,
        /// Upload under a hidden temporary name, renamed on success: readers never see a partial file.
        #[arg(long)]
        atomic: bool,
        /// Continue an interrupted upload from the size already on the server.
        #[arg(long)]
        resume: bool,
        /// FILE is a directory: upload the whole tree to the URL's directory.
        #[arg(short = 'r', long)]
        recursive: bool,
        #[command(flatten)]
        tree: TreeArgs,
    },
    /// Keep a local directory in step with a remote one (only what is missing, of another
    /// size or newer moves), or the other way round with --reverse.
    Mirror {
        /// The source: the remote directory's URL (with --reverse: the local directory).
        source: String,
        /// The target: the local directory (with --reverse: the remote directory's URL).
        target: String,
        /// Upload: the local directory is the source.
        #[arg(long)]
        reverse: bool,
        /// Upload under hidden temporary names, renamed when complete (with --reverse).
        #[arg(long)]
        atomic: bool,
        #[command(flatten)]
        tree: TreeArgs,
    },
    /// Delete a file; -r deletes a directory tree.
    Rm {
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
        /// Delete the directory and everything below it, deepest first; refuses / and the
        /// login directory, and stops at the first failure, saying what is left.
        #[arg(short = 'r', long)]
        recursive: bool,
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
    /// Show the server's certificate and, once you accept it (or with --yes), record it:
    /// later connections to that host and port accept exactly that certificate.
    Trust {
        /// ftp://host[:port]/ or ftps://host[:port]/
        url: String,
        /// Accept without asking (for scripts: check the fingerprint first).
        #[arg(long)]
        yes: bool,
    },
    /// Make a directory.
    Mkdir {
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
        /// Make missing parents too, and succeed if the directory exists already.
        #[arg(short = 'p', long)]
        parents: bool,
    },
    /// Remove an empty directory.
    Rmdir {
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
    },
    /// Rename or move a file or directory (RNFR, RNTO).
    Mv {
        /// ftp://[user[:password]@]host[:port]/path: what to rename
        url: String,
        /// The new path: relative to the URL's directory (new.txt, ../old/a.txt), or
        /// absolute (/srv/in/a.txt).
        new_path: String,
    },
    /// Download a file to standard output.
    Cat {
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
    },
    /// Size, modification time and type of one path, on one line: TYPE SIZE MODIFIED PATH
    /// (MLST when the server has it, else SIZE and MDTM, else the parent's listing).
    Stat {
        /// ftp://[user[:password]@]host[:port]/path
        url: String,
        /// One JSON object instead.
        #[arg(long)]
        json: bool,
    },
    /// Send one raw command after login and print the reply; the exit code follows the
    /// reply: 0 for 1xx-3xx, 6 for 4xx and 5xx. Commands that need a data connection
    /// (LIST, RETR, STOR…) are refused: use ls, get and put. Options go before the URL:
    /// everything after it is the command (ftpc quote --tls none URL SITE CHMOD 640 f).
    #[command(alias = "raw")]
    Quote {
        /// ftp://[user[:password]@]host[:port]/
        url: String,
        /// The command and its arguments, e.g. SITE CHMOD 640 report.csv
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
}

/// The options of tree transfers (`get -r`, `put -r`, `mirror`).
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct TreeArgs {
    /// Sessions at once (each with its own TLS session).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) parallel: usize,
    /// Only what is missing, of another size, or newer on the source (mirror always does this).
    #[arg(long)]
    pub(crate) update: bool,
    /// Also delete on the target what the source lacks; never after an incomplete listing.
    #[arg(long)]
    pub(crate) delete: bool,
    /// Print the plan (what would be made, transferred, skipped, deleted, and why) and stop.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Retries per file after a dropped connection or a transient refusal (not for wrong
    /// passwords, missing files or rejected certificates).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub(crate) retry: u32,
    /// Leave out files and directories matching GLOB (repeatable; a GLOB without / matches names).
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
    /// Only files matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub(crate) include: Vec<String>,
    /// One JSON receipt per file on standard output.
    #[arg(long)]
    pub(crate) json: bool,
    /// Set from put's and mirror's --atomic.
    #[arg(skip)]
    pub(crate) atomic: bool,
}

impl TreeArgs {
    /// True when any tree-only option was given (they need -r).
    pub(crate) fn any(&self) -> bool {
        self.parallel != 1
            || self.update
            || self.delete
            || self.dry_run
            || self.retry != 3
            || !self.exclude.is_empty()
            || !self.include.is_empty()
            || self.json
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum TlsArg {
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
pub(crate) enum VersionArg {
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
    pub(crate) fn version(self) -> TlsVersion {
        match self {
            VersionArg::V10 => TlsVersion::Tls10,
            VersionArg::V11 => TlsVersion::Tls11,
            VersionArg::V12 => TlsVersion::Tls12,
            VersionArg::V13 => TlsVersion::Tls13,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub(crate) struct Opts {
    /// User name (default: from the URL, else anonymous).
    #[arg(long, global = true)]
    pub(crate) user: Option<String>,
    /// Password (prefer the FTPC_PASSWORD environment variable: command lines are visible to others).
    #[arg(long, global = true, env = "FTPC_PASSWORD", hide_env_values = true)]
    pub(crate) password: Option<String>,
    /// Read credentials from FILE instead of ~/.netrc (it must exist).
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "no_netrc")]
    pub(crate) netrc_file: Option<PathBuf>,
    /// The netrc file must have an entry for the host (else exit 2); options and the URL
    /// still win over it.
    #[arg(long, global = true, conflicts_with_all = ["no_netrc", "netrc_optional"])]
    pub(crate) netrc: bool,
    /// Use the netrc file when it has an entry for the host (what ftpc does anyway; curl's name).
    #[arg(long, global = true, conflicts_with = "no_netrc")]
    pub(crate) netrc_optional: bool,
    /// Read no netrc file at all.
    #[arg(long, global = true)]
    pub(crate) no_netrc: bool,
    /// Encryption mode.
    #[arg(long, global = true, value_enum)]
    pub(crate) tls: Option<TlsArg>,
    /// TLS implementation.
    #[arg(long, global = true, value_name = "rustls|openssl|native-tls")]
    pub(crate) backend: Option<Backend>,
    /// Accept any certificate (dangerous: anyone on the path can read and change the session).
    #[arg(long, global = true)]
    pub(crate) insecure: bool,
    /// Trust the CA certificates in this PEM file too.
    #[arg(long, global = true, value_name = "PEM")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Accept exactly the server certificate with this fingerprint, whoever issued it:
    /// sha256:HEX (of the certificate, as openssl x509 -fingerprint -sha256 prints it) or
    /// sha256//BASE64 (of its public key, curl's --pinnedpubkey form). Repeatable.
    #[arg(long, global = true, value_name = "FINGERPRINT")]
    pub(crate) pin: Vec<CertificatePin>,
    /// The file of certificates accepted with `ftpc trust` (default:
    /// $XDG_CONFIG_HOME/ftpc/known_certs, else ~/.config/ftpc/known_certs).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) known_certs: Option<PathBuf>,
    /// Lowest TLS version to offer (default 1.2; 1.0 and 1.1 only with --backend openssl).
    #[arg(long, global = true, value_enum, value_name = "VERSION")]
    pub(crate) tls_min: Option<VersionArg>,
    /// Highest TLS version to offer (default 1.3).
    #[arg(long, global = true, value_enum, value_name = "VERSION")]
    pub(crate) tls_max: Option<VersionArg>,
    /// Client certificate chain (PEM), for servers that ask for one; needs --client-key.
    #[arg(long, global = true, value_name = "PEM", requires = "client_key")]
    pub(crate) client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM, unencrypted).
    #[arg(long, global = true, value_name = "PEM", requires = "client_cert")]
    pub(crate) client_key: Option<PathBuf>,
    /// Deadline for the TCP connect, in seconds (default 15); also bounds each TLS handshake
    /// unless --handshake-timeout is given, as in curl.
    #[arg(long, global = true, value_name = "SECS")]
    pub(crate) connect_timeout: Option<f64>,
    /// Deadline for each reply, for opening a data connection, and for a data connection on
    /// which nothing moves, in seconds (defaults 30, 15 and 60).
    #[arg(long, global = true, value_name = "SECS")]
    pub(crate) timeout: Option<f64>,
    /// Deadline for each TLS handshake, control and data, in seconds (default: the connect
    /// timeout if given, else 15).
    #[arg(long, global = true, value_name = "SECS")]
    pub(crate) handshake_timeout: Option<f64>,
    /// Deadline for the whole command, everything included, in seconds (curl's -m).
    #[arg(short = 'm', long, global = true, value_name = "SECS")]
    pub(crate) max_time: Option<f64>,
    /// Send NOOP on the control connection every SECS while a long transfer runs, so that
    /// firewalls do not drop it (default 60; 0 turns it off, for servers that dislike it).
    #[arg(long, global = true, value_name = "SECS")]
    pub(crate) keepalive: Option<f64>,
    /// Active mode: the server connects to us for data.
    #[arg(long, global = true)]
    pub(crate) active: bool,
    /// Reach the server through a proxy, for the control and every data connection:
    /// socks5://[user:pass@]host[:port] (the server's name resolved here),
    /// socks5h://[user:pass@]host[:port] (resolved by the proxy), or
    /// http://[user:pass@]host[:port] (CONNECT); the port defaults to 1080, an empty URL
    /// means none. Without it, as in curl: ftp_proxy, then all_proxy (or FTP_PROXY,
    /// ALL_PROXY). A password in the URL is visible to others: prefer the environment.
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) proxy: Option<String>,
    /// Hosts reached without the proxy, as in curl: a comma-separated list of host names
    /// (each with its subdomains), IP addresses or CIDR ranges, or * for every host.
    /// Replaces no_proxy/NO_PROXY.
    #[arg(long, global = true, value_name = "LIST")]
    pub(crate) noproxy: Option<String>,
    /// Active mode behind NAT: the address to announce in PORT/EPRT (the router's public
    /// one); implies --active.
    #[arg(long, global = true, value_name = "ADDRESS")]
    pub(crate) active_address: Option<std::net::IpAddr>,
    /// Active mode: listen on a port of this range (the ones the NAT or firewall forwards),
    /// e.g. 50000-50100; implies --active.
    #[arg(long, global = true, value_name = "LO-HI", value_parser = port_range)]
    pub(crate) active_ports: Option<(u16, u16)>,
    /// Passive mode with PASV only, never EPSV (for servers and middleboxes that mishandle
    /// EPSV).
    #[arg(long, global = true)]
    pub(crate) disable_epsv: bool,
    /// Connect to the address a PASV reply names instead of the control connection's peer
    /// (only for servers whose data really lives on another address: the announced address
    /// is not checked).
    #[arg(long, global = true)]
    pub(crate) pasv_trust: bool,
    /// Ask for this virtual host with HOST (RFC 7151) before logging in: one address serving
    /// several sites.
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) virtual_host: Option<String>,
    /// After login, end TLS on the control connection (CCC) so that a firewall can read the
    /// commands; files and the password stay encrypted, but commands and file names after
    /// the login cross the network in clear and can be changed on the way.
    #[arg(long, global = true)]
    pub(crate) ccc: bool,
    /// The charset of a server that names files in a legacy one (latin1, cp1251, shift_jis,
    /// koi8-r, …): listings are shown in it, and paths typed here are sent in it. Without
    /// it, names that are not UTF-8 still keep their exact bytes.
    #[arg(long, global = true, value_name = "LABEL", value_parser = charset)]
    pub(crate) charset: Option<ftpkit::Charset>,
    /// With --tls auto (and doctor): plain FTP may be tried last. It sends the password in the clear.
    #[arg(long, global = true)]
    pub(crate) allow_plaintext: bool,
    /// Debug log of every command, reply and phase on stderr (passwords masked).
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
}

/// A charset label that encoding_rs knows.
fn charset(s: &str) -> Result<ftpkit::Charset, String> {
    ftpkit::Charset::for_label(s).ok_or_else(|| {
        format!("unknown charset {s:?}: try latin1, cp1252, cp1251, iso-8859-2, koi8-r, shift_jis, gbk, euc-kr")
    })
}

/// `LO-HI`, both ports, LO not above HI.
fn port_range(s: &str) -> Result<(u16, u16), String> {
    let (lo, hi) = s
        .split_once('-')
        .ok_or_else(|| format!("{s:?}: expected LO-HI, e.g. 50000-50100"))?;
    let parse = |p: &str| {
        p.trim()
            .parse::<u16>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{p:?} is not a port (1-65535)"))
    };
    let (lo, hi) = (parse(lo)?, parse(hi)?);
    if lo > hi {
        return Err(format!("{lo}-{hi}: the first port is above the last"));
    }
    Ok((lo, hi))
}
