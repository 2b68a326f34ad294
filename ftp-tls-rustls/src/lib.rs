//! TLS backend for `ftp-core` using rustls.
//!
//! The implementation of [`ftp_core::TlsConnector`] lands with the TLS issue; until then this
//! crate only reserves its place in the workspace.

pub use ftp_core::TlsConnector;
