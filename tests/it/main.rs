//! The integration tests, in one binary (one link instead of thirteen): each module is one
//! area, against the embedded server, a real vsftpd or ProFTPD, or a scripted fault server.
//! `tests/memory.rs` stays a binary of its own: it installs a counting global allocator.
//! The servers, certificates and data come from the `ftpkit-test-support` crate; `check`
//! holds what needs ftpkit's own types.

mod check;

mod auto_connect;
mod latency;
mod legacy_listings;
mod long_transfers;
mod plain_embedded;
mod plain_faults;
mod plain_vsftpd;
mod pool;
mod proftpd_digest;
mod proxy;
mod reach;
mod security;
mod server_bugs;
mod tls_certificates;
mod tls_conformance;
mod tls_data_faults;
mod tls_faults;
mod tls_vsftpd;
mod tree;
mod tree_faults;
mod vsftpd_harness_selftest;
