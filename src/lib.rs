//! `ftpkit`: a blocking FTP and FTPS client that never hangs and says why it failed.
//!
//! This is the facade: it re-exports the protocol core ([`ftpkit_core`]) and the TLS backends
//! compiled in through Cargo features: `rustls` (default), `openssl`, `native-tls`. They are
//! additive; [`Backend`] picks one at run time, so an application (or `ftpc --backend`) can
//! swap TLS stacks without recompiling, which is the quickest way to tell a server problem
//! from a TLS library problem.
//!
//! ```no_run
//! use ftpkit::{Backend, Client, Security, TlsOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let tls = Backend::default().connector(&TlsOptions::default())?;
//! let mut ftp = Client::builder("ftp.example.com", Security::Explicit(tls)).connect()?;
//! ftp.login("user", "secret")?;
//! for entry in ftp.list("/pub")? {
//!     println!("{:?} {} {:?}", entry.kind, entry.name, entry.size);
//! }
//! ftp.quit()?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

pub use ftpkit_core::*;

#[cfg(feature = "native-tls")]
pub use ftpkit_native_tls;
#[cfg(feature = "openssl")]
pub use ftpkit_openssl;
#[cfg(feature = "rustls")]
pub use ftpkit_rustls;

/// A TLS implementation, chosen at run time among those compiled in.
///
/// ```
/// use ftpkit::Backend;
/// // Every backend compiled into this build:
/// for b in Backend::available() {
///     println!("{b}");
/// }
/// assert_eq!("openssl".parse::<Backend>().ok(), Some(Backend::OpenSsl));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// rustls: pure Rust; resumes the control session on data connections.
    Rustls,
    /// OpenSSL: the system library; resumes sessions; the only one with TLS 1.0/1.1.
    OpenSsl,
    /// native-tls: the platform's library; cannot resume sessions on data connections.
    NativeTls,
}

impl Backend {
    /// Every backend, compiled in or not.
    pub const ALL: [Backend; 3] = [Backend::Rustls, Backend::OpenSsl, Backend::NativeTls];

    /// The stable name: `rustls`, `openssl`, `native-tls`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Rustls => "rustls",
            Backend::OpenSsl => "openssl",
            Backend::NativeTls => "native-tls",
        }
    }

    /// True when this build includes the backend (its Cargo feature is on).
    pub fn is_available(self) -> bool {
        match self {
            Backend::Rustls => cfg!(feature = "rustls"),
            Backend::OpenSsl => cfg!(feature = "openssl"),
            Backend::NativeTls => cfg!(feature = "native-tls"),
        }
    }

    /// The backends compiled into this build, preferred first.
    pub fn available() -> Vec<Backend> {
        Backend::ALL
            .into_iter()
            .filter(|b| b.is_available())
            .collect()
    }

    /// Builds a connector with `options`. Fails when the backend is not compiled in, or
    /// cannot honour an option.
    pub fn connector(self, options: &TlsOptions) -> Result<Arc<dyn TlsConnector>, TlsError> {
        let _ = options;
        match self {
            #[cfg(feature = "rustls")]
            Backend::Rustls => Ok(Arc::new(ftpkit_rustls::RustlsConnector::new(options)?)),
            #[cfg(feature = "openssl")]
            Backend::OpenSsl => Ok(Arc::new(ftpkit_openssl::OpenSslConnector::new(options)?)),
            #[cfg(feature = "native-tls")]
            Backend::NativeTls => Ok(Arc::new(ftpkit_native_tls::NativeTlsConnector::new(options)?)),
            #[allow(unreachable_patterns)]
            other => Err(TlsError::Config(format!(
                "the {} backend is not compiled into this build (enable the Cargo feature \"{}\"); available: {}",
                other.name(),
                other.name(),
                Backend::available().iter().map(|b| b.name()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

/// Connectors for every backend compiled in, `preferred` first: what
/// [`AutoConnect`] tries.
///
/// ```
/// use ftpkit::{connectors, Backend, TlsOptions};
/// let all = connectors(None, &TlsOptions::default()).unwrap();
/// assert_eq!(all.len(), Backend::available().len());
/// ```
pub fn connectors(
    preferred: Option<Backend>,
    options: &TlsOptions,
) -> Result<Vec<Arc<dyn TlsConnector>>, TlsError> {
    let mut order = Backend::available();
    if let Some(p) = preferred {
        if !p.is_available() {
            return p.connector(options).map(|c| vec![c]);
        }
        order.retain(|b| *b != p);
        order.insert(0, p);
    }
    order.into_iter().map(|b| b.connector(options)).collect()
}

impl Default for Backend {
    /// The first available backend (rustls in a default build).
    fn default() -> Backend {
        Backend::available()
            .first()
            .copied()
            .unwrap_or(Backend::Rustls)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Backend, String> {
        match s.to_ascii_lowercase().as_str() {
            "rustls" => Ok(Backend::Rustls),
            "openssl" => Ok(Backend::OpenSsl),
            "native-tls" | "native" | "nativetls" => Ok(Backend::NativeTls),
            other => Err(format!(
                "unknown TLS backend {other:?}: use rustls, openssl or native-tls"
            )),
        }
    }
}

/// The README's Rust example, compiled as a doctest so that it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
