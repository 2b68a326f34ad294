//! A blocking FTP and FTPS client protocol core.
//!
//! This crate speaks the protocol: the control connection, replies, commands, data
//! connections, listings and streaming transfers, every phase under a deadline. It depends
//! on no TLS library: TLS backends implement [`TlsConnector`] in their own crates
//! (`ftpkit-rustls`, `ftpkit-openssl`, `ftpkit-native-tls`), and the `ftpkit` facade picks
//! one at run time.
//!
//! ```no_run
//! use std::io::Read;
//! use ftpkit_core::{Client, Security};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut ftp = Client::builder("127.0.0.1", Security::Plain).port(2121).connect()?;
//! ftp.login("user", "secret")?;
//! let mut dl = ftp.download("notes.txt")?;
//! let mut text = String::new();
//! dl.read_to_string(&mut text)?; // fails if the transfer was cut short
//! dl.finish()?;
//! ftp.quit()?;
//! # Ok(()) }
//! ```
//!
//! # Design overview
//!
//! A session moves through phases ([`Phase`]), and every error names the one it stopped
//! in. Where each lives:
//!
//! | phase | file | what happens |
//! | --- | --- | --- |
//! | connect, greeting, TLS upgrade | `client/connect.rs` | the host name resolved on a helper thread and TCP to every resolved address, both under one connect deadline; `220` (after at most three `120`s, or `230`: logged in); `AUTH TLS` → `234` → handshake, refusing plaintext buffered after the `234` |
//! | proxies | `proxy.rs` | [`Proxy`]: the SOCKS5 (RFC 1928/1929) and HTTP `CONNECT` handshakes on the control connection and every passive data connection, under that connection's deadline, with bounded reads; data goes to the server's host as named, not to the control peer (the proxy) |
//! | login, data protection | `client/login.rs` | `USER`/`PASS`/`ACCT` (any 2xx logs in), `PBSZ 0` + `PROT P`, `FEAT`, `OPTS UTF8 ON` |
//! | commands and replies | `client/commands.rs` over `control.rs`, `reply.rs`, `command.rs` | one command, one reply; replies parsed line by line with caps on line length, reply size and line count; CR/LF/NUL refused in arguments |
//! | data connections | `data.rs` | `EPSV`→`PASV` fallback (the PASV address replaced by the control peer), or `EPRT`/`PORT` with the control connection watched while accepting; once a passive mode works, a protected data connection is opened and its TLS handshake ([`TlsStream::data_connector`]) run while the command's reply is awaited; the data TLS session resumes the control session |
//! | transfers | `client/transfers.rs`, `transfer.rs` | [`Download`] (`Read`) and [`Upload`] (`Write` + `finish`): complete only with a clean end, a 2xx final reply and exactly the announced bytes |
//! | listings | `client/listing.rs`, `list/` | LIST parsers (Unix, DOS/IIS, VMS, z/OS, IBM i, EPLF, NetWare, OS/2, NonStop, MacOS), `ListingParser` per listing, MLSD/MLST; unknown lines kept raw |
//! | many profiles | `auto.rs` | [`AutoConnect`] tries backends and modes under one budget |
//! | remote paths | `path.rs` | [`RemotePath`]: the server's bytes, sent back unchanged |
//! | many sessions | `pool.rs`, `retry.rs` | [`Pool`] of logged-in sessions, each with its own TLS session; [`Error::recovery`] and [`RetryPolicy`] |
//! | whole trees | `tree/` | [`Client::walk`], [`LocalTree`], [`Plan`] (compare, decide, explain), [`TreeSync::run`] over a pool with retries and resumes |
//!
//! **Deadlines.** Every wait comes from one function (`deadline::next_wait`) that takes the
//! configured [`Timeouts`] value for that wait, cuts it to [`Config::deadline`] when the
//! caller set an absolute end, and returns it together with the [`Deadline`] that will fire,
//! so [`Error::Timeout`] can tell a silent server from a spent budget. Socket timeouts bound
//! each system call; a watchdog thread bounds whole TLS handshakes and whole replies over
//! TLS (one TLS read can make many socket reads); uploads keep an explicit progress
//! deadline. The final reply after a transfer's data waits the reply deadline plus
//! [`Timeouts::final_reply_per_gib`] for the bytes moved (`deadline::final_reply_wait`,
//! through `next_wait` too).
//!
//! **Keep-alive.** While a transfer's data moves, `Control::keepalive_tick` sends `NOOP` on
//! a control connection quiet for [`Config::keepalive`], counting them; the transfer's end
//! (`Control::read_transfer_reply`) reads exactly as many answers besides its own reply, in
//! whatever order they come, so none is taken for the transfer's reply or left behind.
//!
//! **TLS.** The core defines [`TlsConnector`] and [`TlsStream`] and depends on no TLS
//! library; it asks backends for capabilities ([`TlsStream::resumes_sessions`]), never for
//! their names. Advice comes back as data ([`Hint`]) worded in this API's terms; an
//! application words it in its own.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod auto;
mod charset;
mod client;
mod command;
mod config;
mod control;
mod data;
mod deadline;
mod error;
mod feat;
#[cfg(test)]
mod fuzz_tests;
mod hash;
mod hint;
mod known;
mod list;
mod path;
mod pin;
mod pool;
mod proxy;
mod readiness;
mod reply;
mod retry;
#[cfg(target_os = "linux")]
mod splice;
mod tls;
mod transfer;
mod tree;

pub use auto::{Attempt, AutoConnect, AutoConnectError, AutoReport, Candidate, Profile};
pub use charset::Charset;
pub use client::{Client, ClientBuilder, ListStream, ProgressFn, TransferType};
pub use config::{Config, DataMode, Limits, PasvAddress, Security, Timeouts, TlsMode};
pub use deadline::Deadline;
pub use error::{Error, Phase, Result};
pub use feat::Features;
pub use hash::{HashAlgorithm, RemoteHash};
pub use hint::Hint;
pub use known::KnownCertificates;
pub use list::{
    parse_list_line, parse_mlsd_line, parse_mlsd_time, EntryKind, ListEntry, ListingParser,
};
pub use path::RemotePath;
pub use pin::{CertificatePin, Fingerprints, PinParseError};
pub use pool::{Credentials, Pool, PooledClient};
pub use proxy::{Proxy, ProxyKind, ProxyUrlError};
pub use reply::Reply;
pub use retry::{Recovery, RetryPolicy};
pub use tls::{
    BoxError, CertificateInfo, CertificateProblem, DataConnector, TlsConnector, TlsError, TlsInfo,
    TlsOptions, TlsStream, TlsVersion,
};
pub use transfer::{Download, Upload};
pub use tree::{
    Action, Direction, FileOutcome, Glob, LocalEntry, LocalKind, LocalTree, Op, Outcome, Plan,
    Reason, RemoteTree, SyncMode, SyncOptions, TreeEntry, TreeProblem, TreeProgress,
    TreeProgressFn, TreeReport, TreeSync,
};
