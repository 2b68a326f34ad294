//! File hashes computed by the server, for [`Client::remote_hash`](crate::Client::remote_hash):
//! reading them out of `HASH` replies (draft-bryan-ftpext-hash) and of the older
//! `XSHA256` / `XSHA1` / `XMD5` / `XCRC` replies.
//!
//! Servers differ in where the hash sits, so the whole reply is searched, line by line:
//! ProFTPD's mod_digest sends a progress line first, `213-Computing SHA-256 digest` then
//! `213 SHA-256 0-10485760 3dc4… big.bin`, and `250-Computing SHA256 digest` then
//! `250 3DC4…` for `XSHA256`; others send one line.

use crate::error::{Error, Phase, Result};
use crate::reply::Reply;

/// A hash algorithm a server can compute for [`Client::remote_hash`](crate::Client::remote_hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
    /// SHA-1.
    Sha1,
    /// MD5.
    Md5,
    /// CRC-32 (IEEE).
    Crc32,
}

impl HashAlgorithm {
    /// The algorithm for a `HASH` name (`SHA-256`, `CRC32`, …; any case).
    pub(crate) fn from_name(s: &str) -> Option<HashAlgorithm> {
        match s.to_ascii_uppercase().as_str() {
            "SHA-256" => Some(HashAlgorithm::Sha256),
            "SHA-512" => Some(HashAlgorithm::Sha512),
            "SHA-1" => Some(HashAlgorithm::Sha1),
            "MD5" => Some(HashAlgorithm::Md5),
            "CRC32" => Some(HashAlgorithm::Crc32),
            _ => None,
        }
    }

    /// How many hex digits a digest has.
    pub(crate) fn hex_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 64,
            HashAlgorithm::Sha512 => 128,
            HashAlgorithm::Sha1 => 40,
            HashAlgorithm::Md5 => 32,
            HashAlgorithm::Crc32 => 8,
        }
    }
}

/// A hash the server computed, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteHash {
    /// The algorithm.
    pub algorithm: HashAlgorithm,
    /// The digest in lower-case hexadecimal.
    pub hex: String,
}

/// Reads the hash out of a `HASH` reply: the line whose words are
/// `<ALGO> <start>-<end> <hex> [name]`, with a known algorithm. The algorithm is the one
/// the line names (not necessarily the one asked for). The digest is taken as sent, whatever
/// its length: one that is too short then fails the comparison with the local hash.
pub(crate) fn parse_hash_reply(reply: &Reply) -> Result<RemoteHash> {
    reply
        .line_texts()
        .find_map(|text| {
            let mut words = text.split_whitespace();
            let algorithm = HashAlgorithm::from_name(words.next()?)?;
            let range = words.next()?;
            let hex = words.next()?;
            (is_range(range) && is_hex(hex)).then(|| RemoteHash {
                algorithm,
                hex: hex.to_ascii_lowercase(),
            })
        })
        .ok_or_else(|| no_hash("HASH", reply))
}

/// Reads the hash out of the reply to `XSHA256`, `XSHA1`, `XMD5` or `XCRC` (`cmd`): the
/// first word, on any line, of exactly `algorithm`'s number of hex digits.
pub(crate) fn parse_x_reply(
    cmd: &str,
    algorithm: HashAlgorithm,
    reply: &Reply,
) -> Result<RemoteHash> {
    reply
        .line_texts()
        .find_map(|text| {
            text.split_whitespace()
                .find(|w| is_digest(w, algorithm))
                .map(|hex| RemoteHash {
                    algorithm,
                    hex: hex.to_ascii_lowercase(),
                })
        })
        .ok_or_else(|| no_hash(cmd, reply))
}

