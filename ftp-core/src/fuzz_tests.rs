//! Property-based fuzz tests of every parser that reads server input: replies, control
//! lines, `FEAT`, `PASV`/`EPSV`/`PORT`, `LIST`/`MLSD` lines and RFC 3659 times.
//!
//! Long run: `FTP_FUZZ_CASES=100000 cargo test -p ftpkit-core fuzz_tests --release`
//! (add `-- --ignored` to run the properties that document known bugs).

use std::io::{self, Read};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config as ProptestConfig;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::control::{LineBuf, LineError};
use crate::data::{active_command, parse_epsv, parse_pasv};
use crate::feat::Features;
use crate::list::{parse_list_line, parse_mlsd_line, parse_mlsd_time, EntryKind, ListingParser};
use crate::reply::{line_code, Reply, ReplyParseError, ReplyParser};

/// 256 cases per property, or `FTP_FUZZ_CASES`. Failures are not persisted to
/// `proptest-regressions/` (the tree is shared); proptest prints the minimal input instead.
fn config() -> ProptestConfig {
    let cases = std::env::var("FTP_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases)
    }
}

// ---------------------------------------------------------------------------------------
// Replies (reply.rs)
// ---------------------------------------------------------------------------------------

/// Reference reading of a reply code: three ASCII digits, the first in 1..=5.
fn model_code(line: &[u8]) -> Option<u16> {
    match line {
        [a @ b'1'..=b'5', b @ b'0'..=b'9', c @ b'0'..=b'9', ..] => {
            Some(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => None,
    }
}

/// Whether `line` ends a multi-line reply with `code`: the code, then a space or nothing.
fn ends_reply(code: u16, line: &[u8]) -> bool {
    model_code(line) == Some(code) && matches!(line.get(3), None | Some(b' '))
}

/// Codes that collide often (so `ddd-` … `ddd ` pairs happen), plus anything 0..=999.
fn code_like() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => select(vec![211u16, 220, 226, 550]),
        1 => 0u16..1000,
    ]
}

/// Arbitrary reply lines as bytes: random bytes, digits only, `ddd-`/`ddd `/`dddX`
/// prefixes, bare codes, very long lines and long non-UTF-8 runs.
fn reply_line_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => vec(any::<u8>(), 0..40),
        2 => vec(b'0'..=b'9', 0..8),
        4 => (
            code_like(),
            prop_oneof![Just(b'-'), Just(b' '), any::<u8>()],
            vec(any::<u8>(), 0..20),
        )
            .prop_map(|(c, sep, rest)| {
                let mut v = format!("{c:03}").into_bytes();
                v.push(sep);
                v.extend(rest);
                v
            }),
        1 => code_like().prop_map(|c| format!("{c:03}").into_bytes()),
        1 => (any::<u8>(), 0usize..20_000).prop_map(|(b, n)| vec![b; n]),
        1 => (code_like(), 0usize..3000).prop_map(|(c, n)| {
            let mut v = format!("{c:03}-").into_bytes();
            v.resize(v.len() + n, 0xff);
            v
        }),
    ]
}

/// One valid reply: its code and its lines (without line endings), plus the text that
/// `Reply::text` must return.
#[derive(Debug, Clone)]
struct GenReply {
    code: u16,
    lines: Vec<String>,
    first_text: String,
}

/// Text inside a line (no `\n`, so that `full_text` can be split back into lines).
fn line_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[^\n]{0,30}",
        1 => "[0-9 -]{0,8}",
    ]
}

/// An inner line of a multi-line reply with `code`: anything that does not end it,
/// including lines that start with digits, with the same code and `-`, or with the same
/// code and another character.
fn inner_line(code: u16) -> impl Strategy<Value = String> {
    prop_oneof![
        line_text(),
        line_text().prop_map(move |t| format!("{code}-{t}")),
        ("[^ \n]", line_text()).prop_map(move |(c, t)| format!("{code}{c}{t}")),
        (0u16..1000, "[ -]", line_text()).prop_map(|(c, s, t)| format!("{c:03}{s}{t}")),
        line_text().prop_map(|t| format!(" {t}")),
    ]
    .prop_filter("would end the reply", move |l| {
        !ends_reply(code, l.as_bytes())
    })
}

fn gen_reply() -> impl Strategy<Value = GenReply> {
    (100u16..=599, 0usize..6, 0u8..3).prop_flat_map(|(code, n_inner, shape)| {
        (
            Just(code),
            Just(shape),
            line_text(),
            "[^ \n-]",
            vec(inner_line(code), n_inner),
            prop_oneof![Just(None), line_text().prop_map(Some)],
        )
            .prop_map(|(code, shape, first, sep, inner, last)| {
                let last_line = match &last {
                    Some(t) => format!("{code} {t}"),
                    None => format!("{code}"),
                };
                match shape {
                    // Single line: "ddd text" or bare "ddd".
                    0 => GenReply {
                        code,
                        first_text: last.clone().unwrap_or_default(),
                        lines: vec![last_line],
                    },
                    // Single line whose fourth character is neither '-' nor ' '.
                    1 => GenReply {
                        code,
                        first_text: format!("{sep}{first}"),
                        lines: vec![format!("{code}{sep}{first}")],
                    },
                    // Multi-line.
                    _ => {
                        let mut lines = vec![format!("{code}-{first}")];
                        lines.extend(inner);
                        lines.push(last_line);
                        GenReply {
                            code,
                            first_text: first,
                            lines,
                        }
                    }
                }
            })
    })
}

/// What `full_text` must give for one line of a reply with `code`.
fn model_full_text_line(code: u16, line: &str) -> &str {
    let b = line.as_bytes();
    if model_code(b) == Some(code) && matches!(b.get(3), None | Some(b' ' | b'-')) {
        &line[b.len().min(4)..]
    } else {
        line
    }
}

