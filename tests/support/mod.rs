#![allow(dead_code)]

pub mod vsftpd;
