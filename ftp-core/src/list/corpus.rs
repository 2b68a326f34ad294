//! The listing corpus: every `*.txt` file under `corpus/` (the format is described in
//! `corpus/README.md`) is read at test time, each line in it is run through the parser its
//! section names, bare and with each line terminator, and every field of the entry is
//! compared with what the file expects. Every problem, a malformed data file as much as a
//! wrong field, is collected with its file and line, and the test fails once at the end
//! listing them all.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::path::RemotePath;

use super::{
    dos, eplf, mvs, netware, os2, os400, parse_list_line, parse_mlsd_line, tandem, unix, vms,
    EntryKind, ListEntry,
};

/// Where the data files are, relative to the package root.
const DIR: &str = "src/list/corpus";

/// A `LIST` dialect parser: the line (terminator removed) and the reference time.
type Dialect = fn(&str, SystemTime) -> Option<ListEntry>;

/// The `LIST` dialects, by the name `parser: list NAME` gives. An entry of a known kind must
/// be claimed by exactly the dialect its section names, a line of kind `unknown` by none;
/// every dialect needs at least one case.
const DIALECTS: [(&str, Dialect); 10] = [
    ("unix", |line, now| unix::parse(line, now)),
    ("dos", |line, _| dos::parse(line)),
    ("eplf", |line, _| eplf::parse(line)),
    ("vms", |line, _| vms::parse(line)),
    ("mvs", |line, _| mvs::parse(line)),
    ("os400", |line, _| os400::parse(line)),
    ("netware", |line, now| netware::parse(line, now)),
    ("os2", |line, _| os2::parse(line)),
    ("tandem", |line, _| tandem::parse(line)),
    ("macos", |line, now| unix::parse_macos(line, now)),
];

/// Keys that describe the expected result of the case they are in.
const FIELDS: [&str; 11] = [
    "expect",
    "name",
    "kind",
    "size",
    "modified",
    "link_target",
    "unix_mode",
    "owner",
    "group",
    "perm",
    "unique",
];

/// Which public parser a section's lines go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parser {
    /// `parse_list_line`; the dialect that must claim the line, `None` for a section of
    /// lines that no dialect may claim.
    List(Option<&'static str>),
    /// `parse_mlsd_line` on an MLSD line.
    Mlsd,
    /// `parse_mlsd_line` on the entry line of an MLST reply (it starts with a space).
    Mlst,
}

/// A value read from the data file and the line it was on.
type At<T> = Option<(T, usize)>;

/// What a case expects; an absent field means `None`.
#[derive(Default)]
struct Expected {
    /// `expect: none`: the parser returns `None`.
    none: Option<usize>,
    name: At<String>,
    kind: At<EntryKind>,
    size: At<u64>,
    modified: At<SystemTime>,
    link_target: At<RemotePath>,
    unix_mode: At<u32>,
    owner: At<String>,
    group: At<String>,
    perm: At<String>,
    unique: At<String>,
}

/// One line of the corpus and what the parser must make of it.
pub(super) struct Case {
    /// The data file, relative to the package root.
    path: String,
    /// The line number of its `line:`.
    at: usize,
    source: String,
    parser: Parser,
    now: SystemTime,
    /// The line as the server sent it.
    pub(super) line: String,
    want: Expected,
}

/// Everything read from the corpus directory.
pub(super) struct Corpus {
    pub(super) cases: Vec<Case>,
    /// Malformed files and lines, each starting with `path:line:`.
    problems: Vec<String>,
    files: usize,
}

