//! `LIST`, `MLSD` and `MLST` lines captured from real FTP servers running on 127.0.0.1, with
//! the exact values the parsers must return for each.
//!
//! Captured on 2026-11-25 at about 16:49 UTC (the machine's time zone is UTC, so the local
//! times the servers print are UTC). Every server listed the same tree, built under /tmp
//! with fixed times (`touch -d`, `touch -h -d` for the link):
//!
//! ```text
//! drwxr-xr-x  3 root   root     4096 2026-09-03 00:00 .
//! -rw-------  1   1234    5678  2024 2024-02-29 10:00 2024 report.txt
//! -rw-r-----  1   1234    5678 12345 2026-08-20 13:14 data.bin
//! crw-rw-rw-  1 root   root     1, 3 2026-07-04 12:00 dev          (mknod dev c 1 3)
//! drwxr-xr-x  2 root   root     4096 2026-09-01 09:30 docs         (holds inner.txt, below)
//! prw--w----  1 nobody nogroup     0 2026-08-08 08:08 fifo
//! lrwxrwxrwx  1 root   root        8 2026-09-02 10:11 link-to-data -> data.bin
//! -rw-r--r--  1 nobody nogroup    11 2026-06-30 23:59 my file.txt
//! -rw-rw-r--  1 ftp    nogroup     4 2019-03-04 05:06 old.txt      (ftp is uid 102)
//! -rw-r--r--  1 root   root       42 2026-11-20 07:08 recent.txt
//! -r--r--r--  1 root   root        8 2026-10-31 00:00 résumé.txt
//! -rwsr-xr-x  1 root   root      100 2026-10-10 10:10 setuid-tool
//! -rw-r--r--  1 root   root        1 2026-09-01 09:30 docs/inner.txt
//! ```
//!
//! uid 1234 and gid 5678 have no name; nobody/nogroup are 65534. Servers that chroot before
//! listing often cannot resolve names, hence the many numeric owners below.
//!
//! Client: Python 3 `ftplib` in passive mode. After login, for each command: `TYPE A`, then
//! `transfercmd(CMD)`, read the data connection to EOF, split on `\r\n` (every server ended
//! every line with CRLF, none sent a bare LF). `MLST` lines are the entry line of the `250`
//! reply to `sendcmd("MLST name")`, leading space included. Only lines that differ are kept:
//! `LIST -a` repeats `LIST` plus `.` and `..`, and a second capture of a server keeps only
//! the lines that changed. No server sent a `total N` line.
//!
//! Each line is checked as captured and with the CRLF it arrived with, against a complete
//! [`ListEntry`] (raw line included). Year-less dates (`Mon DD HH:MM`) are resolved against
//! [`NOW`], the capture time; lines with a year (`Mon DD  YYYY`) carry only the date, so they
//! mean midnight UTC of that day.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{parse_list_line, parse_mlsd_line, EntryKind, ListEntry};

/// 2026-11-25 16:49:00 UTC, when the lines were captured: every `Mon DD HH:MM` line must
/// resolve to 2026.
const NOW: u64 = 1_795_625_340;

/// 2024-02-29 00:00:00 UTC (Feb 29  2024: LIST shows only the date of 2024-02-29 10:00).
const REPORT_DAY: u64 = 1_709_164_800;

/// 2024-02-29 10:00:00 UTC.
const REPORT: u64 = 1_709_200_800;

/// 2026-08-20 13:14:00 UTC.
const DATA: u64 = 1_787_231_640;

/// 2026-07-04 12:00:00 UTC.
const DEV: u64 = 1_783_166_400;

/// 2026-09-01 09:30:00 UTC (docs/ and docs/inner.txt).
const DOCS: u64 = 1_788_255_000;

/// 2026-08-08 08:08:00 UTC.
const FIFO: u64 = 1_786_176_480;

/// 2026-09-02 10:11:00 UTC (the symlink itself (touch -h)).
const LINK: u64 = 1_788_343_860;

/// 2026-06-30 23:59:00 UTC.
const MY_FILE: u64 = 1_782_863_940;

/// 2019-03-04 00:00:00 UTC (Mar  4  2019: LIST shows only the date of 2019-03-04 05:06).
const OLD_DAY: u64 = 1_551_657_600;

/// 2019-03-04 05:06:00 UTC.
const OLD: u64 = 1_551_675_960;

/// 2026-11-20 07:08:00 UTC.
const RECENT: u64 = 1_795_158_480;

/// 2026-10-31 00:00:00 UTC.
const RESUME: u64 = 1_793_404_800;

/// 2026-10-10 10:10:00 UTC.
const SETUID: u64 = 1_791_627_000;

/// 2026-09-03 00:00:00 UTC (the listed directory, `.` and `..`).
const ROOT_DIR: u64 = 1_788_393_600;

/// One captured line and the complete entry it must parse to (`raw` is the line itself).
struct Case {
    line: &'static str,
    name: &'static str,
    kind: EntryKind,
    size: Option<u64>,
    modified: Option<u64>,
    target: Option<&'static str>,
    mode: Option<u32>,
    owner: Option<&'static str>,
    group: Option<&'static str>,
    perm: Option<&'static str>,
    unique: Option<&'static str>,
}

/// A `LIST` line: no `perm` or `unique` facts.
#[allow(clippy::too_many_arguments)]
const fn list(
    line: &'static str,
    name: &'static str,
    kind: EntryKind,
    size: Option<u64>,
    modified: Option<u64>,
    target: Option<&'static str>,
    mode: Option<u32>,
    owner: Option<&'static str>,
    group: Option<&'static str>,
) -> Case {
    Case {
        line,
        name,
        kind,
        size,
        modified,
        target,
        mode,
        owner,
        group,
        perm: None,
        unique: None,
    }
}

