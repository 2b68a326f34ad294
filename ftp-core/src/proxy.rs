//! Proxies for the control connection and every passive data connection: SOCKS5 (RFC 1928,
//! with the user/password method of RFC 1929) and HTTP `CONNECT` (with optional Basic
//! authentication).
//!
//! A [`Proxy`] goes into [`crate::Config::proxy`] (or [`crate::ClientBuilder::proxy`]). The
//! handshake runs on a connected socket under the deadline of the connection it opens (the
//! connect deadline for the control connection, the data-connect deadline for data): every
//! read and write is bounded by what is left of it, and each proxy answer is read with a
//! fixed, small bound, so a proxy that goes silent or talks forever ends in
//! [`Error::Timeout`] or [`Error::Proxy`], never in a hang.
//!
//! ```
//! use ftpkit_core::{Client, Proxy, ProxyKind, Security};
//! // socks5h: the proxy resolves the server's name (curl's meaning of the scheme).
//! let proxy: Proxy = "socks5h://alice:secret@127.0.0.1:1080".parse().unwrap();
//! assert_eq!(proxy.kind(), ProxyKind::Socks5h);
//! assert_eq!(proxy.port(), 1080);
//! // The password never shows, neither in Display nor in Debug.
//! assert_eq!(proxy.to_string(), "socks5h://alice@127.0.0.1:1080");
//! assert!(!format!("{proxy:?}").contains("secret"));
//!
//! let b = Client::builder("ftp.example.com", Security::Plain).proxy(proxy);
//! assert!(b.current_config().proxy.is_some());
//! // b.connect() would now reach ftp.example.com:21 through the proxy, and every passive
//! // data connection the same way.
//! ```

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::str::FromStr;
use std::time::Instant;

use log::debug;

use crate::deadline::Wait;
use crate::error::{is_timeout_kind, Error, Phase, Result};
use crate::reply::Reply;

/// Which protocol a [`Proxy`] speaks, with curl's names for the schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProxyKind {
    /// `socks5://`: SOCKS5, the server's name resolved here (under the connect deadline)
    /// and its address sent to the proxy.
    Socks5,
    /// `socks5h://`: SOCKS5, the server's name sent to the proxy, which resolves it
    /// (remote DNS, address type `0x03`).
    Socks5h,
    /// `http://`: an HTTP proxy's `CONNECT` tunnel.
    Http,
}

impl ProxyKind {
    /// The URL scheme: `socks5`, `socks5h` or `http`.
    pub fn scheme(self) -> &'static str {
        match self {
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks5h => "socks5h",
            ProxyKind::Http => "http",
        }
    }

    /// How the proxy is named in errors and logs.
    fn label(self) -> &'static str {
        match self {
            ProxyKind::Socks5 | ProxyKind::Socks5h => "SOCKS5",
            ProxyKind::Http => "HTTP",
        }
    }
}

/// A proxy to reach the server through: its kind, address and optional credentials.
///
/// Build one with [`Proxy::socks5`], [`Proxy::socks5h`] or [`Proxy::http`], or parse a
/// curl-style URL (`socks5h://user:pass@host:1080`; without a scheme, `http://`; without a
/// port, 1080 as in curl). The password is kept out of `Display` and `Debug`.
///
/// ```
/// use ftpkit_core::{Proxy, ProxyKind};
/// let p = Proxy::http("proxy.example.com", 3128).with_auth("bob", "pw");
/// assert_eq!(p.kind(), ProxyKind::Http);
/// assert_eq!(p.user(), Some("bob"));
/// assert_eq!(p.to_string(), "http://bob@proxy.example.com:3128");
/// assert_eq!("proxy.example.com".parse::<Proxy>().unwrap().port(), 1080);
/// assert!("socks4://h:1".parse::<Proxy>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    kind: ProxyKind,
    host: String,
    port: u16,
    auth: Option<(String, String)>,
}

