//! `ftp-client`: a blocking FTP and FTPS client that never hangs and says why it failed.
//!
//! This is the facade: it re-exports the protocol core ([`ftp_core`]) and, through Cargo
//! features, the TLS backends: `rustls` (default), `openssl`, `native-tls`.
//!
//! ```no_run
//! use std::io::Read;
//! use ftp_client::{Client, TlsMode};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut ftp = Client::builder("127.0.0.1").port(2121).tls_mode(TlsMode::None).connect()?;
//! ftp.login("anonymous", "guest@")?;
//! for entry in ftp.list_entries(None)? {
//!     println!("{:?} {} {:?}", entry.kind, entry.name, entry.size);
//! }
//! ftp.quit()?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub use ftp_core::*;