/// Reads every data file; problems are collected, never skipped silently.
pub(super) fn load() -> Corpus {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = Corpus {
        cases: Vec::new(),
        problems: Vec::new(),
        files: 0,
    };
    let mut paths = Vec::new();
    collect_files(&root.join(DIR), &mut paths, &mut corpus.problems);
    paths.sort();
    for path in paths {
        let shown = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // Hidden files are an editor's (swap files, backups), not the corpus's.
        if name == "README.md" || name.starts_with('.') {
            continue;
        }
        if !name.ends_with(".txt") {
            corpus.problems.push(format!(
                "{shown}: not a corpus file (only *.txt and README.md)"
            ));
            continue;
        }
        corpus.files += 1;
        match std::fs::read(&path).map(String::from_utf8) {
            Err(e) => corpus.problems.push(format!("{shown}: {e}")),
            Ok(Err(e)) => corpus.problems.push(format!("{shown}: not UTF-8: {e}")),
            Ok(Ok(text)) => read_file(&shown, &text, &mut corpus),
        }
    }
    if corpus.files == 0 {
        corpus.problems.push(format!("{DIR}: no *.txt files"));
    }
    corpus
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>, problems: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return problems.push(format!("{}: {e}", dir.display())),
    };
    for entry in entries {
        match entry {
            Ok(entry) if entry.path().is_dir() => collect_files(&entry.path(), out, problems),
            Ok(entry) => out.push(entry.path()),
            Err(e) => problems.push(format!("{}: {e}", dir.display())),
        }
    }
}

/// The state of one file being read: the directives in force and the case being read.
struct Reader<'a> {
    path: &'a str,
    source: Option<String>,
    parser: Option<Parser>,
    now: Option<SystemTime>,
    open: Option<Open>,
    cases: usize,
}

/// A case whose lines are being read: the `line:` value (`None` if it was malformed) and
/// its field lines as (key, value, line number).
struct Open {
    at: usize,
    line: Option<String>,
    fields: Vec<(&'static str, String, usize)>,
}

fn read_file(path: &str, text: &str, corpus: &mut Corpus) {
    let mut reader = Reader {
        path,
        source: None,
        parser: None,
        now: None,
        open: None,
        cases: 0,
    };
    for (index, row) in text.split('\n').enumerate() {
        reader.row(index + 1, row.strip_suffix('\r').unwrap_or(row), corpus);
    }
    reader.close(corpus);
    if reader.cases == 0 {
        corpus.problems.push(format!("{path}: no cases"));
    }
}

impl Reader<'_> {
    fn problem(&self, corpus: &mut Corpus, at: usize, message: impl Display) {
        corpus
            .problems
            .push(format!("{}:{at}: {message}", self.path));
    }

    fn row(&mut self, at: usize, row: &str, corpus: &mut Corpus) {
        if let Some(c) = row.chars().find(|c| c.is_control()) {
            let message = format!(
                "control character {c:?} in the file: write it as an escape inside a quoted value"
            );
            return self.problem(corpus, at, message);
        }
        if row.trim().is_empty() {
            return self.close(corpus);
        }
        if row.trim_start().starts_with('#') {
            return;
        }
        let Some((key, value)) = row
            .split_once(':')
            .filter(|(_, v)| v.is_empty() || v.starts_with(' '))
        else {
            return self.problem(
                corpus,
                at,
                "expected `key: value` (a space after the colon)",
            );
        };
        let value = value.trim_matches(' ');
        match key {
            "line" => {
                self.close(corpus);
                let line = if value.starts_with('"') {
                    text_value(value)
                } else {
                    Err("the line must be in double quotes, so both its ends are visible".into())
                };
                let line = line.map_err(|e| self.problem(corpus, at, e)).ok();
                self.open = Some(Open {
                    at,
                    line,
                    fields: Vec::new(),
                });
            }
            "source" | "parser" | "now" => {
                if self.open.is_some() {
                    let message = format!("`{key}:` inside a case: end the case with a blank line");
                    self.problem(corpus, at, message);
                    self.close(corpus);
                }
                if let Err(e) = self.directive(key, value) {
                    self.problem(corpus, at, format!("{key}: {e}"));
                }
            }
            _ => {
                let Some(&key) = FIELDS.iter().find(|&&f| f == key) else {
                    let message = format!(
                        "unknown key `{key}` (fields: line, {}; directives: source, parser, now)",
                        FIELDS.join(", ")
                    );
                    return self.problem(corpus, at, message);
                };
                let Some(open) = self.open.as_mut() else {
                    let message = format!("`{key}:` outside a case (a case starts with `line:`)");
                    return self.problem(corpus, at, message);
                };
                if let Some((_, _, first)) = open.fields.iter().find(|(k, _, _)| *k == key) {
                    let message =
                        format!("`{key}` given twice in one case (first on line {first})");
                    return self.problem(corpus, at, message);
                }
                open.fields.push((key, value.to_string(), at));
            }
        }
    }