impl Proxy {
    /// SOCKS5 with local resolution of the server's name (`socks5://`).
    pub fn socks5(host: impl Into<String>, port: u16) -> Proxy {
        Proxy::new(ProxyKind::Socks5, host.into(), port)
    }

    /// SOCKS5 with the server's name resolved by the proxy (`socks5h://`).
    pub fn socks5h(host: impl Into<String>, port: u16) -> Proxy {
        Proxy::new(ProxyKind::Socks5h, host.into(), port)
    }

    /// An HTTP proxy, used through `CONNECT` (`http://`).
    pub fn http(host: impl Into<String>, port: u16) -> Proxy {
        Proxy::new(ProxyKind::Http, host.into(), port)
    }

    fn new(kind: ProxyKind, host: String, port: u16) -> Proxy {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        Proxy {
            kind,
            host,
            port,
            auth: None,
        }
    }

    /// Credentials for the proxy: SOCKS5 user/password (RFC 1929), or HTTP Basic.
    pub fn with_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Proxy {
        self.auth = Some((user.into(), password.into()));
        self
    }

    /// The protocol.
    pub fn kind(&self) -> ProxyKind {
        self.kind
    }

    /// The proxy's host (a name or an address, without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user name, if credentials were given.
    pub fn user(&self) -> Option<&str> {
        self.auth.as_ref().map(|(u, _)| u.as_str())
    }

    /// `host:port` of the proxy, IPv6 in brackets: how errors name it.
    pub fn endpoint(&self) -> String {
        host_port(&self.host, self.port)
    }