proptest! {
    #![proptest_config(config())]

    /// `line_code` agrees with the reference reading on arbitrary bytes.
    #[test]
    fn line_code_matches_model(line in reply_line_bytes()) {
        prop_assert_eq!(line_code(&line), model_code(&line));
    }

    /// Arbitrary byte lines against a reference model of the parser: no panic, each
    /// `feed` returns what the model says (reply, pending, bad first line, too long), and
    /// every reply respects `max_reply_len` counted as decoded bytes plus the per-line storage cost.
    #[test]
    fn reply_parser_matches_model(
        max in prop_oneof![0usize..64, 0usize..4096, Just(1usize << 20)],
        lines in vec(reply_line_bytes(), 0..30),
    ) {
        let mut p = ReplyParser::new(max);
        // Model state: bytes counted since the last complete reply, open multi-line code.
        let mut counted = 0usize;
        let mut open: Option<u16> = None;
        let mut collected: Vec<String> = Vec::new();
        for line in &lines {
            let got = p.feed(line);
            let text = String::from_utf8_lossy(line).into_owned();
            counted += text.len() + crate::reply::LINE_OVERHEAD;
            let want = if counted > max {
                Err(ReplyParseError::TooLong(max))
            } else {
                match open {
                    None => match model_code(line) {
                        None => Err(ReplyParseError::BadFirstLine(String::new())),
                        Some(code) if line.get(3) == Some(&b'-') => {
                            open = Some(code);
                            collected.push(text);
                            Ok(None)
                        }
                        Some(code) => {
                            counted = 0;
                            Ok(Some(Reply::new(code, vec![text])))
                        }
                    },
                    Some(code) => {
                        collected.push(text);
                        if ends_reply(code, line) {
                            open = None;
                            counted = 0;
                            Ok(Some(Reply::new(code, std::mem::take(&mut collected))))
                        } else {
                            Ok(None)
                        }
                    }
                }
            };
            match (&got, &want) {
                (
                    Err(ReplyParseError::BadFirstLine(shown)),
                    Err(ReplyParseError::BadFirstLine(_)),
                ) => {
                    // The message is cut for display, on a char boundary.
                    prop_assert!(shown.len() <= 120 + 40, "{} bytes shown", shown.len());
                }
                _ => prop_assert_eq!(&got, &want),
            }
            if let Ok(Some(reply)) = &got {
                prop_assert!((100..=599).contains(&reply.code()));
                // Accessors never panic on whatever came in.
                let _ = (reply.text(), reply.full_text(), reply.to_string());
                // What the reply holds, decoded: at most 3 bytes (U+FFFD) per received byte.
                let kept: usize = reply.lines().iter().map(String::len).sum();
                prop_assert!(kept <= 3 * max, "kept {} > 3 x {}", kept, max);
            }
        }
    }

    /// Strict memory bound: the decoded lines a reply keeps stay within `max_reply_len`
    /// (plus the per-line storage cost the limit also counts).
    #[test]
    fn reply_kept_bytes_within_limit(
        max in 0usize..4096,
        lines in vec(reply_line_bytes(), 0..30),
    ) {
        let mut p = ReplyParser::new(max);
        for line in &lines {
            if let Ok(Some(reply)) = p.feed(line) {
                let kept: usize = reply
                    .lines()
                    .iter()
                    .map(|l| l.len() + crate::reply::LINE_OVERHEAD)
                    .sum();
                prop_assert!(kept <= max, "kept {} > max_reply_len {}", kept, max);
            }
        }
    }

    /// Valid replies in a row (1..=599, single or multi-line, inner lines that start with
    /// digits, with `ddd-` or with `dddX`) come back exactly, each one at its last line,
    /// and `text`, `full_text` and `Display` agree with the lines.
    #[test]
    fn reply_roundtrip(replies in vec(gen_reply(), 1..4)) {
        let mut p = ReplyParser::new(1 << 20);
        for r in &replies {
            for (i, line) in r.lines.iter().enumerate() {
                let got = p.feed(line.as_bytes()).expect("valid reply");
                if i + 1 < r.lines.len() {
                    prop_assert_eq!(got, None, "reply ended early at line {}", i);
                } else {
                    let reply = got.expect("reply complete at its last line");
                    prop_assert_eq!(&reply, &Reply::new(r.code, r.lines.clone()));
                    prop_assert_eq!(reply.text(), r.first_text.as_str());
                    let full: Vec<&str> =
                        r.lines.iter().map(|l| model_full_text_line(r.code, l)).collect();
                    prop_assert_eq!(reply.full_text(), full.join("\n"));
                    let shown: Vec<&str> = r.lines.iter().map(|l| l.trim_end()).collect();
                    prop_assert_eq!(reply.to_string(), shown.join(" | "));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Control lines (control.rs, LineBuf)
// ---------------------------------------------------------------------------------------

/// The size of the read `LineBuf` does when it needs more bytes.
const READ_CHUNK: usize = 8192;

/// A reader that hands out `data` in the given chunk sizes (cycled), and fails with
/// `Interrupted` before a chunk when told to.
struct ChunkReader<'a> {
    data: &'a [u8],
    pos: usize,
    chunks: &'a [usize],
    interrupts: &'a [bool],
    reads: usize,
    interrupt_next: bool,
    largest_request: usize,
}

impl<'a> ChunkReader<'a> {
    fn new(data: &'a [u8], chunks: &'a [usize], interrupts: &'a [bool]) -> Self {
        ChunkReader {
            data,
            pos: 0,
            chunks,
            interrupts,
            reads: 0,
            interrupt_next: false,
            largest_request: 0,
        }
    }
}

impl Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.largest_request = self.largest_request.max(buf.len());
        if self.interrupt_next {
            self.interrupt_next = false;
            return Err(io::ErrorKind::Interrupted.into());
        }
        let want = self.chunks[self.reads % self.chunks.len()].max(1);
        let n = want.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        self.interrupt_next =
            !self.interrupts.is_empty() && self.interrupts[self.reads % self.interrupts.len()];
        self.reads += 1;
        Ok(n)
    }
}

/// The lines `read_line` must return: split on `\n`; a line that had its `\n` loses one
/// trailing `\r`; a final unterminated line is returned as is.
fn model_lines(input: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut pieces = input.split(|&b| b == b'\n').peekable();
    while let Some(piece) = pieces.next() {
        if pieces.peek().is_some() {
            out.push(piece.strip_suffix(b"\r").unwrap_or(piece).to_vec());
        } else if !piece.is_empty() {
            out.push(piece.to_vec());
        }
    }
    out
}

/// Bytes that make interesting line input.
fn line_byte() -> impl Strategy<Value = u8> {
    prop_oneof![2 => Just(b'\n'), 2 => Just(b'\r'), 6 => any::<u8>()]
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    vec(
        prop_oneof![1usize..4, 1usize..64, 1usize..9000, Just(READ_CHUNK + 1)],
        1..6,
    )
}

/// Input made of lines of chosen lengths (around the limit and far past it), each with or
/// without `\r`, the last one with or without `\n`.
fn long_lines_input(max: usize) -> impl Strategy<Value = (Vec<usize>, Vec<u8>)> {
    let len = prop_oneof![
        0usize..=max + 2,
        Just(max),
        Just(max + 1),
        max + READ_CHUNK - 2..=max + READ_CHUNK + 2,
        0usize..2 * READ_CHUNK,
    ];
    (vec((len, any::<bool>(), 1u8..=255), 1..5), any::<bool>()).prop_map(
        |(lines, final_newline)| {
            let mut raw_lens = Vec::new();
            let mut input = Vec::new();
            let count = lines.len();
            for (i, (len, cr, fill)) in lines.into_iter().enumerate() {
                let fill = if fill == b'\n' { b'x' } else { fill };
                let start = input.len();
                input.resize(start + len, fill);
                if cr && len > 0 {
                    input[start + len - 1] = b'\r';
                }
                raw_lens.push(len);
                if i + 1 < count || final_newline {
                    input.push(b'\n');
                }
            }
            // A trailing empty unterminated line is no line at all.
            if !final_newline && raw_lens.last() == Some(&0) {
                raw_lens.pop();
            }
            (raw_lens, input)
        },
    )
}

/// Reads every line of `input` through `LineBuf`, checking the limit properties at each
/// step. Returns the raw length of the line that was refused, if any.
fn read_all_lines(
    input: &[u8],
    raw_lens: &[usize],
    max: usize,
    chunks: &[usize],
    interrupts: &[bool],
) -> Result<Option<usize>, TestCaseError> {
    let expected = model_lines(input);
    prop_assert_eq!(expected.len(), raw_lens.len());
    let mut reader = ChunkReader::new(input, chunks, interrupts);
    let mut lb = LineBuf::default();
    for (k, want) in expected.iter().enumerate() {
        let got = lb.read_line(&mut reader, max, |_| Ok(()));
        prop_assert!(lb.buffered().len() <= max + READ_CHUNK);
        prop_assert!(reader.largest_request <= READ_CHUNK);
        match got {
            Ok(Some(line)) => {
                prop_assert_eq!(&line, want, "line {}", k);
                // The '\n' was found within one read past a pending part of at most `max`.
                prop_assert!(
                    raw_lens[k] < max + READ_CHUNK,
                    "accepted {} bytes",
                    raw_lens[k]
                );
            }
            Err(LineError::TooLong(m)) => {
                prop_assert_eq!(m, max);
                prop_assert!(raw_lens[k] > max, "refused a line of {} bytes", raw_lens[k]);
                // Refusing does not grow the buffer either, and the refusal sticks.
                let again = lb.read_line(&mut reader, max, |_| Ok(()));
                prop_assert!(matches!(again, Err(LineError::TooLong(_))));
                prop_assert!(lb.buffered().len() <= max + READ_CHUNK);
                return Ok(Some(raw_lens[k]));
            }
            Ok(None) => prop_assert!(false, "end of stream before line {}", k),
            Err(LineError::Io(e)) => prop_assert!(false, "I/O error {}", e),
        }
    }
    prop_assert!(matches!(
        lb.read_line(&mut reader, max, |_| Ok(())),
        Ok(None)
    ));
    Ok(None)
}

proptest! {
    #![proptest_config(config())]

    /// With a limit no line reaches, any input in any chunking (with `Interrupted` reads)
    /// comes back as the model lines: none contains `\n`, and joining them with `\n` gives
    /// the input with one `\r` removed before each `\n` and the final `\n` (if any)
    /// removed. After the last line, `Ok(None)`, again and again.
    #[test]
    fn line_buf_splits_like_model(
        input in vec(line_byte(), 0..1000),
        chunks in chunk_sizes(),
        interrupts in vec(any::<bool>(), 0..4),
    ) {
        let mut reader = ChunkReader::new(&input, &chunks, &interrupts);
        let mut lb = LineBuf::default();
        let mut lines = Vec::new();
        let mut reads_before = 0usize;
        while let Some(line) = lb
            .read_line(&mut reader, input.len(), |_| {
                reads_before += 1;
                Ok(())
            })
            .expect("no limit reached")
        {
            prop_assert!(!line.contains(&b'\n'));
            lines.push(line);
            prop_assert!(lines.len() <= input.len());
        }
        prop_assert!(lb.read_line(&mut reader, input.len(), |_| Ok(())).unwrap().is_none());
        prop_assert!(reads_before <= input.len() + 2);
        prop_assert_eq!(&lines, &model_lines(&input));

        let mut expect = Vec::with_capacity(input.len());
        let mut i = 0;
        while i < input.len() {
            if input[i] == b'\r' && input.get(i + 1) == Some(&b'\n') {
                i += 1;
                continue;
            }
            expect.push(input[i]);
            i += 1;
        }
        if expect.last() == Some(&b'\n') {
            expect.pop();
        }
        prop_assert_eq!(lines.join(&b'\n'), expect);
    }

    /// Lines near and far past the limit, in any chunking: a line of at most `max` raw
    /// bytes (`\r` included) is always returned; a refused line is longer than `max`; no
    /// accepted line reaches `max + 8192`; the pending buffer never exceeds `max + 8192`
    /// and each read asks for at most 8192 bytes.
    #[test]
    fn line_buf_limit_bounds(
        (max, (raw_lens, input)) in (0usize..300).prop_flat_map(|m| (Just(m), long_lines_input(m))),
        chunks in chunk_sizes(),
        interrupts in vec(any::<bool>(), 0..3),
    ) {
        read_all_lines(&input, &raw_lens, max, &chunks, &interrupts)?;
    }

    /// With one-byte reads the limit is exact: the first line longer than `max` raw bytes
    /// is refused, every shorter one returned.
    #[test]
    fn line_buf_limit_exact_with_byte_reads(
        (max, (raw_lens, input)) in (0usize..64).prop_flat_map(|m| (Just(m), long_lines_input(m))),
    ) {
        let refused = read_all_lines(&input, &raw_lens, max, &[1], &[])?;
        let first_long = raw_lens.iter().copied().find(|&l| l > max);
        prop_assert_eq!(refused, first_long);
    }

    /// Strict limit: every line longer than `max` raw bytes is refused, however the bytes
    /// arrive.
    #[test]
    fn line_buf_refuses_every_long_line(
        (max, (raw_lens, input)) in (0usize..300).prop_flat_map(|m| (Just(m), long_lines_input(m))),
        chunks in chunk_sizes(),
    ) {
        let refused = read_all_lines(&input, &raw_lens, max, &chunks, &[])?;
        let first_long = raw_lens.iter().copied().find(|&l| l > max);
        prop_assert_eq!(refused, first_long);
    }
}

// ---------------------------------------------------------------------------------------
// FEAT (feat.rs)
// ---------------------------------------------------------------------------------------

/// A feature name: no whitespace; mostly ASCII, sometimes not.
fn feature_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z][A-Za-z0-9._*-]{0,10}",
        1 => "[^\\s]{1,6}",
    ]
}