/// An `MLSD` line or `MLST` entry line.
#[allow(clippy::too_many_arguments)]
const fn mlsd(
    line: &'static str,
    name: &'static str,
    kind: EntryKind,
    size: Option<u64>,
    modified: Option<u64>,
    target: Option<&'static str>,
    mode: Option<u32>,
    owner: Option<&'static str>,
    group: Option<&'static str>,
    perm: Option<&'static str>,
    unique: Option<&'static str>,
) -> Case {
    Case {
        line,
        name,
        kind,
        size,
        modified,
        target,
        mode,
        owner,
        group,
        perm,
        unique,
    }
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn expected(case: &Case) -> ListEntry {
    ListEntry {
        name: case.name.to_string(),
        kind: case.kind,
        size: case.size,
        modified: case.modified.map(at),
        link_target: case.target.map(str::to_string),
        unix_mode: case.mode,
        owner: case.owner.map(str::to_string),
        group: case.group.map(str::to_string),
        perm: case.perm.map(str::to_string),
        unique: case.unique.map(str::to_string),
        raw: case.line.to_string(),
    }
}

/// Feeds every line, bare and with its CRLF, to `parse`, and fails listing every mismatch.
fn check(cases: &[Case], parse: impl Fn(&str) -> Option<ListEntry>) {
    let mut failures = Vec::new();
    for case in cases {
        let want = Some(expected(case));
        for wire in [case.line.to_string(), format!("{}\r\n", case.line)] {
            let got = parse(&wire);
            if got != want {
                failures.push(format!("line {wire:?}\n  got:  {got:?}\n  want: {want:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check_list(cases: &[Case]) {
    check(cases, |line| parse_list_line(line, at(NOW)));
}

fn check_mlsd(cases: &[Case]) {
    check(cases, parse_mlsd_line);
}

use EntryKind::{Dir, File, Link, Other};

// vsftpd 3.0.3 (Debian 3.0.3-13+b2; `vsftpd -v`: "vsftpd: version 3.0.3"; greeting
// "220 (vsFTPd 3.0.3)"), `/usr/sbin/vsftpd vsftpd.conf` in the foreground with listen=YES,
// background=NO, listen_address=127.0.0.1, listen_port=40121, seccomp_sandbox=NO,
// isolate=NO, isolate_network=NO, anonymous_enable=YES, anon_root=<tree>,
// no_anon_password=YES, pasv_address=127.0.0.1, text_userdb_names=YES.
// Commands: LIST, LIST -a, LIST docs (anonymous). No MLSD ("500 Unknown command.").
// Names resolve for root, nobody and nogroup but not for ftp (uid 102). Days are
// zero-padded (`Jul 04`); a device shows size 0, not its major/minor numbers.
const VSFTPD_NAMES: &[Case] = &[
    list(
        "-rw-------    1 1234     5678         2024 Feb 29  2024 2024 report.txt",
        "2024 report.txt",
        File,
        Some(2024),
        Some(REPORT_DAY),
        None,
        Some(0o600),
        Some("1234"),
        Some("5678"),
    ),
    list(
        "-rw-r-----    1 1234     5678        12345 Aug 20 13:14 data.bin",
        "data.bin",
        File,
        Some(12_345),
        Some(DATA),
        None,
        Some(0o640),
        Some("1234"),
        Some("5678"),
    ),
    list(
        "crw-rw-rw-    1 root     root            0 Jul 04 12:00 dev",
        "dev",
        Other,
        Some(0),
        Some(DEV),
        None,
        Some(0o666),
        Some("root"),
        Some("root"),
    ),
    list(
        "drwxr-xr-x    2 root     root         4096 Sep 01 09:30 docs",
        "docs",
        Dir,
        Some(4096),
        Some(DOCS),
        None,
        Some(0o755),
        Some("root"),
        Some("root"),
    ),
    list(
        "prw--w----    1 nobody   nogroup         0 Aug 08 08:08 fifo",
        "fifo",
        Other,
        Some(0),
        Some(FIFO),
        None,
        Some(0o620),
        Some("nobody"),
        Some("nogroup"),
    ),
    list(
        "lrwxrwxrwx    1 root     root            8 Sep 02 10:11 link-to-data -> data.bin",
        "link-to-data",
        Link,
        Some(8),
        Some(LINK),
        Some("data.bin"),
        Some(0o777),
        Some("root"),
        Some("root"),
    ),
    list(
        "-rw-r--r--    1 nobody   nogroup        11 Jun 30 23:59 my file.txt",
        "my file.txt",
        File,
        Some(11),
        Some(MY_FILE),
        None,
        Some(0o644),
        Some("nobody"),
        Some("nogroup"),
    ),
    list(
        "-rw-rw-r--    1 102      nogroup         4 Mar 04  2019 old.txt",
        "old.txt",
        File,
        Some(4),
        Some(OLD_DAY),
        None,
        Some(0o664),
        Some("102"),
        Some("nogroup"),
    ),
    list(
        "-rw-r--r--    1 root     root           42 Nov 20 07:08 recent.txt",
        "recent.txt",
        File,
        Some(42),
        Some(RECENT),
        None,
        Some(0o644),
        Some("root"),
        Some("root"),
    ),
    list(
        "-r--r--r--    1 root     root            8 Oct 31 00:00 résumé.txt",
        "résumé.txt",
        File,
        Some(8),
        Some(RESUME),
        None,
        Some(0o444),
        Some("root"),
        Some("root"),
    ),
    list(
        "-rwsr-xr-x    1 root     root          100 Oct 10 10:10 setuid-tool",
        "setuid-tool",
        File,
        Some(100),
        Some(SETUID),
        None,
        Some(0o4755),
        Some("root"),
        Some("root"),
    ),
    list(
        "drwxr-xr-x    3 root     root         4096 Sep 03 00:00 .",
        ".",
        Dir,
        Some(4096),
        Some(ROOT_DIR),
        None,
        Some(0o755),
        Some("root"),
        Some("root"),
    ),
    list(
        "drwxr-xr-x    3 root     root         4096 Sep 03 00:00 ..",
        "..",
        Dir,
        Some(4096),
        Some(ROOT_DIR),
        None,
        Some(0o755),
        Some("root"),
        Some("root"),
    ),
    list(
        "-rw-r--r--    1 root     root            1 Sep 01 09:30 inner.txt",
        "inner.txt",
        File,
        Some(1),
        Some(DOCS),
        None,
        Some(0o644),
        Some("root"),
        Some("root"),
    ),
];

// vsftpd 3.0.3, same configuration on port 40122 but without text_userdb_names (the default,
// numeric ids). Commands: LIST, LIST -a, LIST docs. The `2024 report.txt` and `data.bin`
// lines were byte-identical to the capture above and are not repeated.
const VSFTPD_NUMERIC: &[Case] = &[
    list(
        "crw-rw-rw-    1 0        0               0 Jul 04 12:00 dev",
        "dev",
        Other,
        Some(0),
        Some(DEV),
        None,
        Some(0o666),
        Some("0"),
        Some("0"),
    ),
    list(
        "drwxr-xr-x    2 0        0            4096 Sep 01 09:30 docs",
        "docs",
        Dir,
        Some(4096),
        Some(DOCS),
        None,
        Some(0o755),
        Some("0"),
        Some("0"),
    ),
    list(
        "prw--w----    1 65534    65534           0 Aug 08 08:08 fifo",
        "fifo",
        Other,
        Some(0),
        Some(FIFO),
        None,
        Some(0o620),
        Some("65534"),
        Some("65534"),
    ),
    list(
        "lrwxrwxrwx    1 0        0               8 Sep 02 10:11 link-to-data -> data.bin",
        "link-to-data",
        Link,
        Some(8),
        Some(LINK),
        Some("data.bin"),
        Some(0o777),
        Some("0"),
        Some("0"),
    ),
    list(
        "-rw-r--r--    1 65534    65534          11 Jun 30 23:59 my file.txt",
        "my file.txt",
        File,
        Some(11),
        Some(MY_FILE),
        None,
        Some(0o644),
        Some("65534"),
        Some("65534"),
    ),
    list(
        "-rw-rw-r--    1 102      65534           4 Mar 04  2019 old.txt",
        "old.txt",
        File,
        Some(4),
        Some(OLD_DAY),
        None,
        Some(0o664),
        Some("102"),
        Some("65534"),
    ),
    list(
        "-rw-r--r--    1 0        0              42 Nov 20 07:08 recent.txt",
        "recent.txt",
        File,
        Some(42),
        Some(RECENT),
        None,
        Some(0o644),
        Some("0"),
        Some("0"),
    ),
    list(
        "-r--r--r--    1 0        0               8 Oct 31 00:00 résumé.txt",
        "résumé.txt",
        File,
        Some(8),
        Some(RESUME),
        None,
        Some(0o444),
        Some("0"),
        Some("0"),
    ),
    list(
        "-rwsr-xr-x    1 0        0             100 Oct 10 10:10 setuid-tool",
        "setuid-tool",
        File,
        Some(100),
        Some(SETUID),
        None,
        Some(0o4755),
        Some("0"),
        Some("0"),
    ),
    list(
        "drwxr-xr-x    3 0        0            4096 Sep 03 00:00 .",
        ".",
        Dir,
        Some(4096),
        Some(ROOT_DIR),
        None,
        Some(0o755),
        Some("0"),
        Some("0"),
    ),
    list(
        "drwxr-xr-x    3 0        0            4096 Sep 03 00:00 ..",
        "..",
        Dir,
        Some(4096),
        Some(ROOT_DIR),
        None,
        Some(0o755),
        Some("0"),
        Some("0"),
    ),
    list(
        "-rw-r--r--    1 0        0               1 Sep 01 09:30 inner.txt",
        "inner.txt",
        File,
        Some(1),
        Some(DOCS),
        None,
        Some(0o644),
        Some("0"),
        Some("0"),
    ),
];

// ProFTPD 1.3.8 (Debian proftpd-core 1.3.8+dfsg-4+deb12u5, unpacked with `dpkg -x`;
// `proftpd -v`: "ProFTPD Version 1.3.8"; greeting "220 ProFTPD Server (capture)
// [127.0.0.1]"), `proftpd -n -c proftpd.conf` with ServerType standalone, Port 40123,
// DefaultAddress 127.0.0.1, User nobody, Group nogroup, and
// `<Anonymous /tmp/ftptree> User ftp, Group nogroup, UserAlias anonymous ftp </Anonymous>`.
// Commands: LIST, LIST -a, LIST docs (anonymous). Days are space-padded (`Jul  4`).
const PROFTPD_ANON_LIST: &[Case] = &[
    list(
        "-rw-------   1 1234     5678         2024 Feb 29  2024 2024 report.txt",
        "2024 report.txt",
        File,
        Some(2024),
        Some(REPORT_DAY),
        None,
        Some(0o600),
        Some("1234"),
        Some("5678"),
    ),
    list(
        "-rw-r-----   1 1234     5678        12345 Aug 20 13:14 data.bin",
        "data.bin",
        File,
        Some(12_345),
        Some(DATA),
        None,
        Some(0o640),
        Some("1234"),
        Some("5678"),
    ),
    list(
        "crw-rw-rw-   1 root     root            0 Jul  4 12:00 dev",
        "dev",
        Other,
        Some(0),
        Some(DEV),
        None,
        Some(0o666),
        Some("root"),
        Some("root"),
    ),
    list(
        "drwxr-xr-x   2 root     root         4096 Sep  1 09:30 docs",
        "docs",
        Dir,
        Some(4096),
        Some(DOCS),
        None,
        Some(0o755),
        Some("root"),
        Some("root"),
    ),
    list(
        "prw--w----   1 nobody   nogroup         0 Aug  8 08:08 fifo",
        "fifo",
        Other,
        Some(0),
        Some(FIFO),
        None,
        Some(0o620),
        Some("nobody"),
        Some("nogroup"),
    ),
    list(
        "lrwxrwxrwx   1 root     root            8 Sep  2 10:11 link-to-data -> data.bin",
        "link-to-data",
        Link,
        Some(8),
        Some(LINK),
        Some("data.bin"),
        Some(0o777),
        Some("root"),
        Some("root"),
    ),
    list(
        "-rw-r--r--   1 nobody   nogroup        11 Jun 30 23:59 my file.txt",
        "my file.txt",
        File,
        Some(11),
        Some(MY_FILE),
        None,
        Some(0o644),
        Some("nobody"),
        Some("nogroup"),
    ),
    list(
        "-rw-rw-r--   1 ftp      nogroup         4 Mar  4  2019 old.txt",
        "old.txt",
        File,
        Some(4),
        Some(OLD_DAY),
        None,
        Some(0o664),
        Some("ftp"),
        Some("nogroup"),
    ),
    list(
        "-rw-r--r--   1 root     root           42 Nov 20 07:08 recent.txt",
        "recent.txt",
        File,
        Some(42),
        Some(RECENT),
        None,
        Some(0o644),
        Some("root"),
        Some("root"),
    ),
    list(
        "-r--r--r--   1 root     root            8 Oct 31 00:00 résumé.txt",
        "résumé.txt",
        File,
        Some(8),
        Some(RESUME),
        None,
        Some(0o444),
        Some("root"),
        Some("root"),
    ),
    list(
        "-rwsr-xr-x   1 root     root          100 Oct 10 10:10 setuid-tool",
        "setuid-tool",
        File,
        Some(100),
        Some(SETUID),
        None,
        Some(0o4755),
        Some("root"),
        Some("root"),
    ),
    list(
        "drwxr-xr-x   3 root     root         4096 Sep  3 00:00 .",
        ".",
        Dir,
        Some(4096),
        Some(ROOT_DIR),
        None,
        Some(0o755),
        Some("root"),
        Some("root"),
    ),
    list(
        "drwxr-xr-x   3 root     root         4096 Sep  3 00:00 ..",
        "..",
        Dir,
        Some(4096),
        Some(ROOT_DIR),
        None,
        Some(0o755),
        Some("root"),
        Some("root"),
    ),
    list(
        "-rw-r--r--   1 root     root            1 Sep  1 09:30 inner.txt",
        "inner.txt",
        File,
        Some(1),
        Some(DOCS),
        None,
        Some(0o644),
        Some("root"),
        Some("root"),
    ),
];

// ProFTPD 1.3.8 anonymous, as above. Commands: MLSD, MLSD docs (only its `.` and
// inner.txt; its `..` line was the same as the one here). ProFTPD calls the device and the
// FIFO `type=file`, sends no size for directories, and sends the session user (ftp) as
// UNIX.ownername and nogroup as UNIX.groupname for every entry whatever the real owner;
// the parser prefers the names to the numeric UNIX.owner/UNIX.group. `type=OS.unix=symlink`
// carries no target.
const PROFTPD_ANON_MLSD: &[Case] = &[
mlsd(
"modify=20261010101000;perm=adfr;size=100;type=file;unique=FE00U9C41BE;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=04755;UNIX.owner=0;UNIX.ownername=ftp; setuid-tool",
"setuid-tool",
File,
Some(100),
Some(SETUID),
None,
Some(0o4755),
Some("ftp"),
Some("nogroup"),
Some("adfr"),
Some("FE00U9C41BE"),
),
mlsd(
"modify=20260820131400;perm=dfr;size=12345;type=file;unique=FE00U9C41B8;UNIX.group=5678;UNIX.groupname=nogroup;UNIX.mode=0640;UNIX.owner=1234;UNIX.ownername=ftp; data.bin",
"data.bin",
File,
Some(12_345),
Some(DATA),
None,
Some(0o640),
Some("ftp"),
Some("nogroup"),
Some("dfr"),
Some("FE00U9C41B8"),
),
mlsd(
"modify=20260902101100;perm=dfr;size=8;type=OS.unix=symlink;unique=FE00U9C41B8;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0777;UNIX.owner=0;UNIX.ownername=ftp; link-to-data",
"link-to-data",
Link,
Some(8),
Some(LINK),
None,
Some(0o777),
Some("ftp"),
Some("nogroup"),
Some("dfr"),
Some("FE00U9C41B8"),
),
mlsd(
"modify=20261031000000;perm=adfr;size=8;type=file;unique=FE00U9C41BB;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0444;UNIX.owner=0;UNIX.ownername=ftp; résumé.txt",
"résumé.txt",
File,
Some(8),
Some(RESUME),
None,
Some(0o444),
Some("ftp"),
Some("nogroup"),
Some("adfr"),
Some("FE00U9C41BB"),
),
mlsd(
"modify=20260903000000;perm=fle;type=cdir;unique=FE00U9C41B6;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=ftp; .",
".",
Other,
None,
Some(ROOT_DIR),
None,
Some(0o755),
Some("ftp"),
Some("nogroup"),
Some("fle"),
Some("FE00U9C41B6"),
),
mlsd(
"modify=20260808080800;perm=dfrw;size=0;type=file;unique=FE00U9C41C1;UNIX.group=65534;UNIX.groupname=nogroup;UNIX.mode=0620;UNIX.owner=65534;UNIX.ownername=ftp; fifo",
"fifo",
File,
Some(0),
Some(FIFO),
None,
Some(0o620),
Some("ftp"),
Some("nogroup"),
Some("dfrw"),
Some("FE00U9C41C1"),
),
mlsd(
"modify=20260704120000;perm=adfrw;size=0;type=file;unique=FE00U9C41C0;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0666;UNIX.owner=0;UNIX.ownername=ftp; dev",
"dev",
File,
Some(0),
Some(DEV),
None,
Some(0o666),
Some("ftp"),
Some("nogroup"),
Some("adfrw"),
Some("FE00U9C41C0"),
),
mlsd(
"modify=20261120070800;perm=adfr;size=42;type=file;unique=FE00U9C41BD;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=ftp; recent.txt",
"recent.txt",
File,
Some(42),
Some(RECENT),
None,
Some(0o644),
Some("ftp"),
Some("nogroup"),
Some("adfr"),
Some("FE00U9C41BD"),
),
mlsd(
"modify=20260903000000;perm=fle;type=pdir;unique=FE00U9C41B6;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=ftp; ..",
"..",
Other,
None,
Some(ROOT_DIR),
None,
Some(0o755),
Some("ftp"),
Some("nogroup"),
Some("fle"),
Some("FE00U9C41B6"),
),
mlsd(
"modify=20240229100000;perm=dfr;size=2024;type=file;unique=FE00U9C41BA;UNIX.group=5678;UNIX.groupname=nogroup;UNIX.mode=0600;UNIX.owner=1234;UNIX.ownername=ftp; 2024 report.txt",
"2024 report.txt",
File,
Some(2024),
Some(REPORT),
None,
Some(0o600),
Some("ftp"),
Some("nogroup"),
Some("dfr"),
Some("FE00U9C41BA"),
),
mlsd(
"modify=20190304050600;perm=adfrw;size=4;type=file;unique=FE00U9C41BC;UNIX.group=65534;UNIX.groupname=nogroup;UNIX.mode=0664;UNIX.owner=102;UNIX.ownername=ftp; old.txt",
"old.txt",
File,
Some(4),
Some(OLD),
None,
Some(0o664),
Some("ftp"),
Some("nogroup"),
Some("adfrw"),
Some("FE00U9C41BC"),
),
mlsd(
"modify=20260630235900;perm=adfr;size=11;type=file;unique=FE00U9C41B9;UNIX.group=65534;UNIX.groupname=nogroup;UNIX.mode=0644;UNIX.owner=65534;UNIX.ownername=ftp; my file.txt",
"my file.txt",
File,
Some(11),
Some(MY_FILE),
None,
Some(0o644),
Some("ftp"),
Some("nogroup"),
Some("adfr"),
Some("FE00U9C41B9"),
),
mlsd(
"modify=20260901093000;perm=fle;type=dir;unique=FE00U9C41B7;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=ftp; docs",
"docs",
Dir,
None,
Some(DOCS),
None,
Some(0o755),
Some("ftp"),
Some("nogroup"),
Some("fle"),
Some("FE00U9C41B7"),
),
mlsd(
"modify=20260901093000;perm=fle;type=cdir;unique=FE00U9C41B7;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=ftp; .",
".",
Other,
None,
Some(DOCS),
None,
Some(0o755),
Some("ftp"),
Some("nogroup"),
Some("fle"),
Some("FE00U9C41B7"),
),
mlsd(
"modify=20260901093000;perm=adfr;size=1;type=file;unique=FE00U9C41C2;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=ftp; inner.txt",
"inner.txt",
File,
Some(1),
Some(DOCS),
None,
Some(0o644),
Some("ftp"),
Some("nogroup"),
Some("adfr"),
Some("FE00U9C41C2"),
),
];

// ProFTPD 1.3.8, second run on port 40124 with a local user `cap` (uid/gid 65534, from
// `AuthUserFile`, AuthOrder mod_auth_file.c mod_auth_unix.c, DefaultRoot ~ = the tree) and
// `FactsOptions UseSlink`. Command: LIST. Only these lines differ from the anonymous LIST:
// uid 65534 now shows as `cap`, and uid 102 is no longer resolved.
const PROFTPD_USER_LIST: &[Case] = &[
    list(
        "prw--w----   1 cap      nogroup         0 Aug  8 08:08 fifo",
        "fifo",
        Other,
        Some(0),
        Some(FIFO),
        None,
        Some(0o620),
        Some("cap"),
        Some("nogroup"),
    ),
    list(
        "-rw-r--r--   1 cap      nogroup        11 Jun 30 23:59 my file.txt",
        "my file.txt",
        File,
        Some(11),
        Some(MY_FILE),
        None,
        Some(0o644),
        Some("cap"),
        Some("nogroup"),
    ),
    list(
        "-rw-rw-r--   1 102      nogroup         4 Mar  4  2019 old.txt",
        "old.txt",
        File,
        Some(4),
        Some(OLD_DAY),
        None,
        Some(0o664),
        Some("102"),
        Some("nogroup"),
    ),
];

// ProFTPD 1.3.8 with user `cap`, command MLSD. UseSlink makes the link
// `type=OS.unix=slink:/data.bin` (the target as a path from the chroot root).
const PROFTPD_USER_MLSD: &[Case] = &[
mlsd(
"modify=20261010101000;perm=adfr;size=100;type=file;unique=FE00U9C41BE;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=04755;UNIX.owner=0;UNIX.ownername=cap; setuid-tool",
"setuid-tool",
File,
Some(100),
Some(SETUID),
None,
Some(0o4755),
Some("cap"),
Some("nogroup"),
Some("adfr"),
Some("FE00U9C41BE"),
),
mlsd(
"modify=20260820131400;perm=dfr;size=12345;type=file;unique=FE00U9C41B8;UNIX.group=5678;UNIX.groupname=nogroup;UNIX.mode=0640;UNIX.owner=1234;UNIX.ownername=cap; data.bin",
"data.bin",
File,
Some(12_345),
Some(DATA),
None,
Some(0o640),
Some("cap"),
Some("nogroup"),
Some("dfr"),
Some("FE00U9C41B8"),
),
mlsd(
"modify=20260902101100;perm=dfr;size=8;type=OS.unix=slink:/data.bin;unique=FE00U9C41B8;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0777;UNIX.owner=0;UNIX.ownername=cap; link-to-data",
"link-to-data",
Link,
Some(8),
Some(LINK),
Some("/data.bin"),
Some(0o777),
Some("cap"),
Some("nogroup"),
Some("dfr"),
Some("FE00U9C41B8"),
),
mlsd(
"modify=20261031000000;perm=adfr;size=8;type=file;unique=FE00U9C41BB;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0444;UNIX.owner=0;UNIX.ownername=cap; résumé.txt",
"résumé.txt",
File,
Some(8),
Some(RESUME),
None,
Some(0o444),
Some("cap"),
Some("nogroup"),
Some("adfr"),
Some("FE00U9C41BB"),
),
mlsd(
"modify=20260903000000;perm=fle;type=cdir;unique=FE00U9C41B6;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=cap; .",
".",
Other,
None,
Some(ROOT_DIR),
None,
Some(0o755),
Some("cap"),
Some("nogroup"),
Some("fle"),
Some("FE00U9C41B6"),
),
mlsd(
"modify=20260808080800;perm=adfrw;size=0;type=file;unique=FE00U9C41C1;UNIX.group=65534;UNIX.groupname=nogroup;UNIX.mode=0620;UNIX.owner=65534;UNIX.ownername=cap; fifo",
"fifo",
File,
Some(0),
Some(FIFO),
None,
Some(0o620),
Some("cap"),
Some("nogroup"),
Some("adfrw"),
Some("FE00U9C41C1"),
),
mlsd(
"modify=20260704120000;perm=adfrw;size=0;type=file;unique=FE00U9C41C0;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0666;UNIX.owner=0;UNIX.ownername=cap; dev",
"dev",
File,
Some(0),
Some(DEV),
None,
Some(0o666),
Some("cap"),
Some("nogroup"),
Some("adfrw"),
Some("FE00U9C41C0"),
),
mlsd(
"modify=20261120070800;perm=adfr;size=42;type=file;unique=FE00U9C41BD;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=cap; recent.txt",
"recent.txt",
File,
Some(42),
Some(RECENT),
None,
Some(0o644),
Some("cap"),
Some("nogroup"),
Some("adfr"),
Some("FE00U9C41BD"),
),
mlsd(
"modify=20260903000000;perm=fle;type=pdir;unique=FE00U9C41B6;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=cap; ..",
"..",
Other,
None,
Some(ROOT_DIR),
None,
Some(0o755),
Some("cap"),
Some("nogroup"),
Some("fle"),
Some("FE00U9C41B6"),
),
mlsd(
"modify=20240229100000;perm=dfr;size=2024;type=file;unique=FE00U9C41BA;UNIX.group=5678;UNIX.groupname=nogroup;UNIX.mode=0600;UNIX.owner=1234;UNIX.ownername=cap; 2024 report.txt",
"2024 report.txt",
File,
Some(2024),
Some(REPORT),
None,
Some(0o600),
Some("cap"),
Some("nogroup"),
Some("dfr"),
Some("FE00U9C41BA"),
),
mlsd(
"modify=20190304050600;perm=adfrw;size=4;type=file;unique=FE00U9C41BC;UNIX.group=65534;UNIX.groupname=nogroup;UNIX.mode=0664;UNIX.owner=102;UNIX.ownername=cap; old.txt",
"old.txt",
File,
Some(4),
Some(OLD),
None,
Some(0o664),
Some("cap"),
Some("nogroup"),
Some("adfrw"),
Some("FE00U9C41BC"),
),
mlsd(
"modify=20260630235900;perm=adfrw;size=11;type=file;unique=FE00U9C41B9;UNIX.group=65534;UNIX.groupname=nogroup;UNIX.mode=0644;UNIX.owner=65534;UNIX.ownername=cap; my file.txt",
"my file.txt",
File,
Some(11),
Some(MY_FILE),
None,
Some(0o644),
Some("cap"),
Some("nogroup"),
Some("adfrw"),
Some("FE00U9C41B9"),
),
mlsd(
"modify=20260901093000;perm=fle;type=dir;unique=FE00U9C41B7;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=cap; docs",
"docs",
Dir,
None,
Some(DOCS),
None,
Some(0o755),
Some("cap"),
Some("nogroup"),
Some("fle"),
Some("FE00U9C41B7"),
),
];

// ProFTPD 1.3.8 with user `cap`: `MLST data.bin`, `MLST link-to-data`, `MLST my file.txt`,
// `MLST docs`; the entry line of each `250-Start of list for NAME` reply. The name is the
// absolute path, and MLST follows the link (`type=file`) while still giving the link's
// own size, mode and time.
const PROFTPD_USER_MLST: &[Case] = &[
mlsd(
" modify=20260820131400;perm=dfr;size=12345;type=file;unique=FE00U9C41B8;UNIX.group=5678;UNIX.groupname=nogroup;UNIX.mode=0640;UNIX.owner=1234;UNIX.ownername=cap; /data.bin",
"/data.bin",
File,
Some(12_345),
Some(DATA),
None,
Some(0o640),
Some("cap"),
Some("nogroup"),
Some("dfr"),
Some("FE00U9C41B8"),
),
mlsd(
" modify=20260902101100;perm=dfr;size=8;type=file;unique=FE00U9C41B8;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0777;UNIX.owner=0;UNIX.ownername=cap; /link-to-data",
"/link-to-data",
File,
Some(8),
Some(LINK),
None,
Some(0o777),
Some("cap"),
Some("nogroup"),
Some("dfr"),
Some("FE00U9C41B8"),
),
mlsd(
" modify=20260630235900;perm=adfrw;size=11;type=file;unique=FE00U9C41B9;UNIX.group=65534;UNIX.groupname=nogroup;UNIX.mode=0644;UNIX.owner=65534;UNIX.ownername=cap; /my file.txt",
"/my file.txt",
File,
Some(11),
Some(MY_FILE),
None,
Some(0o644),
Some("cap"),
Some("nogroup"),
Some("adfrw"),
Some("FE00U9C41B9"),
),
mlsd(
" modify=20260901093000;perm=fle;type=dir;unique=FE00U9C41B7;UNIX.group=0;UNIX.groupname=nogroup;UNIX.mode=0755;UNIX.owner=0;UNIX.ownername=cap; /docs",
"/docs",
Dir,
None,
Some(DOCS),
None,
Some(0o755),
Some("cap"),
Some("nogroup"),
Some("fle"),
Some("FE00U9C41B7"),
),
];

// Pure-FTPd 1.0.50 (Debian pure-ftpd 1.0.50-2.1+b2, unpacked with `dpkg -x`; `--help`:
// "pure-ftpd v1.0.50 [privsep]"; greeting "220---------- Welcome to Pure-FTPd [privsep]
// [TLS] ----------"), `pure-ftpd -S 127.0.0.1,40125 -l extauth:authd.sock -A -E -H
// -p 40400:40499 -P 127.0.0.1 -u 1` with `pure-authd -s authd.sock -r auth.sh` mapping user
// `cap` to uid/gid 65534 and home = the tree (anonymous login would have used the system
// ftp user's home). Commands: LIST, LIST -a, LIST docs. Pure-FTPd leaves the device and
// the FIFO out of LIST; the reply to LIST starts `226-Options: -l`.
const PUREFTPD_LIST: &[Case] = &[
    list(
        "-rw-------    1 1234       5678             2024 Feb 29  2024 2024 report.txt",
        "2024 report.txt",
        File,
        Some(2024),
        Some(REPORT_DAY),
        None,
        Some(0o600),
        Some("1234"),
        Some("5678"),
    ),
    list(
        "-rw-r-----    1 1234       5678            12345 Aug 20 13:14 data.bin",
        "data.bin",
        File,
        Some(12_345),
        Some(DATA),
        None,
        Some(0o640),
        Some("1234"),
        Some("5678"),
    ),
    list(
        "drwxr-xr-x    2 0          0                4096 Sep  1 09:30 docs",
        "docs",
        Dir,
        Some(4096),
        Some(DOCS),
        None,
        Some(0o755),
        Some("0"),
        Some("0"),
    ),
    list(
        "lrwxrwxrwx    1 0          0                   8 Sep  2 10:11 link-to-data -> data.bin",
        "link-to-data",
        Link,
        Some(8),
        Some(LINK),
        Some("data.bin"),
        Some(0o777),
        Some("0"),
        Some("0"),
    ),
    list(
        "-rw-r--r--    1 65534      nogroup            11 Jun 30 23:59 my file.txt",
        "my file.txt",
        File,
        Some(11),
        Some(MY_FILE),
        None,
        Some(0o644),
        Some("65534"),
        Some("nogroup"),
    ),
    list(
        "-rw-rw-r--    1 102        nogroup             4 Mar  4  2019 old.txt",
        "old.txt",
        File,
        Some(4),
        Some(OLD_DAY),
        None,
        Some(0o664),
        Some("102"),
        Some("nogroup"),
    ),
    list(
        "-rw-r--r--    1 0          0                  42 Nov 20 07:08 recent.txt",
        "recent.txt",
        File,
        Some(42),
        Some(RECENT),
        None,
        Some(0o644),
        Some("0"),
        Some("0"),
    ),
    list(
        "-r--r--r--    1 0          0                   8 Oct 31 00:00 résumé.txt",
        "résumé.txt",
        File,
        Some(8),
        Some(RESUME),
        None,
        Some(0o444),
        Some("0"),
        Some("0"),
    ),
    list(
        "-rwsr-xr-x    1 0          0                 100 Oct 10 10:10 setuid-tool",
        "setuid-tool",
        File,
        Some(100),
        Some(SETUID),
        None,
        Some(0o4755),
        Some("0"),
        Some("0"),
    ),
    list(
        "drwxr-xr-x    3 0          0                4096 Sep  3 00:00 .",
        ".",
        Dir,
        Some(4096),
        Some(ROOT_DIR),
        None,
        Some(0o755),
        Some("0"),
        Some("0"),
    ),
    list(
        "drwxr-xr-x    3 0          0                4096 Sep  3 00:00 ..",
        "..",
        Dir,
        Some(4096),
        Some(ROOT_DIR),
        None,
        Some(0o755),
        Some("0"),
        Some("0"),
    ),
    list(
        "-rw-r--r--    1 0          0                   1 Sep  1 09:30 inner.txt",
        "inner.txt",
        File,
        Some(1),
        Some(DOCS),
        None,
        Some(0o644),
        Some("0"),
        Some("0"),
    ),
];

// Pure-FTPd 1.0.50 as above, command MLSD. Directories carry `sizd` instead of `size`, the
// device and FIFO are `type=unknown`, the link is `type=OS.unix=slink:` with an empty
// target, and owners are numeric (UNIX.uid/UNIX.gid).
const PUREFTPD_MLSD: &[Case] = &[
mlsd(
"type=file;size=100;modify=20261010101000;UNIX.mode=04755;UNIX.uid=0;UNIX.gid=0;unique=fe00g9c41be; setuid-tool",
"setuid-tool",
File,
Some(100),
Some(SETUID),
None,
Some(0o4755),
Some("0"),
Some("0"),
None,
Some("fe00g9c41be"),
),
mlsd(
"type=file;size=12345;modify=20260820131400;UNIX.mode=0640;UNIX.uid=1234;UNIX.gid=5678;unique=fe00g9c41b8; data.bin",
"data.bin",
File,
Some(12_345),
Some(DATA),
None,
Some(0o640),
Some("1234"),
Some("5678"),
None,
Some("fe00g9c41b8"),
),
mlsd(
"type=OS.unix=slink:;size=8;modify=20260902101100;UNIX.mode=0777;UNIX.uid=0;UNIX.gid=0;unique=fe00g9c41bf; link-to-data",
"link-to-data",
Link,
Some(8),
Some(LINK),
None,
Some(0o777),
Some("0"),
Some("0"),
None,
Some("fe00g9c41bf"),
),
mlsd(
"type=file;size=8;modify=20261031000000;UNIX.mode=0444;UNIX.uid=0;UNIX.gid=0;unique=fe00g9c41bb; résumé.txt",
"résumé.txt",
File,
Some(8),
Some(RESUME),
None,
Some(0o444),
Some("0"),
Some("0"),
None,
Some("fe00g9c41bb"),
),
mlsd(
"type=cdir;sizd=4096;modify=20260903000000;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=fe00g9c41b6; .",
".",
Other,
Some(4096),
Some(ROOT_DIR),
None,
Some(0o755),
Some("0"),
Some("0"),
None,
Some("fe00g9c41b6"),
),
mlsd(
"type=unknown;size=0;modify=20260808080800;UNIX.mode=0620;UNIX.uid=65534;UNIX.gid=65534;unique=fe00g9c41c1; fifo",
"fifo",
Other,
Some(0),
Some(FIFO),
None,
Some(0o620),
Some("65534"),
Some("65534"),
None,
Some("fe00g9c41c1"),
),
mlsd(
"type=unknown;size=0;modify=20260704120000;UNIX.mode=0666;UNIX.uid=0;UNIX.gid=0;unique=fe00g9c41c0; dev",
"dev",
Other,
Some(0),
Some(DEV),
None,
Some(0o666),
Some("0"),
Some("0"),
None,
Some("fe00g9c41c0"),
),
mlsd(
"type=file;size=42;modify=20261120070800;UNIX.mode=0644;UNIX.uid=0;UNIX.gid=0;unique=fe00g9c41bd; recent.txt",
"recent.txt",
File,
Some(42),
Some(RECENT),
None,
Some(0o644),
Some("0"),
Some("0"),
None,
Some("fe00g9c41bd"),
),
mlsd(
"type=pdir;sizd=4096;modify=20260903000000;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=fe00g9c41b6; ..",
"..",
Other,
Some(4096),
Some(ROOT_DIR),
None,
Some(0o755),
Some("0"),
Some("0"),
None,
Some("fe00g9c41b6"),
),
mlsd(
"type=file;size=2024;modify=20240229100000;UNIX.mode=0600;UNIX.uid=1234;UNIX.gid=5678;unique=fe00g9c41ba; 2024 report.txt",
"2024 report.txt",
File,
Some(2024),
Some(REPORT),
None,
Some(0o600),
Some("1234"),
Some("5678"),
None,
Some("fe00g9c41ba"),
),
mlsd(
"type=file;size=4;modify=20190304050600;UNIX.mode=0664;UNIX.uid=102;UNIX.gid=65534;unique=fe00g9c41bc; old.txt",
"old.txt",
File,
Some(4),
Some(OLD),
None,
Some(0o664),
Some("102"),
Some("65534"),
None,
Some("fe00g9c41bc"),
),
mlsd(
"type=file;size=11;modify=20260630235900;UNIX.mode=0644;UNIX.uid=65534;UNIX.gid=65534;unique=fe00g9c41b9; my file.txt",
"my file.txt",
File,
Some(11),
Some(MY_FILE),
None,
Some(0o644),
Some("65534"),
Some("65534"),
None,
Some("fe00g9c41b9"),
),
mlsd(
"type=dir;sizd=4096;modify=20260901093000;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=fe00g9c41b7; docs",
"docs",
Dir,
Some(4096),
Some(DOCS),
None,
Some(0o755),
Some("0"),
Some("0"),
None,
Some("fe00g9c41b7"),
),
];

// Pure-FTPd 1.0.50: `MLST data.bin`, `MLST link-to-data`; the entry line of each
// `250-Begin` reply (name relative, link not followed).
const PUREFTPD_MLST: &[Case] = &[
mlsd(
" type=file;size=12345;modify=20260820131400;UNIX.mode=0640;UNIX.uid=1234;UNIX.gid=5678;unique=fe00g9c41b8; data.bin",
"data.bin",
File,
Some(12_345),
Some(DATA),
None,
Some(0o640),
Some("1234"),
Some("5678"),
None,
Some("fe00g9c41b8"),
),
mlsd(
" type=OS.unix=slink:;size=8;modify=20260902101100;UNIX.mode=0777;UNIX.uid=0;UNIX.gid=0;unique=fe00g9c41bf; link-to-data",
"link-to-data",
Link,
Some(8),
Some(LINK),
None,
Some(0o777),
Some("0"),
Some("0"),
None,
Some("fe00g9c41bf"),
),
];

// BusyBox v1.35.0 ftpd. Debian's busybox (1:1.35.0-4+deb12u1+b1) and busybox-static are
// built without the ftpd and tcpsvd applets, so this is the same upstream version built
// from tag 1_35_0 (allnoconfig + FTPD, FEATURE_FTPD_ACCEPT_BROKEN_LIST, TCPSVD, LS with
// FEATURE_LS_* on, UNICODE_SUPPORT; FTPD_AUTHENTICATION off, so any login is accepted):
// `busybox tcpsvd -vE 127.0.0.1 40127 busybox ftpd -v /tmp/ftptree`. ftpd runs its `ls -lA`
// after chrooting, so no names resolve. Commands: LIST, LIST -a (identical: `-A` never
// shows `.` and `..`), LIST docs. No MLSD ("500 Unknown command"). Devices show
// `major,   minor`, and the directory comes first.
const BUSYBOX_LIST: &[Case] = &[
    list(
        "drwxr-xr-x    2 0        0             4096 Sep  1 09:30 docs",
        "docs",
        Dir,
        Some(4096),
        Some(DOCS),
        None,
        Some(0o755),
        Some("0"),
        Some("0"),
    ),
    list(
        "-rw-------    1 1234     5678          2024 Feb 29  2024 2024 report.txt",
        "2024 report.txt",
        File,
        Some(2024),
        Some(REPORT_DAY),
        None,
        Some(0o600),
        Some("1234"),
        Some("5678"),
    ),
    list(
        "-rw-r-----    1 1234     5678         12345 Aug 20 13:14 data.bin",
        "data.bin",
        File,
        Some(12_345),
        Some(DATA),
        None,
        Some(0o640),
        Some("1234"),
        Some("5678"),
    ),
    list(
        "crw-rw-rw-    1 0        0           1,   3 Jul  4 12:00 dev",
        "dev",
        Other,
        None,
        Some(DEV),
        None,
        Some(0o666),
        Some("0"),
        Some("0"),
    ),
    list(
        "prw--w----    1 65534    65534            0 Aug  8 08:08 fifo",
        "fifo",
        Other,
        Some(0),
        Some(FIFO),
        None,
        Some(0o620),
        Some("65534"),
        Some("65534"),
    ),
    list(
        "lrwxrwxrwx    1 0        0                8 Sep  2 10:11 link-to-data -> data.bin",
        "link-to-data",
        Link,
        Some(8),
        Some(LINK),
        Some("data.bin"),
        Some(0o777),
        Some("0"),
        Some("0"),
    ),
    list(
        "-rw-r--r--    1 65534    65534           11 Jun 30 23:59 my file.txt",
        "my file.txt",
        File,
        Some(11),
        Some(MY_FILE),
        None,
        Some(0o644),
        Some("65534"),
        Some("65534"),
    ),
    list(
        "-rw-rw-r--    1 102      65534            4 Mar  4  2019 old.txt",
        "old.txt",
        File,
        Some(4),
        Some(OLD_DAY),
        None,
        Some(0o664),
        Some("102"),
        Some("65534"),
    ),
    list(
        "-rw-r--r--    1 0        0               42 Nov 20 07:08 recent.txt",
        "recent.txt",
        File,
        Some(42),
        Some(RECENT),
        None,
        Some(0o644),
        Some("0"),
        Some("0"),
    ),
    list(
        "-r--r--r--    1 0        0                8 Oct 31 00:00 résumé.txt",
        "résumé.txt",
        File,
        Some(8),
        Some(RESUME),
        None,
        Some(0o444),
        Some("0"),
        Some("0"),
    ),
    list(
        "-rwsr-xr-x    1 0        0              100 Oct 10 10:10 setuid-tool",
        "setuid-tool",
        File,
        Some(100),
        Some(SETUID),
        None,
        Some(0o4755),
        Some("0"),
        Some("0"),
    ),
    list(
        "-rw-r--r--    1 0        0                1 Sep  1 09:30 inner.txt",
        "inner.txt",
        File,
        Some(1),
        Some(DOCS),
        None,
        Some(0o644),
        Some("0"),
        Some("0"),
    ),
];

// The same BusyBox v1.35.0 built without UNICODE_SUPPORT (port 40126): `ls` prints every
// byte >= 0x80 as `?`, so each of the two UTF-8 bytes of `é` became a `?`. Every other line
// was identical to the capture above.
const BUSYBOX_NO_UNICODE_LIST: &[Case] = &[list(
    "-r--r--r--    1 0        0                8 Oct 31 00:00 r??sum??.txt",
    "r??sum??.txt",
    File,
    Some(8),
    Some(RESUME),
    None,
    Some(0o444),
    Some("0"),
    Some("0"),
)];

#[test]
fn vsftpd_text_userdb_names_list() {
    check_list(VSFTPD_NAMES);
}

#[test]
fn vsftpd_numeric_ids_list() {
    check_list(VSFTPD_NUMERIC);
}

#[test]
fn proftpd_anonymous_list() {
    check_list(PROFTPD_ANON_LIST);
}

#[test]
fn proftpd_anonymous_mlsd() {
    check_mlsd(PROFTPD_ANON_MLSD);
}

#[test]
fn proftpd_user_list() {
    check_list(PROFTPD_USER_LIST);
}

#[test]
fn proftpd_user_mlsd() {
    check_mlsd(PROFTPD_USER_MLSD);
}

#[test]
fn proftpd_user_mlst() {
    check_mlsd(PROFTPD_USER_MLST);
}

#[test]
fn pureftpd_list() {
    check_list(PUREFTPD_LIST);
}

#[test]
fn pureftpd_mlsd() {
    check_mlsd(PUREFTPD_MLSD);
}

#[test]
fn pureftpd_mlst() {
    check_mlsd(PUREFTPD_MLST);
}

#[test]
fn busybox_list() {
    check_list(BUSYBOX_LIST);
}

#[test]
fn busybox_without_unicode_list() {
    check_list(BUSYBOX_NO_UNICODE_LIST);
}