    /// "the SOCKS5 proxy 127.0.0.1:1080": the proxy as errors name it.
    fn named(&self) -> String {
        format!("the {} proxy {}", self.kind.label(), self.endpoint())
    }
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = self
            .user()
            .map(|u| format!("{}@", percent_encode(u)))
            .unwrap_or_default();
        write!(f, "{}://{user}{}", self.kind.scheme(), self.endpoint())
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user())
            .field("password", &self.auth.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// A proxy URL that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyUrlError(String);

impl fmt::Display for ProxyUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProxyUrlError {}

impl FromStr for Proxy {
    type Err = ProxyUrlError;

    /// `[scheme://][user[:password]@]host[:port][/]`, user and password percent-decoded.
    fn from_str(url: &str) -> std::result::Result<Proxy, ProxyUrlError> {
        let bad = |why: &str| ProxyUrlError(format!("proxy URL: {why}"));
        let (kind, rest) = match url.split_once("://") {
            None => (ProxyKind::Http, url),
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "socks5" => (ProxyKind::Socks5, rest),
                "socks5h" => (ProxyKind::Socks5h, rest),
                "http" => (ProxyKind::Http, rest),
                other => {
                    return Err(bad(&format!(
                        "unsupported scheme {other}:// (use socks5://, socks5h:// or http://)"
                    )))
                }
            },
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') {
            return Err(bad("a proxy URL has no path"));
        }
        let (auth, hostport) = match rest.rsplit_once('@') {
            Some((auth, hp)) => (Some(auth), hp),
            None => (None, rest),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| bad("bad host or port"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let mut proxy = Proxy::new(kind, host.to_string(), port.unwrap_or(1080));
        if let Some(auth) = auth {
            let (user, pass) = auth.split_once(':').unwrap_or((auth, ""));
            let user = percent_decode(user).ok_or_else(|| bad("bad %-escape in the user"))?;
            let pass = percent_decode(pass).ok_or_else(|| bad("bad %-escape in the password"))?;
            proxy = proxy.with_auth(user, pass);
        }
        Ok(proxy)
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        match after {
            "" => (h, None),
            p => (h, Some(p.strip_prefix(':')?)),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            Some(_) => return None,
            None => (s, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p != 0)?),
    };
    Some((host, port))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A session's way through its proxy: the proxy, the address its control connection
/// reached it at (data connections go there too, without resolving its name again), and
/// the server's host as the proxy is told it (the name as the user gave it, or for
/// `socks5://` the address it resolved to here). Data connections go to this host, never
/// to the proxy's address, which is the control connection's peer.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) proxy: Proxy,
    pub(crate) proxy_addr: SocketAddr,
    pub(crate) host: String,
}

/// Asks the proxy on `tcp` (connected to it) for a tunnel to `host:port`, all of it by
/// `deadline`. On success the socket carries the server's bytes, nothing of the proxy's
/// answer left unread, and no socket timeout set.
#[allow(clippy::too_many_arguments)]
pub(crate) fn handshake(
    tcp: &TcpStream,
    proxy: &Proxy,
    host: &str,
    port: u16,
    phase: Phase,
    wait: Wait,
    deadline: Instant,
    last_reply: Option<Reply>,
) -> Result<()> {
    let mut talk = Talk {
        tcp,
        proxy,
        target: host_port(host, port),
        phase,
        wait,
        deadline,
        last_reply,
    };
    debug!(
        "{phase}: asking {} for a tunnel to {}",
        proxy.named(),
        talk.target
    );
    match proxy.kind {
        ProxyKind::Socks5 | ProxyKind::Socks5h => socks5(&mut talk, host, port),
        ProxyKind::Http => http_connect(&mut talk),
    }?;
    tcp.set_read_timeout(None)
        .and_then(|_| tcp.set_write_timeout(None))
        .map_err(|e| talk.io(e, "resetting the socket timeouts"))?;
    debug!("{phase}: {} opened the tunnel", proxy.named());
    Ok(())
}

/// One conversation with a proxy: bounded reads and writes, and errors that name it.
struct Talk<'a> {
    tcp: &'a TcpStream,
    proxy: &'a Proxy,
    target: String,
    phase: Phase,
    wait: Wait,
    deadline: Instant,
    last_reply: Option<Reply>,
}

impl Talk<'_> {
    fn timeout(&self, step: &str) -> Error {
        Error::Timeout {
            phase: self.phase,
            deadline: self.wait.deadline,
            waiting_for: format!("waiting for {} to {step}", self.proxy.named()),
            after: self.wait.after,
            backend: None,
            last_reply: self.last_reply.clone(),
        }
    }

    fn refused(&self, detail: String) -> Error {
        Error::Proxy {
            phase: self.phase,
            proxy: self.proxy.endpoint(),
            detail,
        }
    }

    fn io(&self, e: io::Error, step: &str) -> Error {
        if is_timeout_kind(&e) || Instant::now() >= self.deadline {
            return self.timeout(step);
        }
        self.refused(format!("{} failed while {step}: {e}", self.proxy.named()))
    }

    /// What is left of the deadline, as a socket timeout (never zero: that means none).
    fn left(&self, step: &str) -> Result<std::time::Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.timeout(step));
        }
        Ok(left)
    }

    fn send(&mut self, bytes: &[u8], step: &str) -> Result<()> {
        let left = self.left(step)?;
        self.tcp
            .set_write_timeout(Some(left))
            .map_err(|e| self.io(e, step))?;
        let mut tcp = self.tcp;
        tcp.write_all(bytes).map_err(|e| self.io(e, step))
    }

    /// Exactly `buf.len()` bytes of the proxy's answer.
    fn recv(&mut self, buf: &mut [u8], step: &str) -> Result<()> {
        let mut filled = 0;
        while filled < buf.len() {
            let left = self.left(step)?;
            self.tcp
                .set_read_timeout(Some(left))
                .map_err(|e| self.io(e, step))?;
            let mut tcp = self.tcp;
            match tcp.read(&mut buf[filled..]) {
                Ok(0) => {
                    return Err(self.refused(format!(
                        "{} closed the connection while {step} (tunnel to {})",
                        self.proxy.named(),
                        self.target
                    )))
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io(e, step)),
            }
        }
        Ok(())
    }
}

/// RFC 1928 reply codes.
fn socks5_reply_text(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unknown reply code",
    }
}