/// Parameters: empty, or no leading/trailing whitespace.
fn feature_params() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[!-~]",
        "[!-~][ -~]{0,20}[!-~]",
        "[^\\s][^\n]{0,10}[^\\s]",
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary replies: no panic; names are upper case; only 211 gives features.
    #[test]
    fn features_no_panic(
        code in prop_oneof![Just(211u16), any::<u16>()],
        lines in vec(any::<String>(), 0..8),
    ) {
        let f = Features::from_reply(&Reply::new(code, lines.clone()));
        for name in f.names() {
            prop_assert_eq!(name, name.to_ascii_uppercase());
            prop_assert!(f.has(name) && f.has(&name.to_ascii_lowercase()));
            prop_assert!(f.params(name).is_some());
        }
        if code != 211 || lines.len() < 3 {
            prop_assert_eq!(f.names().count(), 0);
        }
    }

    /// Generated `FEAT` replies (fed through `ReplyParser`): every feature line
    /// ` NAME params` with a unique name is found with `has` in any ASCII case, with its
    /// params as given. Unindented lines (a known server quirk) too, built directly.
    #[test]
    fn features_roundtrip(
        feats in vec((feature_name(), feature_params(), any::<bool>()), 0..10),
    ) {
        let mut seen = std::collections::HashSet::new();
        let feats: Vec<_> = feats
            .into_iter()
            .filter(|(n, _, _)| seen.insert(n.to_ascii_uppercase()))
            .collect();
        let feature_line = |n: &str, p: &str| {
            if p.is_empty() { n.to_string() } else { format!("{n} {p}") }
        };
        // Through the reply parser, every line indented by one space.
        let mut lines = vec!["211-Features:".to_string()];
        lines.extend(feats.iter().map(|(n, p, _)| format!(" {}", feature_line(n, p))));
        lines.push("211 End".to_string());
        let mut parser = ReplyParser::new(1 << 20);
        let mut reply = None;
        for l in &lines {
            reply = parser.feed(l.as_bytes()).expect("valid reply");
        }
        let reply = reply.expect("complete reply");
        // Built directly, some lines without the indent.
        let mut raw = vec!["211-Features:".to_string()];
        raw.extend(feats.iter().map(|(n, p, indent)| {
            format!("{}{}", if *indent { " " } else { "" }, feature_line(n, p))
        }));
        raw.push("211 End".to_string());
        let direct = Reply::new(211, raw);
        for f in [Features::from_reply(&reply), Features::from_reply(&direct)] {
            prop_assert_eq!(f.names().count(), feats.len());
            for (n, p, _) in &feats {
                prop_assert!(f.has(n), "{} missing", n);
                prop_assert!(f.has(&n.to_ascii_lowercase()) && f.has(&n.to_ascii_uppercase()));
                prop_assert_eq!(f.params(&n.to_ascii_lowercase()), Some(p.as_str()));
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// A feature announced on several lines (`AUTH TLS`, `auth SSL`) keeps every non-empty
    /// parameter, in order, joined with `;`.
    #[test]
    fn features_repeated_name_keeps_all_params(
        params in vec(feature_params(), 1..5),
        cases in vec(select(vec!["AUTH", "auth", "Auth"]), 5),
    ) {
        let mut lines = vec!["211-Extensions supported:".to_string()];
        for (p, name) in params.iter().zip(&cases) {
            lines.push(if p.is_empty() { format!(" {name}") } else { format!(" {name} {p}") });
        }
        lines.push("211 END".to_string());
        let f = Features::from_reply(&Reply::new(211, lines));
        let want: Vec<&str> = params.iter().map(String::as_str).filter(|p| !p.is_empty()).collect();
        let want = want.join(";");
        prop_assert_eq!(f.params("auth"), Some(want.as_str()));
        prop_assert_eq!(f.names().collect::<Vec<_>>(), vec!["AUTH"]);
    }
}

// ---------------------------------------------------------------------------------------
// PASV / EPSV / PORT (data.rs)
// ---------------------------------------------------------------------------------------

/// Strings close to passive replies: digits, commas, parentheses, delimiters, unicode.
fn passive_soup() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            4 => select(vec!["0", "1", "25", "255", "256", "65535", "65536", "999999999999"])
                .prop_map(str::to_string),
            4 => select(vec![
                ",", "(", ")", "|", "||", "|||", " ", "+", "-", ".", "é", "🦀", "٣",
            ])
                .prop_map(str::to_string),
            1 => any::<char>().prop_map(String::from),
        ],
        0..24,
    )
    .prop_map(|v| v.concat())
}

