//! The native-tls backend's integration tests, in one binary: each module is one area,
//! against TLS servers running in threads on 127.0.0.1; `common` has what they share.

mod common;

mod handshake;
// With OpenSSL test servers (TLS 1.3, and control of how a session ends): only where
// native-tls is OpenSSL and the openssl dev-dependency exists.
#[cfg(not(any(windows, target_vendor = "apple")))]
mod eof;
#[cfg(not(any(windows, target_vendor = "apple")))]
mod tls13;
