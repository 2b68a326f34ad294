//! What the listing corpus (`corpus/`, read by `corpus.rs`) cannot express: the RFC 3659
//! time values on their own, a reference time outside the calendar, and robustness sweeps
//! that feed every parser mangled versions of the corpus lines.
//!
//! Expected times are written as Unix seconds, computed independently of the code under
//! test.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{corpus, dos, mlsd, parse_list_line, parse_mlsd_line, parse_mlsd_time, unix};

/// The reference time of the sweeps: 2024-06-15 12:00:00 UTC.
const NOW: u64 = 1_718_452_800;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn at_nanos(secs: u64, nanos: u32) -> SystemTime {
    UNIX_EPOCH + Duration::new(secs, nanos)
}

/// A `now` that no calendar date can express (the corpus writes `now:` in RFC 3339) just
/// loses the time of a year-less date; the entry stays.
#[test]
fn year_inference_with_now_outside_the_calendar() {
    let far = UNIX_EPOCH + Duration::from_secs(1 << 50);
    let e = parse_list_line("-rw-r--r-- 1 u g 1 Jan 16 10:30 f", far).expect("entry");
    assert_eq!(e.name.to_string(), "f");
    assert_eq!((e.size, e.modified), (Some(1), None));
}

#[test]
fn mlsd_time_values() {
    assert_eq!(parse_mlsd_time("20240116103000"), Some(at(1_705_401_000)));
    assert_eq!(
        parse_mlsd_time(" 20240116103000\r\n"),
        Some(at(1_705_401_000))
    );
    assert_eq!(
        parse_mlsd_time("20240116103000.5"),
        Some(at_nanos(1_705_401_000, 500_000_000))
    );
    assert_eq!(
        parse_mlsd_time("20240116103000.1234567891"),
        Some(at_nanos(1_705_401_000, 123_456_789))
    );
    assert_eq!(parse_mlsd_time("19700101000000"), Some(UNIX_EPOCH));
    // Leap second, folded into :59.
    assert_eq!(parse_mlsd_time("19991231235960"), Some(at(946_684_799)));
    // Y2K-bug servers: "19" followed by (year - 1900).
    assert_eq!(parse_mlsd_time("191000116103000"), Some(at(948_018_600)));
    for bad in [
        "",
        "2024011610300",
        "202401161030000",
        "20241316103000",
        "20240016103000",
        "20240230103000",
        "20240116243000",
        "20240116106000",
        "20240116103061",
        "20240116103000.",
        "20240116103000.x",
        "20240116103000.1.2",
        "+2024011610300",
        "2024-01-16T10:30:00Z",
        "２０２４０１１６１０３０００",
        "20240116103000 extra",
    ] {
        assert_eq!(parse_mlsd_time(bad), None, "{bad:?}");
    }
}

/// Every string derived from `line`: each prefix and suffix, each char deleted, each char
/// replaced by a set of awkward ones (multi-byte, separators the parsers split on).
fn mutations(line: &str) -> Vec<String> {
    const REPLACEMENTS: [char; 16] = [
        'é', '日', '🦀', '\u{0}', ' ', '\t', ':', ',', '-', ';', '=', '0', '9', '\u{3000}', '>',
        '<',
    ];
    let mut out = vec![line.to_string()];
    let bounds: Vec<usize> = line
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .collect();
    for &b in &bounds {
        out.push(line.get(..b).unwrap_or_default().to_string());
        out.push(line.get(b..).unwrap_or_default().to_string());
    }
    for (i, c) in line.char_indices() {
        let (head, tail) = (
            line.get(..i).unwrap_or_default(),
            line.get(i + c.len_utf8()..).unwrap_or_default(),
        );
        out.push(format!("{head}{tail}"));
        for r in REPLACEMENTS {
            out.push(format!("{head}{r}{tail}"));
            out.push(format!("{head}{r}{c}{tail}"));
        }
    }
    out
}

/// Runs every parser on `s` and checks what holds for any input.
fn exercise(s: &str) {
    let now = at(NOW);
    let stripped = s.strip_suffix('\n').unwrap_or(s);
    let stripped = stripped.strip_suffix('\r').unwrap_or(stripped);
    if let Some(e) = parse_list_line(s, now) {
        assert_eq!(e.raw, stripped);
        assert!(!e.name.is_empty());
    }
    if let Some(e) = parse_mlsd_line(s) {
        assert_eq!(e.raw, stripped);
        assert!(!e.name.is_empty());
    }
    let _ = unix::parse(s, now);
    let _ = unix::parse(s, UNIX_EPOCH);
    let _ = dos::parse(s);
    let _ = mlsd::parse(s);
    let _ = parse_mlsd_time(s);
}

/// A line with every run of letters and digits (any non-ASCII character counting as a
/// letter) made one `a`, and every run of spaces one space. Lines of one shape, like most
/// captured ones (one tree listed by several servers), take the same paths through the
/// parsers under the same mutations, so the sweep takes one corpus line per shape.
fn shape(line: &str) -> String {
    let mut out = String::new();
    for c in line.chars() {
        let class = if c.is_ascii_alphanumeric() || !c.is_ascii() {
            'a'
        } else {
            c
        };
        if !(matches!(class, 'a' | ' ') && out.ends_with(class)) {
            out.push(class);
        }
    }
    out
}

