//! What the workspace's tests share: servers to test against, certificates, test data. A
//! `publish = false` crate, used only as a path dev-dependency by the facade (`tests/it`,
//! `tests/memory.rs`, the examples), `ftpc`'s tests and the TLS backends' tests.
//!
//! Always available (portable: std, rcgen, tempfile):
//! - [`certs`]: certificates made in memory with rcgen and written as PEM files: the
//!   [`certs::TestCerts`] set (a private CA, a server certificate for the loopback names, one
//!   for a wrong name, an expired one), and the parts it is built from ([`certs::Ca`],
//!   [`certs::self_signed`], [`certs::PemDir`]) for tests that need other certificates.
//! - [`data`]: deterministic pseudo-random test data.
//! - [`delay`]: a TCP proxy on 127.0.0.2 that adds latency in each direction, control port
//!   and passive range, for measuring clients over a long link on loopback.
//! - [`fake`]: a fault-injection server on 127.0.0.1 run by a script
//!   ([`fake::FakeServer`]), and the incident's server (`234` to `AUTH TLS`, then silence).
//! - [`scripted`]: a small FTP server on top of [`fake`] whose well-behaved defaults a
//!   test's handler overrides command by command.
//!
//! With the `servers` feature (Unix; libunftp, tokio, OpenSSL):
//! - `embedded`: an in-process libunftp server over a temporary directory, plain or FTPS.
//! - `vsftpd`: a real vsftpd on loopback with a generated configuration.
//! - `proftpd`: a real ProFTPD (with mod_digest and mod_tls) on loopback.
//! - `old_tls`: an explicit-FTPS server stuck on TLS 1.1.
//! - `proxies`: real proxies on loopback: Dante (SOCKS5, optionally with user/password
//!   checked against the system's accounts) and tinyproxy (HTTP `CONNECT`).
//!
//! The vsftpd and ProFTPD harnesses share a private module that stops a server and its
//! session processes by PID (never by name) and polls for readiness.
//!
//! This crate does not depend on `ftpkit` or `ftpkit-core`: as their dev-dependency it would
//! make a cycle, and a second copy of the crate whose types do not match the ones under test.
//! Helpers that need their types (such as `assert_reply` on an `ftpkit::Error`) stay in the
//! test binaries.

pub mod certs;
pub mod data;
pub mod delay;
pub mod fake;
pub mod scripted;

#[cfg(feature = "servers")]
mod daemon;
#[cfg(feature = "servers")]
pub mod embedded;
#[cfg(feature = "servers")]
pub mod old_tls;
#[cfg(feature = "servers")]
pub mod proftpd;
#[cfg(feature = "servers")]
pub mod proxies;
#[cfg(feature = "servers")]
pub mod vsftpd;
