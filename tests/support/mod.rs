#![allow(dead_code)]

pub mod embedded;
pub mod vsftpd;
pub mod certs;