fn socks5(talk: &mut Talk<'_>, host: &str, port: u16) -> Result<()> {
    let auth = talk.proxy.auth.clone();
    // Greeting: the methods we can do. With credentials, only user/password: a proxy that
    // picks "no authentication" would be fine too, so offer both.
    let greeting: &[u8] = match auth {
        Some(_) => &[5, 2, 0x00, 0x02],
        None => &[5, 1, 0x00],
    };
    talk.send(greeting, "accept the SOCKS5 greeting")?;
    let mut chosen = [0u8; 2];
    talk.recv(&mut chosen, "answer the SOCKS5 greeting")?;
    if chosen[0] != 5 {
        return Err(talk.refused(format!(
            "{} answered the greeting with version {}: is it a SOCKS5 proxy?",
            talk.proxy.named(),
            chosen[0]
        )));
    }
    match (chosen[1], &auth) {
        (0x00, _) => {}
        (0x02, Some((user, pass))) => {
            if user.len() > 255 || pass.len() > 255 {
                return Err(talk.refused(format!(
                    "the user name and password for {} must be at most 255 bytes each",
                    talk.proxy.named()
                )));
            }
            let mut msg = vec![1, user.len() as u8];
            msg.extend_from_slice(user.as_bytes());
            msg.push(pass.len() as u8);
            msg.extend_from_slice(pass.as_bytes());
            talk.send(&msg, "accept the user name and password")?;
            let mut status = [0u8; 2];
            talk.recv(&mut status, "answer the user name and password")?;
            if status[1] != 0 {
                return Err(talk.refused(format!(
                    "{} refused the user name and password for {user} (status {})",
                    talk.proxy.named(),
                    status[1]
                )));
            }
        }
        (0xFF, None) | (0x02, None) => {
            return Err(talk.refused(format!(
                "{} requires authentication: give user:password in the proxy URL",
                talk.proxy.named()
            )))
        }
        (0xFF, Some(_)) => {
            return Err(talk.refused(format!(
                "{} accepts neither user/password nor no authentication",
                talk.proxy.named()
            )))
        }
        (m, _) => {
            return Err(talk.refused(format!(
                "{} chose authentication method {m}, which was not offered",
                talk.proxy.named()
            )))
        }
    }

    let mut request = vec![5, 1, 0];
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            request.push(1);
            request.extend_from_slice(&ip.octets());
        }
        Ok(IpAddr::V6(ip)) => {
            request.push(4);
            request.extend_from_slice(&ip.octets());
        }
        Err(_) => {
            if host.len() > 255 {
                return Err(talk.refused(format!(
                    "the host name {host} is too long for SOCKS5 (255 bytes at most)"
                )));
            }
            request.push(3);
            request.push(host.len() as u8);
            request.extend_from_slice(host.as_bytes());
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    talk.send(&request, "accept the CONNECT request")?;
    // VER REP RSV ATYP, then the bound address (its length depends on ATYP) and port.
    let mut head = [0u8; 4];
    let step = "answer the CONNECT request";
    talk.recv(&mut head, step)?;
    if head[0] != 5 {
        return Err(talk.refused(format!(
            "{} answered CONNECT with version {}, not a SOCKS5 reply",
            talk.proxy.named(),
            head[0]
        )));
    }
    if head[1] != 0 {
        return Err(talk.refused(format!(
            "{} refused the connection to {}: {} (reply {})",
            talk.proxy.named(),
            talk.target,
            socks5_reply_text(head[1]),
            head[1]
        )));
    }
    let addr_len = match head[3] {
        1 => 4,
        4 => 16,
        3 => {
            let mut len = [0u8; 1];
            talk.recv(&mut len, step)?;
            usize::from(len[0])
        }
        t => {
            return Err(talk.refused(format!(
                "{} answered with an unknown address type {t}",
                talk.proxy.named()
            )))
        }
    };
    let mut bound = [0u8; 255 + 2];
    talk.recv(&mut bound[..addr_len + 2], step)?;
    Ok(())
}

/// The most an HTTP proxy's answer to `CONNECT` may take (status line and headers).
const MAX_HTTP_HEAD: usize = 16 * 1024;