    fn directive(&mut self, key: &str, value: &str) -> Result<(), String> {
        let value = text_value(value)?;
        match key {
            "source" => self.source = Some(value),
            "now" => self.now = Some(rfc3339(&value)?),
            _ => {
                let mut words = value.split(' ');
                let parser = match (words.next(), words.next(), words.next()) {
                    (Some("list"), None, None) => Parser::List(None),
                    (Some("list"), Some(dialect), None) => {
                        let known = DIALECTS.iter().find(|(name, _)| *name == dialect);
                        let names: Vec<&str> = DIALECTS.iter().map(|(name, _)| *name).collect();
                        let (name, _) = known.ok_or_else(|| {
                            format!("unknown dialect `{dialect}` (known: {})", names.join(", "))
                        })?;
                        Parser::List(Some(name))
                    }
                    (Some("mlsd"), None, None) => Parser::Mlsd,
                    (Some("mlst"), None, None) => Parser::Mlst,
                    _ => return Err("expected `list`, `list DIALECT`, `mlsd` or `mlst`".into()),
                };
                self.parser = Some(parser);
            }
        }
        Ok(())
    }

    /// Ends the case being read, if any, and keeps it if it is well-formed.
    fn close(&mut self, corpus: &mut Corpus) {
        let Some(open) = self.open.take() else {
            return;
        };
        let before = corpus.problems.len();
        let at = open.at;
        let source = self.source.clone().unwrap_or_default();
        if self.source.is_none() {
            self.problem(corpus, at, "no `source:` before this case");
        }
        let Some(parser) = self.parser else {
            return self.problem(corpus, at, "no `parser:` before this case");
        };
        let now = match (parser, self.now) {
            (_, Some(now)) => now,
            (Parser::Mlsd | Parser::Mlst, None) => UNIX_EPOCH,
            (Parser::List(_), None) => {
                let message = "no `now:` before this case (LIST needs it for year-less dates)";
                return self.problem(corpus, at, message);
            }
        };
        let has = |wanted: &str| open.fields.iter().any(|(key, _, _)| *key == wanted);
        let (expects_none, given_kind) = (has("expect"), has("kind"));
        let mut want = Expected::default();
        for (key, value, field_at) in open.fields {
            if expects_none && key != "expect" {
                let message = format!("`{key}` in a case that expects none");
                self.problem(corpus, field_at, message);
            } else if let Err(e) = want.set(key, &value, field_at) {
                self.problem(corpus, field_at, format!("{key}: {value}: {e}"));
            }
        }
        if !expects_none {
            match want.kind {
                None if given_kind => {}
                None => self.problem(corpus, at, "no `kind:` (or `expect: none`)"),
                Some((EntryKind::Unknown, _)) => {}
                Some((_, kind_at)) => {
                    if want.name.is_none() {
                        self.problem(corpus, at, "no `name:` (only kind unknown may omit it)");
                    }
                    if parser == Parser::List(None) {
                        let message =
                            "`parser: list` without a dialect is for lines no dialect claims: \
                             kind unknown or expect none";
                        self.problem(corpus, kind_at, message);
                    }
                }
            }
        }
        let Some(line) = open.line else {
            return;
        };
        if parser == Parser::Mlst && !line.starts_with(' ') {
            self.problem(corpus, at, "an MLST entry line starts with a space");
        }
        if corpus.problems.len() == before {
            self.cases += 1;
            corpus.cases.push(Case {
                path: self.path.to_string(),
                at,
                source,
                parser,
                now,
                line,
                want,
            });
        }
    }
}