/// Text without ASCII digits (anything else, unicode and `,()` included).
fn no_digit_text() -> impl Strategy<Value = String> {
    "[^0-9]{0,12}"
}

/// Printable ASCII, not a digit.
fn epsv_delimiter() -> impl Strategy<Value = char> {
    (33u8..=126)
        .prop_filter("digit", |b| !b.is_ascii_digit())
        .prop_map(char::from)
}

fn epsv_reply(pre: &str, d: char, port: u16, post: &str) -> String {
    format!("Entering Extended Passive Mode {pre}({d}{d}{d}{port}{d}){post}")
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary and passive-like strings: no panic, and never port 0.
    #[test]
    fn passive_parsers_no_panic(s in prop_oneof![any::<String>(), passive_soup()]) {
        if let Some(addr) = parse_pasv(&s) {
            prop_assert!(addr.is_ipv4() && addr.port() != 0);
        }
        if let Some(port) = parse_epsv(&s) {
            prop_assert_ne!(port, 0);
        }
    }

    /// `Entering Passive Mode (a,b,c,d,p1,p2)` amid text without digits gives the address.
    #[test]
    fn pasv_roundtrip(
        ip in any::<[u8; 4]>(),
        port in 1u16..=65535,
        pre in no_digit_text(),
        post in no_digit_text(),
        zero_pad in any::<bool>(),
    ) {
        let [a, b, c, d] = ip;
        let nums = [a, b, c, d, (port >> 8) as u8, (port & 0xff) as u8];
        let nums: Vec<String> = nums
            .iter()
            .map(|n| if zero_pad { format!("{n:03}") } else { n.to_string() })
            .collect();
        let text = format!("{pre}Entering Passive Mode ({}){post}", nums.join(","));
        let want = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(ip), port));
        prop_assert_eq!(parse_pasv(&text), Some(want));
    }

    /// `(dddportd)` with any printable non-digit delimiter other than `)`, after text
    /// without `(`, gives the port (with or without leading zeros).
    #[test]
    fn epsv_roundtrip(
        port in 1u16..=65535,
        d in epsv_delimiter().prop_filter("see epsv_roundtrip_close_paren", |&d| d != ')'),
        pre in "[^(]{0,12}",
        post in ".{0,12}",
        zeros in 0usize..3,
    ) {
        let text = epsv_reply(&pre, d, port, &post);
        prop_assert_eq!(parse_epsv(&text), Some(port));
        let padded = format!("Entering ({d}{d}{d}{}{port}{d})", "0".repeat(zeros));
        prop_assert_eq!(parse_epsv(&padded), Some(port));
    }

    /// RFC 2428 allows any of ASCII 33..=126 as the delimiter, `)` included.
    #[test]
    fn epsv_roundtrip_close_paren(port in 1u16..=65535, d in epsv_delimiter()) {
        prop_assert_eq!(parse_epsv(&epsv_reply("", d, port, "")), Some(port));
    }

    /// `active_command` for IPv4 is `PORT a,b,c,d,p1,p2` with the six numbers of the
    /// address, and reads back through `parse_pasv`; for IPv6 it is `EPRT |2|ip|port|`.
    #[test]
    fn active_command_roundtrip(
        ip in any::<[u8; 4]>(),
        ip6 in any::<[u8; 16]>(),
        port in any::<u16>(),
    ) {
        let v4 = SocketAddrV4::new(Ipv4Addr::from(ip), port);
        let cmd = active_command(SocketAddr::V4(v4));
        let line = cmd.display();
        prop_assert_eq!(cmd.wire(), format!("{line}\r\n").into_bytes());
        let arg = line.strip_prefix("PORT ").expect("PORT command");
        let nums: Vec<u16> = arg.split(',').map(|n| n.parse().expect("number")).collect();
        let [a, b, c, d] = ip.map(u16::from);
        prop_assert_eq!(nums, vec![a, b, c, d, port >> 8, port & 0xff]);
        prop_assert_eq!(parse_pasv(arg), (port != 0).then_some(SocketAddr::V4(v4)));

        let v6 = SocketAddrV6::new(Ipv6Addr::from(ip6), port, 0, 0);
        let line = active_command(SocketAddr::V6(v6)).display();
        let fields: Vec<&str> = line.strip_prefix("EPRT ").expect("EPRT").split('|').collect();
        prop_assert_eq!(fields.len(), 5);
        prop_assert_eq!((fields[0], fields[1], fields[4]), ("", "2", ""));
        prop_assert_eq!(fields[2].parse::<Ipv6Addr>().ok(), Some(*v6.ip()));
        prop_assert_eq!(fields[3].parse::<u16>().ok(), Some(port));
    }
}

/// Few cases and no shrinking: each case parses up to 64 KiB.
fn slow_config() -> ProptestConfig {
    let base = config();
    ProptestConfig {
        cases: base.cases.min(8),
        max_shrink_iters: 0,
        ..base
    }
}

proptest! {
    #![proptest_config(slow_config())]

    /// A `227` line as long as the default line limit (64 KiB) made of comma-separated
    /// numbers parses in well under a second (a linear scan takes milliseconds).
    #[test]
    fn pasv_linear_time(
        n in 16_000usize..32_000,
        cycle in vec(prop_oneof![9 => 0u8..10, 1 => any::<u8>()], 1..8),
    ) {
        let text: Vec<String> = cycle.iter().cycle().take(n).map(u8::to_string).collect();
        let text = format!("227 Entering Passive Mode ({})", text.join(","));
        let text = &text[..text.len().min(64 * 1024)];
        let started = std::time::Instant::now();
        let _ = parse_pasv(text);
        let took = started.elapsed();
        prop_assert!(took < Duration::from_secs(1), "{} bytes took {:?}", text.len(), took);
    }
}

// ---------------------------------------------------------------------------------------
// Listings (list/)
// ---------------------------------------------------------------------------------------

