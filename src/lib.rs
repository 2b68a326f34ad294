//! placeholder
pub use ftp_core::*;