#[test]
fn no_panic_on_mutated_corpus() {
    let mut count = 0usize;
    let extra = [
        "20240116103000.123",
        "191000116103000",
        "lrwxrwxrwx 1 u g 1 Jan 1 12:00 -> x",
        "crw------- 1 u g 1,2 Jan 1 12:00 d",
    ];
    let corpus = corpus::load();
    let mut shapes = std::collections::HashSet::new();
    let lines = corpus
        .cases
        .iter()
        .map(|c| c.line.as_str())
        .filter(|line| shapes.insert(shape(line)))
        .chain(extra);
    for line in lines {
        for m in mutations(line) {
            exercise(&m);
            count += 1;
        }
    }
    assert!(count > 50_000, "only {count} inputs");
}

#[test]
fn no_panic_on_random_token_soup() {
    const PIECES: [&str; 32] = [
        " ",
        "  ",
        "\t",
        "Jan",
        "feb",
        "29",
        "1",
        "12:00",
        "23:59:59",
        "2024",
        "1970-01-01",
        "1,",
        "3",
        "0x",
        "0x3d",
        "<DIR>",
        "AM",
        "12:15PM",
        "01-16-24",
        "-rw-r--r--",
        "lrwxrwxrwx",
        "crw-rw-rw-+",
        " -> ",
        "; ",
        ";",
        "type=",
        "OS.unix=slink:",
        "modify=",
        "é",
        "🦀",
        "\r",
        "99999999999999999999999",
    ];
    // Deterministic LCG, so a failure reproduces.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap_or(0) % n
    };
    for _ in 0..20_000 {
        let len = next(14);
        let s: String = (0..len).map(|_| PIECES[next(PIECES.len())]).collect();
        exercise(&s);
    }
}

/// Runs a whole listing through a `ListingParser` (with an optional `SYST` hint).
fn listing(lines: &[&str], syst: Option<&str>) -> Vec<super::ListEntry> {
    let mut parser = super::ListingParser::new(at(NOW));
    if let Some(syst) = syst {
        parser = parser.with_system(syst);
    }
    let mut out = Vec::new();
    for line in lines {
        out.extend(parser.push(line));
    }
    out.extend(parser.finish());
    out
}

fn names(entries: &[super::ListEntry]) -> Vec<String> {
    entries.iter().map(|e| e.name.to_string()).collect()
}

/// Commons Net's VMS FULL_LISTING with two-line entries from its GOOD_SAMPLES: the header
/// and trailer go once the listing is seen to be VMS, each name line is joined with its
/// attribute line, and `raw` keeps both lines.
#[test]
fn vms_listing_joins_long_names_and_skips_header_and_trailer() {
    let lines = [
        "Directory USER1:[TEMP]",
        "",
        "1-JUN.LIS;1              9/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)",
        "UCX$REXECD_STARTUP.LOG;1098",
        "                         4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)",
        "UNZIP_AND_ATTACH_FILES.COM;12\r\n",
        "                        14/15         24-JUL-2002 14:35:40  [TRANSLATED]    (RWE,RWE,RWE,RE)\r\n",
        "",
        "Total 3 files",
    ];
    let entries = listing(&lines, None);
    // The header opens the listing: that form is VMS's alone, so it goes without a hint.
    assert_eq!(
        names(&entries),
        [
            "1-JUN.LIS;1",
            "UCX$REXECD_STARTUP.LOG;1098",
            "UNZIP_AND_ATTACH_FILES.COM;12",
        ]
    );
    assert_eq!(entries[1].kind, super::EntryKind::File);
    assert_eq!(entries[1].owner.as_deref(), Some("LP"));
    assert_eq!(
        entries[1].raw,
        "UCX$REXECD_STARTUP.LOG;1098\r\n                         4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)"
    );
    // With SYST saying VMS, the same.
    let hinted = listing(
        &lines,
        Some("VMS V7.3-2 is the operating system of this server."),
    );
    assert_eq!(names(&hinted), names(&entries));
    // Anywhere but first, and without a hint or a VMS entry before it, the header is a
    // line no dialect reads.
    let late = listing(
        &["-rw-r--r-- 1 u g 3 Jan 02 2020 x", "Directory USER1:[TEMP]"],
        None,
    );
    assert_eq!(late[1].kind, super::EntryKind::Unknown);
}

/// A held name line that the next line does not complete, or that ends the listing,
/// still comes out, as unknown, in order.
#[test]
fn vms_name_line_without_attributes_is_not_dropped() {
    let entries = listing(
        &[
            "LONELY.TXT;1",
            "-rw-r--r--   1 u g 5 Jan 16 10:30 unix.txt",
            "LAST.TXT;2",
        ],
        None,
    );
    assert_eq!(names(&entries), ["LONELY.TXT;1", "unix.txt", "LAST.TXT;2"]);
    assert_eq!(entries[0].kind, super::EntryKind::Unknown);
    assert_eq!(entries[2].kind, super::EntryKind::Unknown);
    // Two name lines in a row: the first is not joined with the second.
    let entries = listing(
        &[
            "A.TXT;1",
            "B.TXT;1",
            "          1/3     2-AUG-2006 13:05  [SUMMARY]  (RWE,RWE,RE,)",
        ],
        None,
    );
    assert_eq!(names(&entries), ["A.TXT;1", "B.TXT;1"]);
    assert_eq!(entries[0].kind, super::EntryKind::Unknown);
    assert_eq!(entries[1].kind, super::EntryKind::File);
}

