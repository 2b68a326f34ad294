//! A recursive download from servers whose listings are not Unix, DOS or MLSD: a scripted
//! OpenVMS server (`NAME.EXT;VERSION` lines, `X.DIR;1` directories, a long name whose
//! attributes come on the next line) and a scripted z/OS server (a dataset listing with its
//! header and a PDS shown as a directory). The tree walker `CWD`s into each directory and
//! reads `LIST` through the listing parsers; every file must arrive whole.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::sync::{mpsc, Arc};

use ftpkit::{Client, Credentials, Pool, Security, TreeSync};
use ftpkit_test_support::fake::FakeServer;
use ftpkit_test_support::scripted::serve;

/// A directory of the scripted server: its `LIST` text and its files (name as listed →
/// contents).
struct Dir {
    listing: String,
    files: Vec<(&'static str, Vec<u8>)>,
}

/// A server with `dirs` (absolute path → directory), answering `SYST` with `syst`.
fn start(syst: &'static str, dirs: BTreeMap<&'static str, Dir>) -> FakeServer {
    let dirs = Arc::new(dirs);
    FakeServer::start_many(move |c| {
        let dirs = dirs.clone();
        let (tx, _rx) = mpsc::channel();
        let mut cwd = String::from("/");
        serve(
            c,
            "220 legacy server",
            tx,
            move |c, ctx, verb, arg| match verb {
                "SYST" => Some(syst.into()),
                // No MLST: the walker lists with CWD + LIST.
                "FEAT" => Some("211-Features:\r\n SIZE\r\n211 End".into()),
                "PWD" => Some(format!("257 \"{cwd}\"")),
                "CWD" => {
                    let to = if arg.starts_with('/') {
                        arg.to_string()
                    } else {
                        format!("{}/{arg}", cwd.trim_end_matches('/'))
                    };
                    match dirs.contains_key(to.as_str()) {
                        true => {
                            cwd = to;
                            Some("250 ok".into())
                        }
                        false => Some("550 no such directory".into()),
                    }
                }
                "LIST" => {
                    let dir = &dirs[cwd.as_str()];
                    let mut d = ctx.accept();
                    c.send(b"150 listing\r\n");
                    let _ = d.write_all(dir.listing.as_bytes());
                    drop(d);
                    Some("226 done".into())
                }
                "SIZE" | "RETR" => {
                    let (parent, name) = arg.rsplit_once('/').unwrap_or(("", arg));
                    let parent = if parent.is_empty() { "/" } else { parent };
                    let file = dirs
                        .get(parent)
                        .and_then(|d| d.files.iter().find(|(n, _)| *n == name));
                    let Some((_, data)) = file else {
                        if verb == "RETR" {
                            drop(ctx.accept());
                        }
                        return Some(format!("550 {arg}: no such file"));
                    };
                    if verb == "SIZE" {
                        return Some(format!("213 {}", data.len()));
                    }
                    let mut d = ctx.accept();
                    c.send(b"150 sending\r\n");
                    let _ = d.write_all(data);
                    drop(d);
                    Some("226 done".into())
                }
                _ => None,
            },
        );
    })
}

fn download(server: &FakeServer, root: &str) -> (tempfile::TempDir, ftpkit::TreeReport) {
    let local = tempfile::tempdir().unwrap();
    let pool = Pool::new(
        Client::builder("127.0.0.1", Security::Plain).port(server.port()),
        Credentials::new("u", "p"),
        2,
    );
    let sync = TreeSync::download(root, local.path().join("copy"));
    let plan = sync.plan(&pool).expect("plan");
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let report = sync.run(&pool, &plan, None);
    assert!(
        report.is_success(),
        "{:#?}",
        report.failures().collect::<Vec<_>>()
    );
    (local, report)
}

#[test]
fn a_tree_comes_down_whole_from_an_openvms_listing() {
    let mut dirs = BTreeMap::new();
    dirs.insert(
        "/",
        Dir {
            listing: [
                "",
                "Directory DISK$USER:[FTPKIT]",
                "",
                "DATA.DIR;1               1/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)",
                "README.TXT;2             1/3          14-APR-1997 12:45:27  [GROUP,OWNER]    (RWED,,RWED,RE)",
                "UCX$REXECD_STARTUP.LOG;1098",
                "                         4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)",
                "",
                "Total of 3 files, 6/27 blocks.",
                "",
            ]
            .join("\r\n"),
            files: vec![
                ("README.TXT;2", b"read me\n".to_vec()),
                ("UCX$REXECD_STARTUP.LOG;1098", vec![7; 1800]),
            ],
        },
    );
    dirs.insert(
        "/DATA",
        Dir {
            listing: "REPORT.LIS;3            9/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)\r\n".into(),
            files: vec![("REPORT.LIS;3", (0..4000u32).map(|i| i as u8).collect())],
        },
    );
    let server = start("215 VMS OpenVMS V8.4", dirs);
    let (local, report) = download(&server, "/");
    let copy = local.path().join("copy");
    assert_eq!(fs::read(copy.join("README.TXT;2")).unwrap(), b"read me\n");
    assert_eq!(
        fs::read(copy.join("UCX$REXECD_STARTUP.LOG;1098")).unwrap(),
        vec![7; 1800]
    );
    assert_eq!(
        fs::read(copy.join("DATA/REPORT.LIS;3")).unwrap(),
        (0..4000u32).map(|i| i as u8).collect::<Vec<u8>>()
    );
    let files: Vec<String> = report
        .outcomes
        .iter()
        .filter(|o| o.op == ftpkit::Op::Transfer)
        .map(|o| o.path.to_string())
        .collect();
    assert_eq!(files.len(), 3, "{:#?}", report.outcomes);
}

#[test]
fn a_tree_comes_down_whole_from_a_zos_dataset_listing() {
    let mut dirs = BTreeMap::new();
    dirs.insert(
        "/",
        Dir {
            listing: [
                "Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname",
                "SAVE00 3390   2004/06/23  1    1  FB     128  6144  PS    INCOMING.RPTBM023.D061704",
                "PSMLC1 3390   2005/04/04  1    1  VB   27994 27998  PS    file3.I",
                "WPTA01 3290   2004/03/04  1    3  FB      80  3125  PO  LIB.CNTL",
                "WPTA02 3290   2004/03/04  1    3  FB      80  3125  PO  LIB.JCL",
                "",
            ]
            .join("\r\n"),
            files: vec![
                ("INCOMING.RPTBM023.D061704", b"report 23\n".to_vec()),
                ("file3.I", vec![3; 5000]),
            ],
        },
    );
    // A partitioned dataset whose members come as bare names: the walk's SYST says MVS.
    dirs.insert(
        "/LIB.JCL",
        Dir {
            listing: "BUILD\r\nDEPLOY\r\n".into(),
            files: vec![
                ("BUILD", b"//BUILD\n".to_vec()),
                ("DEPLOY", b"//DEPLOY\n".to_vec()),
            ],
        },
    );
    // A partitioned dataset: a directory of members, with the member listing's header.
    dirs.insert(
        "/LIB.CNTL",
        Dir {
            listing: [
                " Name     VV.MM   Created       Changed      Size  Init   Mod   Id",
                "SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001",
                "TBSHELF1  01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001",
                "",
            ]
            .join("\r\n"),
            files: vec![
                ("SAVE03", b"//SAVE03 JOB\n".to_vec()),
                ("TBSHELF1", b"//TBSHELF JOB\n".to_vec()),
            ],
        },
    );
    let server = start(
        "215 MVS is the operating system of this server. FTP Server is running on z/OS.",
        dirs,
    );
    let (local, _) = download(&server, "/");
    let copy = local.path().join("copy");
    assert_eq!(
        fs::read(copy.join("INCOMING.RPTBM023.D061704")).unwrap(),
        b"report 23\n"
    );
    assert_eq!(fs::read(copy.join("file3.I")).unwrap(), vec![3; 5000]);
    assert_eq!(
        fs::read(copy.join("LIB.CNTL/SAVE03")).unwrap(),
        b"//SAVE03 JOB\n"
    );
    assert_eq!(
        fs::read(copy.join("LIB.CNTL/TBSHELF1")).unwrap(),
        b"//TBSHELF JOB\n"
    );
    assert_eq!(fs::read(copy.join("LIB.JCL/BUILD")).unwrap(), b"//BUILD\n");
    assert_eq!(
        fs::read(copy.join("LIB.JCL/DEPLOY")).unwrap(),
        b"//DEPLOY\n"
    );
}

/// z/OS may list a PDS's members as bare names without a header: only the `SYST` reply
/// says what they are. Asked once, it is kept for the session's listings.
#[test]
fn bare_member_names_are_read_once_syst_said_mvs() {
    let mut dirs = BTreeMap::new();
    dirs.insert(
        "/",
        Dir {
            listing: "MEMBER1\r\nMEMBER2\r\n".into(),
            files: vec![],
        },
    );
    let server = start(
        "215 MVS is the operating system of this server. FTP Server is running on z/OS.",
        dirs,
    );
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    let before = ftp.list("").unwrap();
    assert!(
        before.iter().all(|e| e.kind == ftpkit::EntryKind::Unknown),
        "without the hint a bare word is no entry: {before:?}"
    );
    assert!(ftp.system().unwrap().starts_with("MVS"));
    let after = ftp.list("").unwrap();
    let names: Vec<String> = after.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(names, ["MEMBER1", "MEMBER2"], "{after:?}");
    assert!(
        after.iter().all(|e| e.kind == ftpkit::EntryKind::File),
        "{after:?}"
    );
}

/// z/OS names datasets with a quoted, fully qualified name: the quotes go to the server as
/// they are, and the file comes down.
#[test]
fn a_quoted_dataset_name_is_sent_as_it_is() {
    let mut dirs = BTreeMap::new();
    dirs.insert(
        "/",
        Dir {
            listing: String::new(),
            files: vec![("'HLQ.PAYROLL.DATA'", b"payroll\n".to_vec())],
        },
    );
    let server = start("215 MVS is the operating system of this server.", dirs);
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    let mut got = Vec::new();
    ftp.download_to("'HLQ.PAYROLL.DATA'", &mut got, None)
        .unwrap();
    assert_eq!(got, b"payroll\n");
}