impl Expected {
    fn set(&mut self, key: &str, value: &str, at: usize) -> Result<(), String> {
        let value = text_value(value)?;
        match key {
            "expect" if value == "none" => self.none = Some(at),
            "expect" => return Err("the only expectation is `none`".into()),
            "name" => self.name = Some((value, at)),
            "kind" => self.kind = Some((kind_from_name(&value)?, at)),
            "size" => self.size = Some((decimal(&value)?, at)),
            "modified" => self.modified = Some((rfc3339(&value)?, at)),
            "link_target" => self.link_target = Some((RemotePath::from(value), at)),
            "unix_mode" => {
                let octal = !value.is_empty() && value.bytes().all(|b| (b'0'..=b'7').contains(&b));
                let mode = u32::from_str_radix(&value, 8).ok().filter(|_| octal);
                self.unix_mode = Some((mode.ok_or("expected octal digits, as in 0644")?, at));
            }
            "owner" => self.owner = Some((value, at)),
            "group" => self.group = Some((value, at)),
            "perm" => self.perm = Some((value, at)),
            "unique" => self.unique = Some((value, at)),
            _ => return Err("not a field".into()),
        }
        Ok(())
    }
}

/// A value as written: in double quotes with escapes, or bare (taken literally, the
/// surrounding spaces already trimmed).
fn text_value(value: &str) -> Result<String, String> {
    let Some(quoted) = value.strip_prefix('"') else {
        if value.is_empty() {
            return Err("empty value (write \"\" for an empty string)".into());
        }
        return Ok(value.to_string());
    };
    let mut out = String::new();
    let mut chars = quoted.chars();
    loop {
        match chars.next() {
            None => return Err("no closing double quote".into()),
            Some('"') => break,
            Some('\\') => out.push(match chars.next() {
                Some('\\') => '\\',
                Some('"') => '"',
                Some('t') => '\t',
                Some('r') => '\r',
                Some('n') => '\n',
                Some('0') => '\0',
                Some('u') => unicode_escape(&mut chars)?,
                other => return Err(format!("unknown escape \\{}", other.unwrap_or(' '))),
            }),
            Some(c) => out.push(c),
        }
    }
    if !chars.as_str().is_empty() {
        return Err(format!(
            "text after the closing quote: {:?}",
            chars.as_str()
        ));
    }
    Ok(out)
}

/// The rest of a `\u{HEX}` escape, after the `u`.
fn unicode_escape(chars: &mut std::str::Chars<'_>) -> Result<char, String> {
    let rest = chars.as_str();
    let hex = rest
        .strip_prefix('{')
        .and_then(|r| r.split_once('}'))
        .map(|(hex, _)| hex)
        .filter(|hex| (1..=6).contains(&hex.len()))
        .ok_or("expected \\u{HEX}")?;
    let c = u32::from_str_radix(hex, 16)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| format!("\\u{{{hex}}} is not a character"))?;
    *chars = rest.get(hex.len() + 2..).unwrap_or_default().chars();
    Ok(c)
}

fn decimal(value: &str) -> Result<u64, String> {
    value
        .parse()
        .ok()
        .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| "expected decimal digits".into())
}

/// An RFC 3339 timestamp in UTC, `2024-01-16T10:30:00Z` or `2024-01-16T10:30:00.123Z`.
fn rfc3339(value: &str) -> Result<SystemTime, String> {
    let t = OffsetDateTime::parse(value, &Rfc3339).map_err(|e| format!("not RFC 3339: {e}"))?;
    if !(value.ends_with('Z') && value.contains('T')) {
        return Err("write the time in UTC, as in 2024-01-16T10:30:00Z".into());
    }
    Ok(SystemTime::from(t))
}

