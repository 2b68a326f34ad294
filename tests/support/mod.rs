#![allow(dead_code)]

pub mod certs;
pub mod check;
pub mod daemon;
pub mod embedded;
pub mod fake;
pub mod old_tls;
pub mod proftpd;
pub mod scripted;
pub mod vsftpd;
