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
//! use ftpkit_core::{Client, TlsMode};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut ftp = Client::builder("127.0.0.1").port(2121).tls_mode(TlsMode::None).connect()?;
//! ftp.login("user", "secret")?;
//! let mut dl = ftp.retr("notes.txt")?;
//! let mut text = String::new();
//! dl.read_to_string(&mut text)?; // fails if the transfer was cut short
//! dl.finish()?;
//! ftp.quit()?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod auto;
mod client;
mod command;
mod config;
mod control;
pub mod data;
mod deadline;
mod error;
mod feat;
#[cfg(test)]
mod fuzz_tests;
mod hash;
mod hint;
pub mod list;
mod reply;
pub mod tls;
mod transfer;

pub use auto::{AutoConnect, AutoConnectError, AutoReport};
pub use client::{Client, ClientBuilder, ListStream, ProgressFn, TransferType};
pub use config::{Config, DataMode, Limits, PasvAddress, Timeouts, TlsMode};
pub use deadline::Deadline;
pub use error::{Error, Phase, Result};
pub use feat::Features;
pub use hash::{HashAlgorithm, RemoteHash};
pub use hint::Hint;
pub use list::{EntryKind, ListEntry};
pub use reply::Reply;
pub use tls::{CertificateInfo, TlsConnector, TlsError, TlsInfo, TlsStream};
pub use transfer::{Download, Upload};