const KINDS: [(&str, EntryKind); 5] = [
    ("file", EntryKind::File),
    ("dir", EntryKind::Dir),
    ("link", EntryKind::Link),
    ("other", EntryKind::Other),
    ("unknown", EntryKind::Unknown),
];

fn kind_from_name(value: &str) -> Result<EntryKind, String> {
    KINDS
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, kind)| *kind)
        .ok_or_else(|| "expected file, dir, link, other or unknown".into())
}

fn kind_name(kind: &EntryKind) -> String {
    KINDS
        .iter()
        .find(|(_, k)| k == kind)
        .map_or_else(|| format!("{kind:?}"), |(name, _)| (*name).to_string())
}

fn time_text(t: &SystemTime) -> String {
    let nanos = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_nanos()).ok(),
        Err(e) => i128::try_from(e.duration().as_nanos()).ok().map(|n| -n),
    };
    nanos
        .and_then(|n| OffsetDateTime::from_unix_timestamp_nanos(n).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{t:?}"))
}

fn quoted(s: &String) -> String {
    format!("{s:?}")
}

fn quoted_path(p: &RemotePath) -> String {
    format!("{p:?}")
}

fn number(n: &u64) -> String {
    n.to_string()
}

fn octal(mode: &u32) -> String {
    format!("0{mode:o}")
}

/// A field as the data file would write it, `none` for `None`.
fn show<T>(value: Option<&T>, format: fn(&T) -> String) -> String {
    value.map_or_else(|| "none".to_string(), format)
}

/// The entry's name as text: `name` may become a byte-preserving path type that only
/// promises `Display`.
fn name_text(name: &impl Display) -> String {
    name.to_string()
}