/// A z/OS listing: the dataset header is skipped, datasets and HFS (Unix) lines in one
/// listing are each read by their dialect; in a member listing (after its header, or with
/// `SYST` saying MVS) a bare name is a member, elsewhere it stays unknown.
#[test]
fn zos_listings_headers_mixed_forms_and_bare_members() {
    use super::EntryKind::{Dir, File, Unknown};
    let entries = listing(
        &[
            "Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname",
            "WYOSPT 3420   2003/03/18  1  135  FB      80  3120  PS  MY.DATA",
            "SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024.D061704",
            "Migrated                                                SOME.DATASET",
            "drwxr-xr-x   2 OMVSKERN SYS1        8192 Jan 16 10:30 hfsdir",
            "LONEWORD",
        ],
        None,
    );
    let got: Vec<(String, super::EntryKind)> = entries
        .iter()
        .map(|e| (e.name.to_string(), e.kind))
        .collect();
    let want = [
        ("MY.DATA", File),
        ("INCOMING.RPTBM024.D061704", Dir),
        ("SOME.DATASET", File),
        ("hfsdir", Dir),
        ("LONEWORD", Unknown),
    ];
    let want: Vec<(String, super::EntryKind)> =
        want.iter().map(|(n, k)| (n.to_string(), *k)).collect();
    assert_eq!(got, want);

    let members = [
        "Name      VV.MM   Created       Changed      Size  Init   Mod   Id",
        "SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001",
        "SAVE04                                                              ",
    ];
    let entries = listing(&members, None);
    assert_eq!(names(&entries), ["SAVE03", "SAVE04"]);
    assert!(entries.iter().all(|e| e.kind == File));
    assert_eq!(entries[1].modified, None);
    // Without the header the bare name is a member only when SYST says MVS.
    assert_eq!(listing(&members[2..], None)[0].kind, Unknown);
    let syst = "MVS is the operating system of this server. FTP Server is running on z/OS.";
    assert_eq!(listing(&members[2..], Some(syst))[0].kind, File);
}

/// The NonStop header is skipped; the lines under it are files.
#[test]
fn tandem_listing_skips_its_header() {
    let entries = listing(
        &[
            "File         Code             EOF  Last Modification    Owner  RWEP",
            "ALV           101             2522 27-Aug-02 13:57:10 155,106 \"nnnn\"",
        ],
        None,
    );
    assert_eq!(names(&entries), ["ALV"]);
    assert_eq!(entries[0].size, Some(2522));
}

/// IBM i: once a line shows the date order (`10/30/98` is only month-first), the later
/// ambiguous dates are read in it; before that, and after a contradiction, they get none.
/// Lines from a SlickEdit macro's example listing (see `corpus/os400.txt`).
#[test]
fn ibmi_listing_learns_the_date_order() {
    let lines = [
        "JWW           1269760 11/02/98 13:34:29 *FILE      C",
        "JWW             16384 10/30/98 14:36:37 *FILE      $CONTENTS",
        "JWW              1519 11/10/98 11:23:58 *STMF      m4r30002.TID",
        "JWW                                     *MEM       C.CMDTOKEN",
        // Day-first only: contradicts month-first, so no more inference.
        "JWW              1519 25/10/98 11:23:58 *STMF      late.TID",
        "JWW              1519 11/10/98 11:23:58 *STMF      after.TID",
    ];
    let entries = listing(&lines, None);
    let times: Vec<Option<SystemTime>> = entries.iter().map(|e| e.modified).collect();
    assert_eq!(
        times,
        [
            None,
            Some(at(909_758_197)), // 1998-10-30T14:36:37Z
            Some(at(910_697_038)), // 1998-11-10T11:23:58Z
            None,
            Some(at(909_314_638)), // 1998-10-25T11:23:58Z
            None,
        ]
    );
}

#[test]
fn the_listing_parser_strips_a_line_end_once_as_parse_list_line_does() {
    // Found by the property test: the parser stripped the line end, then handed the line to
    // a function that stripped it again and took the `\n` that was part of the line.
    let now = at(1_700_000_000);
    for line in [
        "total\n\r",
        "x\r\r",
        "-rw-r--r-- 1 a b 5 Jan 1 2020 name\n\r\n",
    ] {
        let mut p = super::ListingParser::new(now);
        let mut got = p.push(line);
        got.extend(p.finish());
        let want: Vec<_> = parse_list_line(line, now).into_iter().collect();
        let raw = |v: &[super::ListEntry]| {
            v.iter()
                .map(|e| (e.raw.clone(), e.name.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(raw(&got), raw(&want), "{line:?}");
    }
}