fn http_connect(talk: &mut Talk<'_>) -> Result<()> {
    let target = talk.target.clone();
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some((user, pass)) = &talk.proxy.auth {
        request.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            base64(format!("{user}:{pass}").as_bytes())
        ));
    }
    request.push_str("\r\n");
    talk.send(request.as_bytes(), "accept the CONNECT request")?;
    // One byte at a time: what follows the blank line is the server's (its greeting may
    // come at once) and must stay in the socket.
    let step = "answer the CONNECT request";
    let mut head = Vec::with_capacity(256);
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        if head.len() >= MAX_HTTP_HEAD {
            return Err(talk.refused(format!(
                "{} sent more than {MAX_HTTP_HEAD} bytes of headers in answer to CONNECT",
                talk.proxy.named()
            )));
        }
        let mut byte = [0u8; 1];
        talk.recv(&mut byte, step)?;
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let status_line = text.lines().next().unwrap_or("").trim();
    let mut words = status_line.splitn(3, ' ');
    let version = words.next().unwrap_or("");
    let status = words.next().and_then(|s| s.parse::<u16>().ok());
    let Some(status) = status.filter(|_| version.starts_with("HTTP/")) else {
        return Err(talk.refused(format!(
            "{} answered CONNECT with {:?}, not an HTTP status line",
            talk.proxy.named(),
            truncate(status_line, 80)
        )));
    };
    if !(200..300).contains(&status) {
        let advice = match status {
            407 if talk.proxy.auth.is_none() => {
                "; it wants credentials: give user:password in the proxy URL"
            }
            407 => "; it refused the credentials",
            _ => "",
        };
        return Err(talk.refused(format!(
            "{} refused CONNECT to {target}: it answered {}{advice}",
            talk.proxy.named(),
            truncate(status_line, 120)
        )));
    }
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::Deadline;
    use std::net::TcpListener;
    use std::time::Duration;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(
            base64(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn urls() {
        let p: Proxy = "socks5://u%40x:p%3Aw@[::1]:9050/".parse().unwrap();
        assert_eq!(p.kind(), ProxyKind::Socks5);
        assert_eq!(p.host(), "::1");
        assert_eq!(p.port(), 9050);
        assert_eq!(p.auth, Some(("u@x".into(), "p:w".into())));
        assert_eq!(p.to_string(), "socks5://u%40x@[::1]:9050");
        let p: Proxy = "HTTP://proxy:3128".parse().unwrap();
        assert_eq!((p.kind(), p.port()), (ProxyKind::Http, 3128));
        for bad in [
            "https://h:1",
            "h:0",
            "h:99999",
            "socks5://",
            "h/path",
            "::1:80",
        ] {
            assert!(bad.parse::<Proxy>().is_err(), "{bad}");
        }
    }

    /// A scripted proxy: for each step, reads that many bytes of what the client sends,
    /// then answers the step's bytes; hands back all it read.
    fn steps(script: &'static [(usize, &'static [u8])]) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut all = Vec::new();
            for (read, answer) in script {
                let mut got = vec![0u8; *read];
                if s.read_exact(&mut got).is_err() {
                    break;
                }
                all.extend_from_slice(&got);
                s.write_all(answer).unwrap();
            }
            // Wait for the client to close.
            let _ = s.read(&mut [0u8; 1]);
            all
        });
        (port, t)
    }

    fn scripted(answer: &'static [u8], read: usize) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
        let script: &'static [(usize, &'static [u8])] = Box::leak(Box::new([(read, answer)]));
        steps(script)
    }

    fn run(proxy: &Proxy, port: u16, host: &str) -> Result<()> {
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let wait = Wait {
            after: Duration::from_secs(5),
            deadline: Deadline::Connect,
        };
        let deadline = Instant::now() + wait.after;
        handshake(&tcp, proxy, host, 21, Phase::Connect, wait, deadline, None)
    }

    #[test]
    fn socks5_sends_the_name_and_credentials() {
        // method 2, auth ok, success with a domain-name bound address.
        let (port, t) = steps(&[
            (4, b"\x05\x02"),
            (8, b"\x01\x00"),
            (15, b"\x05\x00\x00\x03\x03abc\x00\x15"),
        ]);
        let p = Proxy::socks5h("127.0.0.1", port).with_auth("u", "pass");
        run(&p, port, "ftp.test").unwrap();
        let got = t.join().unwrap();
        assert_eq!(&got[..4], b"\x05\x02\x00\x02");
        assert_eq!(&got[4..12], b"\x01\x01u\x04pass");
        assert_eq!(&got[12..], b"\x05\x01\x00\x03\x08ftp.test\x00\x15");
    }

    #[test]
    fn socks5_refusal_says_what_the_proxy_answered() {
        let (port, _t) = steps(&[(3, b"\x05\x00"), (10, b"\x05\x02\x00\x01\0\0\0\0\0\0")]);
        let p = Proxy::socks5("127.0.0.1", port);
        let e = run(&p, port, "10.1.2.3").unwrap_err();
        assert!(matches!(e, Error::Proxy { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("connect: the SOCKS5 proxy 127.0.0.1:{port} refused the connection to 10.1.2.3:21: connection not allowed by ruleset (reply 2)")
        );
    }

    #[test]
    fn http_connect_leaves_the_servers_bytes_in_the_socket() {
        const REQUEST: &[u8] =
            b"CONNECT [::1]:21 HTTP/1.1\r\nHost: [::1]:21\r\nProxy-Authorization: Basic YTpi\r\n\r\n";
        let (port, t) = scripted(
            b"HTTP/1.1 200 Connection established\r\nX: y\r\n\r\n220 hello\r\n",
            REQUEST.len(),
        );
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let wait = Wait {
            after: Duration::from_secs(5),
            deadline: Deadline::Connect,
        };
        let p = Proxy::http("127.0.0.1", port).with_auth("a", "b");
        let deadline = Instant::now() + wait.after;
        handshake(&tcp, &p, "::1", 21, Phase::Connect, wait, deadline, None).unwrap();
        let mut rest = [0u8; 11];
        (&tcp).read_exact(&mut rest).unwrap();
        assert_eq!(&rest, b"220 hello\r\n");
        drop(tcp);
        assert_eq!(t.join().unwrap(), REQUEST);
    }

    #[test]
    fn http_refusal_and_garbage() {
        let (port, _t) = scripted(b"HTTP/1.0 403 Access violation\r\n\r\n", 1);
        let e = run(&Proxy::http("127.0.0.1", port), port, "h").unwrap_err();
        assert!(
            e.to_string()
                .contains("refused CONNECT to h:21: it answered HTTP/1.0 403 Access violation"),
            "{e}"
        );
        let (port, _t) = scripted(b"SSH-2.0-OpenSSH\r\n\r\n", 1);
        let e = run(&Proxy::http("127.0.0.1", port), port, "h").unwrap_err();
        assert!(e.to_string().contains("not an HTTP status line"), "{e}");
        let (port, _t) = scripted(b"\x04\x5a", 1);
        let e = run(&Proxy::socks5h("127.0.0.1", port), port, "h").unwrap_err();
        assert!(e.to_string().contains("version 4"), "{e}");
    }

    #[test]
    fn a_silent_proxy_times_out_naming_it() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let wait = Wait {
            after: Duration::from_millis(300),
            deadline: Deadline::DataConnect,
        };
        let started = Instant::now();
        let p = Proxy::socks5h("127.0.0.1", port);
        let e = handshake(
            &tcp,
            &p,
            "h",
            21,
            Phase::DataConnect,
            wait,
            started + wait.after,
            None,
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(e.deadline(), Some(Deadline::DataConnect));
        assert!(
            e.to_string().contains(&format!(
                "waiting for the SOCKS5 proxy 127.0.0.1:{port} to answer the SOCKS5 greeting"
            )),
            "{e}"
        );
        drop(l);
    }
}