/// The line without its terminator, as `raw` must hold it.
fn without_eol(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

impl Case {
    fn parse(&self, line: &str) -> Option<ListEntry> {
        match self.parser {
            Parser::List(_) => parse_list_line(line, self.now),
            Parser::Mlsd | Parser::Mlst => parse_mlsd_line(line),
        }
    }

    /// Every way this case differs from what the parsers do, as `path:line: …` lines.
    fn check(&self) -> Vec<String> {
        let got = self.parse(&self.line);
        let mut problems = self.differences(got.as_ref());
        // A line written with its terminator is checked as written; any other also with each
        // terminator a server may send, reporting only what the bare line did not show.
        if without_eol(&self.line).len() == self.line.len() {
            for eol in ["\r", "\n", "\r\n"] {
                let with_eol = self.parse(&format!("{}{eol}", self.line));
                if with_eol == got {
                    continue;
                }
                for (at, problem) in self.differences(with_eol.as_ref()) {
                    if !problems.iter().any(|(_, p)| *p == problem) {
                        problems.push((at, format!("with {eol:?} appended: {problem}")));
                    }
                }
            }
        }
        if let (Parser::List(dialect), None) = (self.parser, self.want.none) {
            let raw = without_eol(&self.line);
            let claimed: Vec<&str> = DIALECTS
                .iter()
                .filter(|(_, parse)| parse(raw, self.now).is_some())
                .map(|(name, _)| *name)
                .collect();
            let expected: Vec<&str> = match self.want.kind {
                Some((EntryKind::Unknown, _)) => Vec::new(),
                _ => dialect.into_iter().collect(),
            };
            if claimed != expected {
                let message = format!(
                    "claimed by the dialects {claimed:?}, want {expected:?} (the section's parser)"
                );
                problems.push((self.at, message));
            }
        }
        problems
            .into_iter()
            .map(|(at, problem)| format!("  {}:{at}: {problem}", self.path))
            .collect()
    }

    /// How `got` differs from the expectation: (line in the data file, what differs).
    fn differences(&self, got: Option<&ListEntry>) -> Vec<(usize, String)> {
        let want = &self.want;
        let e = match (got, want.none) {
            (None, Some(_)) => return Vec::new(),
            (Some(e), Some(at)) => return vec![(at, format!("want none, got {}", entry_text(e)))],
            (None, None) => return vec![(self.at, "the parser returned None".to_string())],
            (Some(e), None) => e,
        };
        let mut out = Vec::new();
        let mut field = |key: &str, differs: bool, got: String, want_at, want: String| {
            if differs {
                out.push((want_at, format!("{key}: got {got}, want {want}")));
            }
        };
        let at = |f: Option<usize>| f.unwrap_or(self.at);
        let raw = without_eol(&self.line);
        let name = name_text(&e.name);
        let want_name = want.name.as_ref().map_or(raw, |(n, _)| n.as_str());
        let name_at = at(want.name.as_ref().map(|f| f.1));
        let (got_name, shown_name) = (quoted(&name), quoted(&want_name.to_string()));
        field("name", name != want_name, got_name, name_at, shown_name);
        if let Some((kind, kind_at)) = want.kind {
            let (got, want) = (kind_name(&e.kind), kind_name(&kind));
            field("kind", e.kind != kind, got, kind_at, want);
        }
        macro_rules! compare {
            ($key:ident, $format:expr) => {{
                let want = want.$key.as_ref();
                let (got, want_value) = (e.$key.as_ref(), want.map(|w| &w.0));
                let shown = (show(got, $format), show(want_value, $format));
                let want_at = at(want.map(|w| w.1));
                field(
                    stringify!($key),
                    got != want_value,
                    shown.0,
                    want_at,
                    shown.1,
                );
            }};
        }
        compare!(size, number);
        compare!(modified, time_text);
        compare!(link_target, quoted_path);
        compare!(unix_mode, octal);
        compare!(owner, quoted);
        compare!(group, quoted);
        compare!(perm, quoted);
        compare!(unique, quoted);
        let got_raw = name_text(&e.raw);
        let want_raw = raw.to_string();
        field(
            "raw",
            got_raw != want_raw,
            quoted(&got_raw),
            self.at,
            format!("{} (the line without its terminator)", quoted(&want_raw)),
        );
        out
    }
}

/// An entry in the data file's terms, for a case that expected none.
fn entry_text(e: &ListEntry) -> String {
    format!(
        "name {}, kind {}, size {}, modified {}, unix_mode {}",
        quoted(&name_text(&e.name)),
        kind_name(&e.kind),
        show(e.size.as_ref(), number),
        show(e.modified.as_ref(), time_text),
        show(e.unix_mode.as_ref(), octal),
    )
}

#[test]
fn listing_corpus() {
    let corpus = load();
    let mut failures = corpus.problems.clone();
    let mut failed_cases = 0;
    for case in &corpus.cases {
        let problems = case.check();
        if !problems.is_empty() {
            failed_cases += 1;
            let parser = match case.parser {
                Parser::List(_) => "LIST",
                Parser::Mlsd => "MLSD",
                Parser::Mlst => "MLST",
            };
            failures.push(format!(
                "{}:{}: {parser} line {:?} ({})\n{}",
                case.path,
                case.at,
                case.line,
                case.source,
                problems.join("\n")
            ));
        }
    }
    for (dialect, _) in DIALECTS {
        let covered = corpus.cases.iter().any(|c| {
            c.parser == Parser::List(Some(dialect))
                && c.want.kind.is_some_and(|(k, _)| k != EntryKind::Unknown)
        });
        if !covered {
            failures.push(format!("{DIR}: no case for the `{dialect}` dialect"));
        }
    }
    println!(
        "listing corpus: {} cases in {} files",
        corpus.cases.len(),
        corpus.files
    );
    // Per file: its cases, and how many of them a dialect (or MLSD) must read as an entry.
    let mut per_file: Vec<(&str, usize, usize)> = Vec::new();
    for case in &corpus.cases {
        let read = case.want.none.is_none()
            && case.want.kind.is_some_and(|(k, _)| k != EntryKind::Unknown);
        match per_file.iter_mut().find(|(path, _, _)| *path == case.path) {
            Some(row) => {
                row.1 += 1;
                row.2 += usize::from(read);
            }
            None => per_file.push((&case.path, 1, usize::from(read))),
        }
    }
    for (path, cases, read) in per_file {
        println!("  {path}: {cases} cases, {read} read as entries");
    }
    assert!(
        failures.is_empty(),
        "listing corpus ({DIR}): {failed_cases} of {} cases fail, {} other problems:\n{}",
        corpus.cases.len(),
        failures.len() - failed_cases,
        failures.join("\n")
    );
}

/// The format's own rules: what must be rejected, with the line it is on.
#[test]
fn malformed_data_is_reported_with_its_line() {
    let text = "\
# header
line: \"-rw-r--r-- 1 u g 1 Jan 01 00:30 f\"
kind: file

source: s
parser: list unix
now: 2024-06-15T12:00:00Z

line: -rw-r--r-- unquoted
kind: file

line: \"x\"
kind: fiel
size: 12a
modified: 2024-06-15T12:00:00+02:00
unix_mode: 0648
colour: red
kind: dir

line: \"y\\q\"
kind: unknown
now: 2024-06-15T12:00:00Z
name: orphan

line: \"z\"
expect: none
size: 1

parser: list

line: \"w\"
name: w
kind: file

line: \"\\u{110000}\"
expect: none
expect: nothing

parser: mlst

line: \"type=file; no leading space\"
name: no leading space
kind: file

line: \" type=file; no kind\"
name: no kind
";
    let mut corpus = Corpus {
        cases: Vec::new(),
        problems: Vec::new(),
        files: 1,
    };
    read_file("t.txt", text, &mut corpus);
    read_file("t2.txt", "# only a comment\n\tline: \"x\"\n", &mut corpus);
    let expected = [
        ("t.txt:2", "no `source:`"),
        ("t.txt:2", "no `parser:`"),
        ("t.txt:9", "double quotes"),
        ("t.txt:9", "no `name:`"),
        ("t.txt:17", "unknown key `colour`"),
        ("t.txt:18", "`kind` given twice"),
        ("t.txt:13", "kind: fiel: expected file, dir"),
        ("t.txt:14", "size: 12a: expected decimal"),
        (
            "t.txt:15",
            "modified: 2024-06-15T12:00:00+02:00: write the time in UTC",
        ),
        ("t.txt:16", "unix_mode: 0648: expected octal"),
        ("t.txt:20", "unknown escape \\q"),
        ("t.txt:22", "`now:` inside a case"),
        ("t.txt:23", "`name:` outside a case"),
        ("t.txt:27", "`size` in a case that expects none"),
        ("t.txt:33", "without a dialect"),
        ("t.txt:35", "is not a character"),
        ("t.txt:37", "`expect` given twice"),
        ("t.txt:41", "MLST entry line starts with a space"),
        ("t.txt:45", "no `kind:`"),
        ("t.txt", "no cases"),
        ("t2.txt:2", "control character '\\t'"),
        ("t2.txt", "no cases"),
    ];
    let problems: Vec<(&str, &str)> = corpus
        .problems
        .iter()
        .map(|p| p.split_once(": ").unwrap_or((p, "")))
        .collect();
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for ((at, message), (want_at, fragment)) in problems.iter().zip(expected) {
        assert!(
            *at == want_at && message.contains(fragment),
            "{at}: {message}\nwant {want_at}: …{fragment}…, all: {problems:#?}"
        );
    }
    assert!(corpus.cases.is_empty());
}
