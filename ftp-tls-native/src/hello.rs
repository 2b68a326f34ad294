//! A passive reader of the server's `ServerHello`, to learn the negotiated protocol version
//! and cipher suite, which native-tls does not expose.
//!
//! [`Observed`] wraps the TCP stream handed to native-tls and copies the first bytes the
//! server sends into a [`HelloParser`] until the `ServerHello` is found (or the attempt is
//! abandoned). The `ServerHello` travels in plaintext in every TLS version, and once the
//! handshake has completed it is authenticated by the `Finished` messages, so what it says
//! is what was negotiated. Every length is checked: malformed input only ends the
//! observation, it can neither panic nor disturb the TLS library.

use std::io::{self, Read, Write};
use std::net::TcpStream;

/// What the `ServerHello` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Negotiated {
    /// e.g. `TLSv1.3`.
    pub protocol: String,
    /// IANA name, e.g. `TLS_AES_128_GCM_SHA256`, or `0x1234` when unknown.
    pub cipher: String,
}

/// The TCP stream given to native-tls, watched until the `ServerHello` has been seen, and
/// for the end of the TCP stream (see [`Observed::tcp_eof`]).
#[derive(Debug)]
pub(crate) struct Observed {
    tcp: TcpStream,
    parser: Option<HelloParser>,
    negotiated: Option<Negotiated>,
    tcp_eof: bool,
}

impl Observed {
    pub(crate) fn new(tcp: TcpStream) -> Observed {
        Observed {
            tcp,
            parser: Some(HelloParser::default()),
            negotiated: None,
            tcp_eof: false,
        }
    }

    pub(crate) fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    pub(crate) fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    /// Whether a read of the TCP socket, asked for at least one byte, returned 0: the peer
    /// closed (or shut down the sending half of) the TCP connection, and the TLS library
    /// has seen that end.
    pub(crate) fn tcp_eof(&self) -> bool {
        self.tcp_eof
    }
}

impl Read for Observed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.tcp.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.tcp_eof = true;
        }
        if let Some(parser) = self.parser.as_mut() {
            match parser.feed(buf.get(..n).unwrap_or_default()) {
                Progress::NeedMore => {}
                Progress::Found(negotiated) => {
                    self.negotiated = Some(negotiated);
                    self.parser = None;
                }
                Progress::GaveUp => self.parser = None,
            }
        }
        Ok(n)
    }
}

impl Write for Observed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// The outcome of feeding bytes to a [`HelloParser`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    NeedMore,
    Found(Negotiated),
    GaveUp,
}

/// Accumulates server bytes until the `ServerHello` can be decoded.
#[derive(Debug, Default)]
pub(crate) struct HelloParser {
    raw: Vec<u8>,
}

/// More than one full record plus its header: the `ServerHello` is always in the first
/// handshake bytes, so a server that sent this much without one is not worth watching.
const MAX_BUFFERED: usize = 5 + 16384 + 2048;

const CONTENT_HANDSHAKE: u8 = 22;
const SERVER_HELLO: u8 = 2;
const EXT_SUPPORTED_VERSIONS: u16 = 0x002b;

impl HelloParser {
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Progress {
        let room = MAX_BUFFERED.saturating_sub(self.raw.len());
        self.raw
            .extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
        match self.try_parse() {
            Some(Some(n)) => Progress::Found(n),
            Some(None) => Progress::GaveUp,
            None if self.raw.len() >= MAX_BUFFERED => Progress::GaveUp,
            None => Progress::NeedMore,
        }
    }

    /// `None`: need more bytes; `Some(None)`: not a decodable `ServerHello`.
    fn try_parse(&self) -> Option<Option<Negotiated>> {
        // Reassemble the handshake-layer bytes from the complete records received so far.
        let mut handshake = Vec::new();
        let mut records = Reader::new(&self.raw);
        while let Some(header) = records.take(5) {
            let (content_type, len) = (header[0], u16::from_be_bytes([header[3], header[4]]));
            if content_type != CONTENT_HANDSHAKE {
                // An alert, or anything else before the ServerHello: nothing to learn.
                return Some(None);
            }
            let Some(fragment) = records.take(usize::from(len)) else {
                break;
            };
            handshake.extend_from_slice(fragment);
            if let Some(parsed) = parse_handshake(&handshake) {
                return Some(parsed);
            }
        }
        None
    }
}

/// `None`: need more; `Some(None)`: malformed or not a `ServerHello`.
fn parse_handshake(handshake: &[u8]) -> Option<Option<Negotiated>> {
    let mut r = Reader::new(handshake);
    let msg_type = r.u8()?;
    if msg_type != SERVER_HELLO {
        return Some(None);
    }
    let len = r.u24()?;
    if len > MAX_BUFFERED {
        return Some(None);
    }
    let body = r.take(len)?;
    Some(parse_server_hello(body))
}

/// Decodes a complete `ServerHello` body. A TLS 1.3 `HelloRetryRequest` has the same shape
/// and carries the same version and cipher suite as the `ServerHello` that follows it.
fn parse_server_hello(body: &[u8]) -> Option<Negotiated> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16()?;
    r.take(32)?; // random
    let session_id_len = usize::from(r.u8()?);
    r.take(session_id_len)?;
    let suite = r.u16()?;
    r.u8()?; // compression
    let mut version = legacy_version;
    if !r.is_empty() {
        let ext_len = usize::from(r.u16()?);
        let mut exts = Reader::new(r.take(ext_len)?);
        while !exts.is_empty() {
            let ext_type = exts.u16()?;
            let len = usize::from(exts.u16()?);
            let data = exts.take(len)?;
            if ext_type == EXT_SUPPORTED_VERSIONS {
                version = Reader::new(data).u16()?;
            }
        }
    }
    Some(Negotiated {
        protocol: protocol_name(version)?,
        cipher: cipher_name(suite),
    })
}