fn is_hex(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_digest(word: &str, algorithm: HashAlgorithm) -> bool {
    word.len() == algorithm.hex_len() && is_hex(word)
}

/// `<start>-<end>`, both decimal byte offsets.
fn is_range(word: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    word.split_once('-')
        .is_some_and(|(start, end)| digits(start) && digits(end))
}

fn no_hash(cmd: &str, reply: &Reply) -> Error {
    Error::Protocol {
        phase: Phase::Command,
        detail: format!("cannot read a hash in the {cmd} reply {reply}"),
        last_reply: Some(reply.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16, lines: &[&str]) -> Reply {
        Reply::new(code, lines.iter().map(|l| l.to_string()).collect())
    }

    const SHA256: &str = "bab796513f58feed94dcbdf720cc8bdb1dcff6c5725dc6d7e2aeaac8e17c0cda";

    fn assert_no_hash(r: Result<RemoteHash>, cmd: &str) {
        match r {
            Err(Error::Protocol {
                phase: Phase::Command,
                detail,
                last_reply: Some(_),
            }) => assert!(
                detail.contains(&format!("cannot read a hash in the {cmd} reply")),
                "{detail}"
            ),
            other => panic!("expected a protocol error, got {other:?}"),
        }
    }

    #[test]
    fn hash_multi_line_as_proftpd_sends_it() {
        let r = reply(
            213,
            &[
                "213-Computing SHA-256 digest",
                &format!("213 SHA-256 0-5000000 {SHA256} big.bin"),
            ],
        );
        let h = parse_hash_reply(&r).unwrap();
        assert_eq!(h.algorithm, HashAlgorithm::Sha256);
        assert_eq!(h.hex, SHA256);
    }

    #[test]
    fn hash_single_line() {
        let r = reply(
            213,
            &["213 SHA-1 0-49 708F1404DF1F78D61E7EADB6AD398B515B06A3FD a b.txt"],
        );
        let h = parse_hash_reply(&r).unwrap();
        assert_eq!(h.algorithm, HashAlgorithm::Sha1);
        assert_eq!(h.hex, "708f1404df1f78d61e7eadb6ad398b515b06a3fd");
        // Without the file name, and CRC32 in lower case.
        let r = reply(213, &["213 crc32 0-818 3a1818b1"]);
        assert_eq!(
            parse_hash_reply(&r).unwrap(),
            RemoteHash {
                algorithm: HashAlgorithm::Crc32,
                hex: "3a1818b1".into()
            }
        );
        // A digest of the wrong length is read as sent (the comparison then fails).
        let r = reply(213, &["213 SHA-256 0-5 00FF hello"]);
        assert_eq!(parse_hash_reply(&r).unwrap().hex, "00ff");
    }

    #[test]
    fn hash_on_an_inner_line() {
        let r = reply(
            213,
            &[
                "213-Computing SHA-512 digest",
                &format!(" SHA-512 0-7 {} x", "ab".repeat(64)),
                "213 End",
            ],
        );
        assert_eq!(parse_hash_reply(&r).unwrap().hex, "ab".repeat(64));
    }

    #[test]
    fn hash_garbage_is_a_protocol_error() {
        for lines in [
            vec!["213-Computing SHA-256 digest", "213 done"],
            vec!["213 Computing SHA-256 digest"],
            // Unknown algorithm, no range, bad range, not hex.
            vec!["213 SHA-3 0-5 abcd x"],
            vec![&*format!("213 SHA-256 {SHA256} x")],
            vec![&*format!("213 SHA-256 0- {SHA256} x")],
            vec![&*format!("213 SHA-256 0-5 {}g x", &SHA256[1..])],
            vec!["213"],
            vec![""],
            vec!["2"],
            vec!["213 é", "213-\u{fffd}\u{fffd}"],
            vec![],
        ] {
            assert_no_hash(parse_hash_reply(&reply(213, &lines)), "HASH");
        }
    }

    #[test]
    fn x_commands_multi_line_as_proftpd_sends_them() {
        for (cmd, algorithm, hex) in [
            (
                "XSHA256",
                HashAlgorithm::Sha256,
                SHA256.to_ascii_uppercase(),
            ),
            (
                "XSHA1",
                HashAlgorithm::Sha1,
                "6D24A2EDDE1FF81D1F7DECE58BCDE6D1AA634127".into(),
            ),
            (
                "XMD5",
                HashAlgorithm::Md5,
                "D6BDA5135B0A2CCEF7A934AD61757553".into(),
            ),
            ("XCRC", HashAlgorithm::Crc32, "3A1818B1".into()),
        ] {
            let name = cmd.trim_start_matches('X').replace("CRC", "CRC32");
            let r = reply(
                250,
                &[
                    &format!("250-Computing {name} digest"),
                    &format!("250 {hex}"),
                ],
            );
            let h = parse_x_reply(cmd, algorithm, &r).unwrap();
            assert_eq!(h.algorithm, algorithm, "{cmd}");
            assert_eq!(h.hex, hex.to_ascii_lowercase(), "{cmd}");
        }
    }

    #[test]
    fn x_command_single_line() {
        let r = reply(250, &[&format!("250 {SHA256}")]);
        assert_eq!(
            parse_x_reply("XSHA256", HashAlgorithm::Sha256, &r)
                .unwrap()
                .hex,
            SHA256
        );
        // Text around the digest (as some servers add): the word of the right length wins.
        let r = reply(
            250,
            &["250 beef d6bda5135b0a2ccef7a934ad61757553 \"some file\""],
        );
        assert_eq!(
            parse_x_reply("XMD5", HashAlgorithm::Md5, &r).unwrap().hex,
            "d6bda5135b0a2ccef7a934ad61757553"
        );
    }

    #[test]
    fn x_command_garbage_is_a_protocol_error() {
        let cases: [(&str, HashAlgorithm, Vec<&str>); 6] = [
            // ProFTPD's progress line alone.
            (
                "XSHA256",
                HashAlgorithm::Sha256,
                vec!["250 Computing SHA256 digest"],
            ),
            // A SHA-1 where a SHA-256 was asked for; a CRC with a digit too many.
            (
                "XSHA256",
                HashAlgorithm::Sha256,
                vec!["250 6D24A2EDDE1FF81D1F7DECE58BCDE6D1AA634127"],
            ),
            ("XCRC", HashAlgorithm::Crc32, vec!["250 3A1818B1F"]),
            ("XCRC", HashAlgorithm::Crc32, vec!["250 0x3A1818B1"]),
            ("XMD5", HashAlgorithm::Md5, vec!["250"]),
            ("XMD5", HashAlgorithm::Md5, vec![]),
        ];
        for (cmd, algorithm, lines) in cases {
            assert_no_hash(parse_x_reply(cmd, algorithm, &reply(250, &lines)), cmd);
        }
    }

    #[test]
    fn odd_bytes_never_panic() {
        for line in [
            "2",
            "21",
            "213",
            "213\u{e9}",
            "\u{e9}\u{e9}",
            "213-",
            "213 ",
            "   ",
        ] {
            let r = reply(213, &[line, line]);
            assert!(parse_hash_reply(&r).is_err());
            for a in [
                HashAlgorithm::Sha256,
                HashAlgorithm::Sha512,
                HashAlgorithm::Sha1,
                HashAlgorithm::Md5,
                HashAlgorithm::Crc32,
            ] {
                assert!(parse_x_reply("X", a, &r).is_err());
            }
        }
    }
}