/// Real lines from `list/tests.rs`, as mutation seeds.
const SEEDS: &[&str] = &[
    "drwxr-xr-x    2 1000     1000         4096 Jan 16 10:30 docs",
    "lrwxrwxrwx    1 0        0               7 Dec 25 08:00 latest -> v2.1.0",
    "-rw-r--r--    1 ftp      ftp       1048576 Mar 03  2021 archive.tar.gz",
    "drwxr-xr-x   2 alice    staff        4096 Jan  6 10:30   leading spaces",
    "-rw-r-Sr-T   1 alice    staff          10 Feb 29  2024 leap.txt",
    "-rw-r--r--   1 alice    staff         321 Jan 16 10:30 日本語 ファイル.txt",
    "crw-rw-rw-   1 root     root       1,   3 Jan  1 12:00 null",
    "crw-r-----  1 root  operator  0x3d Jun 10 09:15 ada0",
    "-rw-r--r--   1 owner    Domain Users   1234 Jan 16 10:30 shared.doc",
    "-rw-r--r-- 1 user group 1234 2024-01-16 10:30 iso.txt",
    "-rw-r--r--   1 user     group        1234 16 jan 10:30 dag.txt",
    "01-16-24  10:30AM       <DIR>          docs",
    "01-16-2024  12:15PM       <DIR>          Program Files",
    "01/16/2024  22:30       1,234,567 commas.bin",
    "01-16-24  10:30 AM       <DIR>          spaced ampm",
    "total 8",
    "modify=20240116103000;perm=adfrw;size=1234;type=file;unique=FD00U2C9C2;UNIX.group=1000;UNIX.groupname=alice;UNIX.mode=0644;UNIX.owner=1000;UNIX.ownername=alice; report.txt",
    "modify=20240116103000;perm=adfrw;size=7;type=OS.unix=slink:/srv/ftp/v2.1.0;unique=FD00U2C9C5;UNIX.group=1000;UNIX.mode=0777;UNIX.owner=1000; latest",
    "type=dir;sizd=4096;modify=20240116103000;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=fd00g2c9c3;   spaced out",
    "modify=20240116103000.123;size=1234;type=file; report.txt",
    " type=file;size=1234;modify=20240116103000;perm=adfrw; /home/alice/report.txt",
    "type=file;size=abc;modify=2024;garbage;UNIX.mode=999;=x;unique=u1; broken facts.txt",
    "20240116103000.123",
    "191240116103000",
    "+i8388621.48594,m825718503,r,s280,up755\t14-eplf file",
    "+i8388621.50690,m824255907,/,\t15-eplf dir",
    "1-JUN.LIS;1              9/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)",
    "DATA.DIR;1               1/9           2-JUN-1998 07:32:04  [TRANSLATED]     (,RWED,RWED,RE)",
    "41-vms-multiline-file;1\r\n10     2-JUL-2003 10:30:08.59  [FTP_CLIENT,SCOT]      (RWED,RWED,RE,)",
    "WYOSPT 3420   2003/05/21  1 3 U 6447    6447  PO-E 81-MVS.DIR",
    "Migrated\t\t\t\t69-SOME.FILE",
    "SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001",
    "QSYS            77824 02/23/00 15:09:55 *DIR       QDOC/",
    "QPGMR                                   *MEM       RPGUNITC1.FILE/RUCALLTST.MBR",
    "d [RWCEAFMS] rwinston                          512 Nov 24  2005 Favorites",
    "- [R----F--] rhesus             214059       Oct 20 15:27    10-netware file",
    " 1123 DIR  A    10-05-100  23:38  27-os2 dir",
    "149473      A          11-17-98   16:07  POPUPLOG.OS2",
    "TACLCSTM   O  101             101  4-Mar-01  23:50:06 255,255 \"oooo\"",
    "drwxr-xr-x+ 2 root root 4096 10\u{6708} 27 07:56 test/d/e/f",
    "dr-xr-xr-x   2 root     other      2235 26. Juli, 20:10 28-datetest-ger dir",
    "01-01-00  01:00AM       <JUNCTION>     junction1 -> foo1",
    "-rw-r--r--    54149       27826    81975 Jul 22  2010 09.jpg",
    "drwxr-xr-x               folder        0 Jan  4 14:51 Alias_to_Steak",
];

/// 2024-06-15 12:00:00 UTC, the "now" of `list/tests.rs`.
const NOW: u64 = 1_718_452_800;

/// One edit of a seed line, positions taken modulo the current length (in chars).
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, String),
    Delete(usize),
    Replace(usize, char),
    Truncate(usize),
}

fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => select(vec![
            ' ', '\t', '\r', '\n', '0', '1', '9', ':', '-', ',', ';', '=', '.', '/', '<', '>',
            'x', 'é', '🦀', '\u{3000}', '\u{0}',
        ]),
        1 => any::<char>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = prop_oneof![
        interesting_char().prop_map(String::from),
        select(vec![
            " ",
            "Jan",
            "feb",
            "29",
            "31",
            "12:00",
            "24:00",
            "23:59:59",
            "2024",
            "1970-01-01",
            "1,",
            "0x",
            "<DIR>",
            "AM",
            "PM",
            " -> ",
            "; ",
            "type=",
            "size=",
            "modify=",
            "99999999999999999999999",
            "OS.unix=slink:",
            "\r\n",
        ])
        .prop_map(str::to_string),
    ];
    prop_oneof![
        3 => (any::<usize>(), token).prop_map(|(i, t)| Edit::Insert(i, t)),
        3 => any::<usize>().prop_map(Edit::Delete),
        3 => (any::<usize>(), interesting_char()).prop_map(|(i, c)| Edit::Replace(i, c)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply_edits(seed: &str, edits: &[Edit]) -> String {
    let mut cs: Vec<char> = seed.chars().collect();
    for e in edits {
        match e {
            Edit::Insert(i, t) => {
                let at = i % (cs.len() + 1);
                cs.splice(at..at, t.chars());
            }
            Edit::Delete(i) if !cs.is_empty() => {
                let n = cs.len();
                cs.remove(i % n);
            }
            Edit::Replace(i, c) if !cs.is_empty() => {
                let n = cs.len();
                cs[i % n] = *c;
            }
            Edit::Truncate(i) => cs.truncate(i % (cs.len() + 1)),
            _ => {}
        }
    }
    cs.into_iter().collect()
}

fn mutated_line() -> impl Strategy<Value = String> {
    (select(SEEDS), vec(edit(), 0..6)).prop_map(|(seed, edits)| apply_edits(seed, &edits))
}

/// Any time a `SystemTime` can hold near the calendar range, mostly the fixed `NOW`.
fn any_now() -> impl Strategy<Value = SystemTime> {
    prop_oneof![
        3 => Just(UNIX_EPOCH + Duration::from_secs(NOW)),
        1 => (0u64..4_102_444_800).prop_map(|s| UNIX_EPOCH + Duration::from_secs(s)),
        1 => any::<i64>().prop_map(|s| {
            let d = Duration::from_secs(s.unsigned_abs());
            let t = if s >= 0 { UNIX_EPOCH.checked_add(d) } else { UNIX_EPOCH.checked_sub(d) };
            t.unwrap_or(UNIX_EPOCH)
        }),
    ]
}

/// The line without one trailing `\n`, then one trailing `\r`.
fn without_eol(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// `total N`: two ASCII-whitespace-separated words, `total` in any case and a count that
/// starts with a digit and is made of letters, digits, `.` and `,`.
fn is_total(line: &str) -> bool {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    matches!(words.as_slice(), [t, n]
        if t.eq_ignore_ascii_case("total")
            && n.starts_with(|c: char| c.is_ascii_digit())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == ','))
}

/// Checks every listing parser on one line.
fn check_list_parsers(line: &str, now: SystemTime) -> Result<(), TestCaseError> {
    let body = without_eol(line);
    match parse_list_line(line, now) {
        None => prop_assert!(
            body.trim().is_empty() || is_total(body),
            "None for a line that is neither blank nor `total N`"
        ),
        Some(e) => {
            prop_assert!(!body.trim().is_empty() && !is_total(body));
            prop_assert_eq!(e.raw.as_str(), body);
            prop_assert!(!e.name.is_empty());
            if e.kind == EntryKind::Unknown {
                prop_assert_eq!(&e.name, &e.raw);
            }
        }
    }
    if let Some(e) = parse_mlsd_line(line) {
        prop_assert_eq!(e.raw.as_str(), body);
        prop_assert!(!e.name.is_empty());
    }
    let _ = parse_mlsd_time(line);
    Ok(())
}

/// A UTC calendar time as `SystemTime`.
fn utc(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8, nanos: u32) -> Option<SystemTime> {
    let date = Date::from_calendar_date(y, Month::try_from(mo).ok()?, d).ok()?;
    let time = Time::from_hms_nano(h, mi, s, nanos).ok()?;
    let secs = PrimitiveDateTime::new(date, time)
        .assume_utc()
        .unix_timestamp();
    Some(UNIX_EPOCH + Duration::new(u64::try_from(secs).ok()?, nanos))
}

fn days_in(y: i32, mo: u8) -> u8 {
    Month::try_from(mo).map_or(31, |m| m.length(y))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `rwx` triplets with the special bits: (text, mode).
fn permissions() -> impl Strategy<Value = (String, u32)> {
    let class = |special: [char; 2]| {
        (
            any::<bool>(),
            any::<bool>(),
            select(vec!['x', '-', special[0], special[1]]),
        )
    };
    (
        class(['s', 'S']),
        class(['s', 'S']),
        class(['t', 'T']),
        select(vec!["", "+", ".", "@"]),
    )
        .prop_map(|(u, g, o, marker)| {
            let mut text = String::new();
            let mut mode = 0;
            for ((r, w, x), shift, special) in [(u, 6, 0o4000), (g, 3, 0o2000), (o, 0, 0o1000)] {
                text.push(if r { 'r' } else { '-' });
                text.push(if w { 'w' } else { '-' });
                text.push(x);
                mode |= (u32::from(r) * 4 + u32::from(w) * 2) << shift;
                mode |= match x {
                    'x' => 1 << shift,
                    's' | 't' => special | (1 << shift),
                    'S' | 'T' => special,
                    _ => 0,
                };
            }
            (text + marker, mode)
        })
}

/// A file name: no leading ASCII whitespace, no line-end characters.
fn list_name() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z0-9._-][A-Za-z0-9 ._-]{0,15}", "[^\\s][^\r\n]{0,15}",]
}

/// `YYYY` then five two-digit fields.
fn stamp(year: &str, f: [u32; 5]) -> String {
    format!(
        "{year}{:02}{:02}{:02}{:02}{:02}",
        f[0], f[1], f[2], f[3], f[4]
    )
}

#[derive(Debug, Clone)]
enum UnixDate {
    /// `Mon DD HH:MM`: the year is inferred from `now`.
    Recent { hour: u8, minute: u8 },
    /// `Mon DD  YYYY`.
    Old { year: i32 },
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary strings and arbitrary `now`: no panic, `raw` is the line without its line
    /// end, `None` only for blank and `total N` lines.
    #[test]
    fn list_parsers_no_panic(s in any::<String>(), now in any_now()) {
        check_list_parsers(&s, now)?;
    }

    /// Mutations of real lines (insert/delete/replace/truncate), with line ends: same.
    #[test]
    fn list_parsers_no_panic_on_mutated_corpus(
        line in mutated_line(),
        eol in select(vec!["", "\r\n", "\n", "\r"]),
        now in any_now(),
    ) {
        check_list_parsers(&format!("{line}{eol}"), now)?;
        for piece in line.split(' ') {
            let _ = parse_mlsd_time(piece);
        }
    }

    /// `total N` in any case and ASCII spacing, and blank lines, give `None`.
    #[test]
    fn list_total_and_blank_are_none(
        total in "[Tt][Oo][Tt][Aa][Ll]",
        count in "[0-9][0-9A-Za-z.,]{0,6}",
        sp in "[ \t]{1,3}",
        pad in "[ \t]{0,2}",
        blank in "[ \t\u{3000}\u{a0}]{0,5}",
        eol in select(vec!["", "\r\n", "\n", "\r"]),
        now in any_now(),
    ) {
        // Around `total N` only ASCII whitespace separates words; a blank line may be any
        // Unicode whitespace.
        let line = format!("{pad}{total}{sp}{count}{pad}{eol}");
        prop_assert!(parse_list_line(&line, now).is_none(), "{:?}", line);
        let blank_line = format!("{blank}{eol}");
        prop_assert!(parse_list_line(&blank_line, now).is_none());
    }

    /// Generated `ls -l` lines give back name, size, kind, mode, owner, group and time
    /// (link targets too); for `Mon DD HH:MM` the inferred year is the latest that puts
    /// the time at most a day after `now`.
    #[test]
    fn unix_list_roundtrip(
        kind in select(vec!['-', 'd', 'l']),
        (perms, mode) in permissions(),
        links in 1u32..2000,
        owner in "[a-z_][a-z0-9_]{0,8}",
        group in "[a-z_][a-z0-9_]{0,8}",
        size in any::<u64>(),
        month in 1u8..=12,
        day in 1u8..=31,
        month_case in 0u8..3,
        date in prop_oneof![
            (0u8..24, 0u8..60).prop_map(|(hour, minute)| UnixDate::Recent { hour, minute }),
            (1970i32..=9999).prop_map(|year| UnixDate::Old { year }),
        ],
        name in list_name().prop_filter("name must not form ' -> ' with the arrow", |n| {
            !n.contains(" -> ") && format!("{n} -> ").find(" -> ") == Some(n.len())
        }),
        target in "[^\r\n]{0,12}",
        now_secs in 31_536_000u64..4_102_444_800,
        eol in select(vec!["", "\r\n", "\n"]),
    ) {
        let now = UNIX_EPOCH + Duration::from_secs(now_secs);
        let mon = match month_case {
            0 => MONTHS[usize::from(month - 1)].to_string(),
            1 => MONTHS[usize::from(month - 1)].to_ascii_uppercase(),
            _ => MONTHS[usize::from(month - 1)].to_ascii_lowercase(),
        };
        let when = match &date {
            UnixDate::Recent { hour, minute } => format!("{day:>2} {hour:02}:{minute:02}"),
            UnixDate::Old { year } => format!("{day:>2}  {year}"),
        };
        let shown = if kind == 'l' { format!("{name} -> {target}") } else { name.clone() };
        let body = format!(
            "{kind}{perms} {links:>4} {owner:<8} {group:<8} {size:>8} {mon} {when} {shown}"
        );
        let line = format!("{body}{eol}");
        let e = parse_list_line(&line, now).expect("an entry");
        let want_kind = match kind {
            '-' => EntryKind::File,
            'd' => EntryKind::Dir,
            _ => EntryKind::Link,
        };
        prop_assert_eq!(e.kind, want_kind);
        prop_assert_eq!(&e.name, &name);
        prop_assert_eq!(e.size, Some(size));
        prop_assert_eq!(e.raw.as_str(), body.as_str());
        prop_assert_eq!(e.unix_mode, Some(mode));
        prop_assert_eq!(e.owner.as_deref(), Some(owner.as_str()));
        prop_assert_eq!(e.group.as_deref(), Some(group.as_str()));
        prop_assert_eq!(e.link_target, (kind == 'l').then(|| crate::RemotePath::from(target.as_str())));
        match date {
            UnixDate::Old { year } => {
                prop_assert_eq!(e.modified, utc(year, month, day, 0, 0, 0, 0));
            }
            UnixDate::Recent { hour, minute } => {
                let limit = now + Duration::from_secs(24 * 60 * 60);
                if day > days_in(2024, month) {
                    // No year has this date.
                    prop_assert_eq!(e.modified, None);
                } else if let Some(t) = e.modified {
                    let dt = OffsetDateTime::from(t);
                    prop_assert_eq!(
                        (u8::from(dt.month()), dt.day(), dt.hour(), dt.minute(), dt.second()),
                        (month, day, hour, minute, 0)
                    );
                    prop_assert!(t <= limit);
                    // The next year with this date is too late.
                    let next = (dt.year() + 1..=dt.year() + 8)
                        .find_map(|y| utc(y, month, day, hour, minute, 0, 0));
                    prop_assert!(next.is_none_or(|n| n > limit));
                } else {
                    prop_assert!(false, "no time for a valid date");
                }
            }
        }
    }

    /// Generated EPLF lines (facts in any order, unknown facts among them) give back name,
    /// kind, size, time, mode and identifier.
    #[test]
    fn eplf_list_roundtrip(
        kind in 0u8..3,
        size in prop_oneof![Just(None), any::<u64>().prop_map(Some)],
        mtime in prop_oneof![Just(None), (0u64..4_102_444_800).prop_map(Some)],
        mode in prop_oneof![Just(None), (0u32..0o7777).prop_map(Some)],
        id in prop_oneof![Just(None), "[0-9a-f]{1,8}\\.[0-9a-f]{1,8}".prop_map(Some)],
        extra in "(x[a-z0-9]{0,4})?",
        order in Just(vec![0usize, 1, 2, 3, 4, 5]).prop_shuffle(),
        trailing_comma in any::<bool>(),
        name in "[^\t\r\n][^\r\n]{0,15}",
    ) {
        let facts = [
            match kind { 0 => "/".to_string(), 1 => "r".to_string(), _ => String::new() },
            size.map_or(String::new(), |s| format!("s{s}")),
            mtime.map_or(String::new(), |m| format!("m{m}")),
            mode.map_or(String::new(), |m| format!("up{m:o}")),
            id.clone().map_or(String::new(), |i| format!("i{i}")),
            extra,
        ];
        let facts: Vec<&str> =
            order.iter().map(|&i| facts[i].as_str()).filter(|f| !f.is_empty()).collect();
        let comma = if trailing_comma { "," } else { "" };
        let line = format!("+{}{comma}\t{name}", facts.join(","));
        let e = parse_list_line(&line, UNIX_EPOCH).expect("an entry");
        let want = [EntryKind::Dir, EntryKind::File, EntryKind::Other][usize::from(kind)];
        prop_assert_eq!(e.kind, want);
        prop_assert_eq!(&e.name, &name);
        prop_assert_eq!(e.size, size);
        prop_assert_eq!(e.modified, mtime.map(|m| UNIX_EPOCH + Duration::from_secs(m)));
        prop_assert_eq!(e.unix_mode, mode);
        prop_assert_eq!(e.unique, id);
        prop_assert_eq!(e.raw.as_str(), line.as_str());
    }

    /// Generated VMS lines, on one line or split after a long name and joined by a
    /// `ListingParser`, give back name (a directory without `.DIR;n`), kind, owner, group
    /// and time; never a size.
    #[test]
    fn vms_list_roundtrip(
        stem in "[A-Z0-9_$-]{1,20}(\\.[A-Z0-9_$-]{0,8})?",
        dir in any::<bool>(),
        version in 1u32..32768,
        (used, allocated) in (0u32..200_000, 0u32..200_000),
        (year, month, day) in (1970i32..=2099, 1u8..=12)
            .prop_flat_map(|(y, m)| (Just(y), Just(m), 1..=days_in(y, m))),
        (hour, minute, second) in (0u8..24, 0u8..60, 0u8..60),
        hundredths in prop_oneof![Just(None), (0u32..100).prop_map(Some)],
        (group, owner) in ("[A-Z][A-Z0-9_$]{0,11}", "[A-Z][A-Z0-9_$]{0,11}"),
        split in any::<bool>(),
    ) {
        let stem = if dir { format!("{}.DIR", stem.split('.').next().unwrap_or("X")) } else { stem };
        let name = format!("{stem};{version}");
        let mon = MONTHS[usize::from(month - 1)].to_ascii_uppercase();
        let frac = hundredths.map_or(String::new(), |h| format!(".{h:02}"));
        let attrs = format!(
            "{used}/{allocated}  {day}-{mon}-{year} {hour:02}:{minute:02}:{second:02}{frac}  [{group},{owner}]  (RWED,RWED,RE,)"
        );
        let e = if split {
            let mut p = ListingParser::new(UNIX_EPOCH);
            let mut got = p.push(&name);
            prop_assert!(got.is_empty());
            got.extend(p.push(&format!("                    {attrs}")));
            got.extend(p.finish());
            prop_assert_eq!(got.len(), 1);
            got.remove(0)
        } else {
            parse_list_line(&format!("{name:<20} {attrs}"), UNIX_EPOCH).expect("an entry")
        };
        let want_name = if dir { stem.trim_end_matches(".DIR").to_string() } else { name.clone() };
        prop_assert_eq!(e.name.to_string(), want_name);
        prop_assert_eq!(e.kind, if dir { EntryKind::Dir } else { EntryKind::File });
        prop_assert_eq!(e.size, None);
        let nanos = hundredths.unwrap_or(0) * 10_000_000;
        prop_assert_eq!(e.modified, utc(year, month, day, hour, minute, second, nanos));
        prop_assert_eq!(e.owner.as_deref(), Some(owner.as_str()));
        prop_assert_eq!(e.group.as_deref(), Some(group.as_str()));
    }

    /// Generated IBM i lines give back owner, size, kind, name; the time exactly when the
    /// date has one reading (the day is above 12, or day and month are equal).
    #[test]
    fn os400_list_roundtrip(
        owner in "[A-Z][A-Z0-9]{0,9}",
        size in any::<u64>(),
        (year, month, day) in (1970i32..=2039, 1u8..=12)
            .prop_flat_map(|(y, m)| (Just(y), Just(m), 1..=days_in(y, m))),
        (hour, minute, second) in (0u8..24, 0u8..60, 0u8..60),
        sep in select(vec!['/', '.']),
        object in select(vec![("*STMF", EntryKind::File), ("*DIR", EntryKind::Dir), ("*FILE", EntryKind::File), ("*PGM", EntryKind::Other)]),
        name in "[A-Za-z0-9_][A-Za-z0-9_. ]{0,15}",
    ) {
        let yy = year % 100;
        let date = format!("{month:02}{sep}{day:02}{sep}{yy:02}");
        let shown = if object.1 == EntryKind::Dir { format!("{name}/") } else { name.clone() };
        let line = format!(
            "{owner:<10} {size:>12} {date} {hour:02}:{minute:02}:{second:02} {:<10} {shown}",
            object.0
        );
        let e = parse_list_line(&line, UNIX_EPOCH).expect("an entry");
        prop_assert_eq!(e.kind, object.1);
        prop_assert_eq!(&e.name, &name);
        prop_assert_eq!(e.size, Some(size));
        prop_assert_eq!(e.owner.as_deref(), Some(owner.as_str()));
        // As MDY the date is right; DMY and YMD readings must be impossible or the same.
        let dmy = utc(year, day, month, 0, 0, 0, 0);
        let ymd_year = if month >= 40 { 1900 + i32::from(month) } else { 2000 + i32::from(month) };
        let ymd = u8::try_from(yy).ok().and_then(|yy| utc(ymd_year, day, yy, 0, 0, 0, 0));
        let this = utc(year, month, day, 0, 0, 0, 0);
        let unique = dmy.is_none_or(|d| Some(d) == this) && ymd.is_none_or(|d| Some(d) == this);
        let want = if unique { utc(year, month, day, hour, minute, second, 0) } else { None };
        prop_assert_eq!(e.modified, want);
    }

    /// A `ListingParser` fed any lines never panics, never gives more entries than lines,
    /// and gives each entry a non-empty name.
    #[test]
    fn listing_parser_no_panic(
        lines in vec(prop_oneof![any::<String>(), mutated_line()], 0..12),
        syst in prop_oneof![
            Just(None),
            Just(Some("VMS V7.3".to_string())),
            Just(Some("MVS is the operating system".to_string())),
            any::<String>().prop_map(Some),
        ],
        now in any_now(),
    ) {
        let mut p = ListingParser::new(now);
        if let Some(syst) = &syst {
            p = p.with_system(syst);
        }
        let mut entries = Vec::new();
        for line in &lines {
            entries.extend(p.push(line));
            entries.extend(p.push_bytes(line.as_bytes()));
        }
        entries.extend(p.finish());
        prop_assert!(entries.len() <= 2 * lines.len());
        prop_assert!(entries.iter().all(|e| !e.name.is_empty()));
    }

    /// Nothing is dropped or made up at the listing level: for lines that hold no VMS name
    /// (which may join the next line) and no header or trailer word, a `ListingParser`
    /// gives exactly the entries `parse_list_line` gives line by line, in order.
    #[test]
    fn listing_parser_keeps_every_line(
        lines in vec(prop_oneof![select(SEEDS.to_vec()).prop_map(str::to_string), mutated_line(), any::<String>()], 0..12),
        now in any_now(),
    ) {
        let plain = |l: &String| {
            let first = l.split_ascii_whitespace().next().unwrap_or("");
            !first.contains(';')
                && !["Volume", "Name", "File", "Directory", "Total", "Grand"].contains(&first)
        };
        let lines: Vec<&String> = lines.iter().filter(|l| plain(l)).collect();
        let mut p = ListingParser::new(now);
        let mut got = Vec::new();
        for line in &lines {
            got.extend(p.push(line));
        }
        got.extend(p.finish());
        let want: Vec<_> = lines.iter().filter_map(|l| parse_list_line(l, now)).collect();
        let raw = |v: &[crate::ListEntry]| v.iter().map(|e| (e.raw.clone(), e.name.clone(), e.kind)).collect::<Vec<_>>();
        prop_assert_eq!(raw(&got), raw(&want));
    }

    /// Generated DOS/IIS lines give back name, size or `<DIR>`, and time.
    #[test]
    fn dos_list_roundtrip(
        (year, month, day) in (1970i32..=2069, 1u8..=12)
            .prop_flat_map(|(y, m)| (Just(y), Just(m), 1..=days_in(y, m))),
        four_digit_year in any::<bool>(),
        hour in 0u8..24,
        minute in 0u8..60,
        twelve_hour in any::<bool>(),
        size in prop_oneof![Just(None), any::<u64>().prop_map(Some)],
        name in "[^\\s][^\r\n]{0,15}",
    ) {
        let date = if four_digit_year {
            format!("{month:02}-{day:02}-{year}")
        } else {
            format!("{month:02}-{day:02}-{:02}", year % 100)
        };
        let clock = if twelve_hour {
            let h12 = if hour % 12 == 0 { 12 } else { hour % 12 };
            format!("{h12:02}:{minute:02}{}", if hour < 12 { "AM" } else { "PM" })
        } else {
            format!("{hour:02}:{minute:02}")
        };
        let what = size.map_or_else(|| "<DIR>         ".to_string(), |s| format!("{s:>20}"));
        let line = format!("{date}  {clock}  {what} {name}");
        let e = parse_list_line(&line, UNIX_EPOCH + Duration::from_secs(NOW)).expect("an entry");
        prop_assert_eq!(e.kind, if size.is_some() { EntryKind::File } else { EntryKind::Dir });
        prop_assert_eq!(&e.name, &name);
        prop_assert_eq!(e.size, size);
        prop_assert_eq!(e.modified, utc(year, month, day, hour, minute, 0, 0));
        prop_assert_eq!(e.raw.as_str(), line.as_str());
    }

    /// Generated MLSD/MLST lines (facts in any order and case, extra facts, the MLST
    /// indent, fractions of a second) give back name, size, kind and time.
    #[test]
    fn mlsd_line_roundtrip(
        is_dir in any::<bool>(),
        size in any::<u64>(),
        (year, month, day) in (1970i32..=9999, 1u8..=12)
            .prop_flat_map(|(y, m)| (Just(y), Just(m), 1..=days_in(y, m))),
        (hour, minute, second) in (0u8..24, 0u8..60, 0u8..60),
        millis in prop_oneof![Just(None), (0u32..1000).prop_map(Some)],
        facts_order in Just(vec![0usize, 1, 2, 3, 4]).prop_shuffle(),
        upper in any::<bool>(),
        mlst in any::<bool>(),
        name in "[^\r\n]{1,20}",
        eol in select(vec!["", "\r\n", "\n"]),
    ) {
        let fact = |n: &str| if upper { n.to_ascii_uppercase() } else { n.to_string() };
        let fraction = millis.map_or(String::new(), |m| format!(".{m:03}"));
        let facts = [
            format!("{}={}", fact("type"), if is_dir { "dir" } else { "file" }),
            format!("{}={size}", fact("size")),
            format!(
                "{}={year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}{fraction}",
                fact("modify")
            ),
            format!("{}=adfrw", fact("perm")),
            format!("{}=fd00u1", fact("unique")),
        ];
        let facts: Vec<&str> = facts_order.iter().map(|&i| facts[i].as_str()).collect();
        let body = format!("{}{}; {name}", if mlst { " " } else { "" }, facts.join(";"));
        let line = format!("{body}{eol}");
        let e = parse_mlsd_line(&line).expect("an entry");
        prop_assert_eq!(&e.name, &name);
        prop_assert_eq!(e.size, Some(size));
        prop_assert_eq!(e.kind, if is_dir { EntryKind::Dir } else { EntryKind::File });
        let nanos = millis.unwrap_or(0) * 1_000_000;
        prop_assert_eq!(e.modified, utc(year, month, day, hour, minute, second, nanos));
        prop_assert_eq!(e.perm.as_deref(), Some("adfrw"));
        prop_assert_eq!(e.raw.as_str(), body.as_str());
    }

    /// Every valid `YYYYMMDDHHMMSS` (1970..=9999) reads back, with surrounding ASCII
    /// whitespace, with a fraction of 1 to 12 digits (cut to nanoseconds), and with a leap
    /// second `60` folded into 59.
    #[test]
    fn mlsd_time_roundtrip(
        (year, month, day) in (1970i32..=9999, 1u8..=12)
            .prop_flat_map(|(y, m)| (Just(y), Just(m), 1..=days_in(y, m))),
        (hour, minute, second) in (0u8..24, 0u8..60, 0u8..=60),
        fraction in prop_oneof![Just(None), "[0-9]{1,12}".prop_map(Some)],
        pad in "[ \t]{0,2}",
    ) {
        let main = format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}");
        let s = match &fraction {
            Some(f) => format!("{pad}{main}.{f}{pad}"),
            None => format!("{pad}{main}{pad}"),
        };
        let nanos = fraction.map_or(0, |f| {
            let nine: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
            nine.parse::<u32>().expect("nine digits")
        });
        prop_assert_eq!(
            parse_mlsd_time(&s),
            utc(year, month, day, hour, minute, second.min(59), nanos)
        );
        prop_assert!(parse_mlsd_time(&s).is_some());
    }

    /// The Y2K-bug form `19` + (year - 1900) as three digits (`191YY…`), for 2000..=2099.
    #[test]
    fn mlsd_time_y2k_form(
        (year, month, day) in (2000i32..=2099, 1u8..=12)
            .prop_flat_map(|(y, m)| (Just(y), Just(m), 1..=days_in(y, m))),
        (hour, minute, second) in (0u8..24, 0u8..60, 0u8..60),
    ) {
        let s = format!("19{}{month:02}{day:02}{hour:02}{minute:02}{second:02}", year - 1900);
        prop_assert_eq!(parse_mlsd_time(&s), utc(year, month, day, hour, minute, second, 0));
        prop_assert!(parse_mlsd_time(&s).is_some());
    }

    /// An out-of-range month, day, hour, minute or second (61 and up), a wrong length or a
    /// stray character is refused.
    #[test]
    fn mlsd_time_rejects_out_of_range(
        (year, month, day) in (1970i32..=9999, 1u8..=12)
            .prop_flat_map(|(y, m)| (Just(y), Just(m), 1..=days_in(y, m))),
        (hour, minute, second) in (0u8..24, 0u8..60, 0u8..60),
        which in 0usize..8,
        bad in 0u8..100,
        junk in "[^0-9 \t\n\r\u{c}]",
    ) {
        let mut f = [month, day, hour, minute, second].map(u32::from);
        let y = format!("{year:04}");
        let s = match which {
            0 => { f[0] = if bad < 50 { 0 } else { 13 + u32::from(bad) % 87 }; None }
            1 => {
                let dim = u32::from(days_in(year, month));
                f[1] = if bad < 50 { 0 } else { dim + 1 + u32::from(bad) % (99 - dim) };
                None
            }
            2 => { f[2] = 24 + u32::from(bad) % 76; None }
            3 => { f[3] = 60 + u32::from(bad) % 40; None }
            4 => { f[4] = 61 + u32::from(bad) % 39; None }
            5 => Some(format!("{}{}", stamp(&y, f), bad % 10)),
            6 => Some(stamp(&y, f)[..13].to_string()),
            _ => {
                let good = stamp(&y, f);
                let at = usize::from(bad) % (good.len() + 1);
                Some(format!("{}{junk}{}", &good[..at], &good[at..]))
            }
        };
        let s = s.unwrap_or_else(|| stamp(&y, f));
        prop_assert_eq!(parse_mlsd_time(&s), None, "{:?}", s);
    }
}