fn protocol_name(version: u16) -> Option<String> {
    Some(
        match version {
            0x0300 => "SSLv3",
            0x0301 => "TLSv1.0",
            0x0302 => "TLSv1.1",
            0x0303 => "TLSv1.2",
            0x0304 => "TLSv1.3",
            _ => return None,
        }
        .to_string(),
    )
}

/// IANA names of the suites a current client may negotiate; others as hex.
fn cipher_name(suite: u16) -> String {
    let name = match suite {
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0x1304 => "TLS_AES_128_CCM_SHA256",
        0x1305 => "TLS_AES_128_CCM_8_SHA256",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0x0067 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        0x006b => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        _ => return format!("0x{suite:04X}"),
    };
    name.to_string()
}

/// A bounds-checked cursor.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self) -> Option<usize> {
        self.take(3)
            .map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ServerHello record; `versions` adds a supported_versions extension.
    fn server_hello(suite: u16, versions: Option<u16>) -> Vec<u8> {
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(&[7; 32]);
        body.push(32);
        body.extend_from_slice(&[9; 32]);
        body.extend_from_slice(&suite.to_be_bytes());
        body.push(0);
        let mut exts = vec![0xff, 0x01, 0x00, 0x01, 0x00]; // renegotiation_info
        if let Some(v) = versions {
            exts.extend_from_slice(&[0x00, 0x2b, 0x00, 0x02]);
            exts.extend_from_slice(&v.to_be_bytes());
        }
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        let mut hs = vec![SERVER_HELLO, 0, 0, body.len() as u8];
        hs.extend_from_slice(&body);
        let mut rec = vec![CONTENT_HANDSHAKE, 0x03, 0x03, 0, hs.len() as u8];
        rec.extend_from_slice(&hs);
        rec
    }

    fn found(protocol: &str, cipher: &str) -> Progress {
        Progress::Found(Negotiated {
            protocol: protocol.into(),
            cipher: cipher.into(),
        })
    }

    #[test]
    fn decodes_tls12_and_tls13_byte_by_byte() {
        for (bytes, expected) in [
            (
                server_hello(0xc02f, None),
                found("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            ),
            (
                server_hello(0x1302, Some(0x0304)),
                found("TLSv1.3", "TLS_AES_256_GCM_SHA384"),
            ),
            (server_hello(0xabcd, None), found("TLSv1.2", "0xABCD")),
        ] {
            let mut p = HelloParser::default();
            let (last, head) = bytes.split_last().unwrap();
            for b in head {
                assert_eq!(p.feed(&[*b]), Progress::NeedMore);
            }
            assert_eq!(p.feed(&[*last]), expected);
            // Whole, and followed by more records.
            let mut more = bytes.clone();
            more.extend_from_slice(&[CONTENT_HANDSHAKE, 3, 3, 0, 1, 11]);
            assert_eq!(HelloParser::default().feed(&more), expected);
        }
    }

    #[test]
    fn handshake_message_split_across_records() {
        let rec = server_hello(0x1301, Some(0x0304));
        let hs = &rec[5..];
        let (a, b) = hs.split_at(10);
        let mut bytes = vec![CONTENT_HANDSHAKE, 3, 3, 0, a.len() as u8];
        bytes.extend_from_slice(a);
        bytes.extend_from_slice(&[CONTENT_HANDSHAKE, 3, 3, 0, b.len() as u8]);
        bytes.extend_from_slice(b);
        assert_eq!(
            HelloParser::default().feed(&bytes),
            found("TLSv1.3", "TLS_AES_128_GCM_SHA256")
        );
    }

    #[test]
    fn gives_up_on_other_input() {
        for bytes in [
            &b"220 hello\r\n"[..],
            &[21, 3, 3, 0, 2, 2, 70][..],                      // alert
            &[CONTENT_HANDSHAKE, 3, 3, 0, 4, 11, 0, 0, 0][..], // not a ServerHello
        ] {
            assert_eq!(HelloParser::default().feed(bytes), Progress::GaveUp);
        }
        // Endless handshake bytes without a complete message.
        let mut p = HelloParser::default();
        let mut progress = p.feed(&[
            CONTENT_HANDSHAKE,
            3,
            3,
            0x40,
            0x00,
            SERVER_HELLO,
            0xff,
            0xff,
            0xff,
        ]);
        for _ in 0..100 {
            if progress != Progress::NeedMore {
                break;
            }
            progress = p.feed(&[0; 1024]);
        }
        assert_eq!(progress, Progress::GaveUp);
    }

    #[test]
    fn never_panics_on_truncations_and_garbage() {
        let hello = server_hello(0x1301, Some(0x0304));
        for cut in 0..hello.len() {
            let mut corrupted = hello.clone();
            let _ = HelloParser::default().feed(&hello[..cut]);
            corrupted[cut] ^= 0xff;
            let _ = HelloParser::default().feed(&corrupted);
            corrupted[cut] = 0xff;
            let _ = HelloParser::default().feed(&corrupted);
        }
        let mut x: u32 = 0x1234_5678;
        for _ in 0..2000 {
            let mut bytes = vec![CONTENT_HANDSHAKE, 3, 3];
            for _ in 0..(x % 300) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                bytes.push(x as u8);
            }
            let _ = HelloParser::default().feed(&bytes);
        }
    }
}
