//! `ftpc`'s end-to-end tests, in one binary (one link instead of five): each module is one
//! area, running the real binary against the embedded server, a real vsftpd or ProFTPD, or a
//! scripted server from the `ftpkit-test-support` crate. `common` runs `ftpc` and reads what
//! it printed.

mod common;

mod cli;
mod doctor;
mod hostile;
mod integrity;
mod proftpd_verify;
mod proxy;
mod reach;
mod scripts;
mod tree;
mod trust;
