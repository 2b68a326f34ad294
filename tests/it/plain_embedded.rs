//! Plain-FTP integration tests of the client against the embedded libunftp server (see
//! `ftpkit_test_support::embedded`): no set-up needed, always runs. Results are checked through
//! the client and on the server's file system (`EmbeddedServer::root`, served as `/`).

use std::fs;
use std::io::{Read, Write};

use ftpkit::{Client, DataMode, EntryKind, Error, Phase, Security};
use ftpkit_test_support::data::prng_bytes;
use ftpkit_test_support::embedded::EmbeddedServer;

use crate::check::assert_reply;

/// Connects in plain FTP with the given data mode and logs in (any user is accepted).
fn connect(server: &EmbeddedServer, mode: DataMode) -> Client {
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .data_mode(mode)
        .connect()
        .expect("connect to the embedded server");
    assert_eq!(ftp.welcome().code(), 220, "greeting: {}", ftp.welcome());
    ftp.login("tester", "any password").expect("login");
    ftp
}

/// The whole session: mkdir, upload, MLSD listing, MLST, download, rename, delete.
fn core_round_trip(mode: DataMode) {
    let server = EmbeddedServer::start();
    let root = server.root();
    let mut ftp = connect(&server, mode);
    for name in ["MLST", "MLSD", "SIZE", "MDTM", "EPSV", "REST"] {
        assert!(
            ftp.features().has(name),
            "{name} not in {:?}",
            ftp.features()
        );
    }
    assert_eq!(ftp.pwd().expect("PWD"), "/");

    let made = ftp.mkdir("work").expect("MKD work");
    assert!(made.to_string().ends_with("work"), "MKD answered {made:?}");
    assert!(root.join("work").is_dir());
    ftp.cwd("work").expect("CWD work");
    assert_eq!(ftp.pwd().expect("PWD"), "/work");

    // Upload through the streaming writer.
    let data = prng_bytes(1, 200_000 + 3);
    let mut up = ftp.upload("data.bin").expect("STOR");
    for chunk in data.chunks(7_777) {
        up.write_all(chunk).expect("write");
    }
    assert_eq!(up.sent(), data.len() as u64);
    let reply = up.finish().expect("finish upload");
    assert!(reply.is_positive_completion(), "{reply}");
    assert_eq!(fs::read(root.join("work/data.bin")).unwrap(), data);

    // A second file and a subdirectory made on disk, for the listing.
    fs::write(root.join("work/notes with spaces.txt"), b"hello").unwrap();
    fs::create_dir(root.join("work/inner")).unwrap();

    // MLSD via list: kinds, sizes, names; no "." / "..".
    let mut entries = ftp.list("").expect("list");
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = entries.iter().map(|e| e.name.to_str().unwrap()).collect();
    assert_eq!(
        names,
        ["data.bin", "inner", "notes with spaces.txt"],
        "{entries:#?}"
    );
    assert_eq!(entries[0].kind, EntryKind::File);
    assert_eq!(entries[0].size, Some(data.len() as u64));
    assert!(entries[0].modified.is_some(), "{:?}", entries[0]);
    assert_eq!(entries[1].kind, EntryKind::Dir);
    assert_eq!(entries[2].kind, EntryKind::File);
    assert_eq!(entries[2].size, Some(5));
    // The same through MLSD by path, from elsewhere.
    ftp.cdup().expect("CDUP");
    let mut by_path = ftp.mlsd("work").expect("MLSD work");
    by_path.retain(|e| !matches!(e.name.to_str().unwrap(), "." | ".."));
    by_path.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = by_path.iter().map(|e| e.name.to_str().unwrap()).collect();
    assert_eq!(
        names,
        ["data.bin", "inner", "notes with spaces.txt"],
        "{by_path:#?}"
    );
    ftp.cwd("/work").expect("CWD /work");

    // MLST: one entry over the control connection. (Absolute paths: libunftp 0.24 resolves
    // an MLST path against the root, not the current directory.)
    let fact = ftp.mlst("/work/data.bin").expect("MLST");
    assert_eq!(fact.kind, EntryKind::File, "{fact:?}");
    assert_eq!(fact.size, Some(data.len() as u64));
    assert_eq!(fact.name, "/work/data.bin");
    let dir_fact = ftp.mlst("/work/inner").expect("MLST dir");
    assert_eq!(dir_fact.kind, EntryKind::Dir, "{dir_fact:?}");

    assert_eq!(ftp.size("data.bin").expect("SIZE"), data.len() as u64);

    // Download through the streaming reader and compare.
    let mut dl = ftp.download("data.bin").expect("RETR");
    let mut back = Vec::new();
    dl.read_to_end(&mut back).expect("read download");
    assert_eq!(dl.received(), data.len() as u64);
    let reply = dl.finish().expect("finish download");
    assert!(reply.is_positive_completion(), "{reply}");
    assert_eq!(back, data);
    // And through download_to.
    let mut again = Vec::new();
    let n = ftp
        .download_to("notes with spaces.txt", &mut again, None)
        .expect("download_to");
    assert_eq!((n, again.as_slice()), (5, &b"hello"[..]));

    // Rename, delete, remove the directory.
    ftp.rename("data.bin", "renamed.bin").expect("rename");
    assert!(!root.join("work/data.bin").exists());
    assert_eq!(fs::read(root.join("work/renamed.bin")).unwrap(), data);
    assert_eq!(ftp.size("renamed.bin").expect("SIZE"), data.len() as u64);
    ftp.delete("renamed.bin").expect("DELE");
    assert!(!root.join("work/renamed.bin").exists());
    ftp.delete("notes with spaces.txt").expect("DELE");
    ftp.rmdir("inner").expect("RMD inner");
    ftp.cdup().expect("CDUP");
    ftp.rmdir("work").expect("RMD work");
    assert!(!root.join("work").exists());
    assert_eq!(
        fs::read_dir(root).unwrap().count(),
        0,
        "the root is not empty"
    );

    // A missing file: libunftp 0.24 answers RETR with 150 first and reports the failure
    // in the final reply (550), so the error comes from the transfer, with 0 bytes.
    let mut sink = Vec::new();
    let err = ftp
        .download_to("missing.bin", &mut sink, None)
        .expect_err("download of a missing file");
    match &err {
        Error::Incomplete {
            received: 0,
            reply: Some(reply),
            ..
        } => assert_eq!(reply.code(), 550, "{err}"),
        other => panic!("expected Incomplete with a 550 final reply, got {other:?}"),
    }
    assert_eq!(err.phase(), Phase::Transfer);
    assert!(sink.is_empty());
    ftp.noop().expect("NOOP after a failed RETR");
    let err = ftp
        .delete("missing.bin")
        .expect_err("DELE of a missing file");
    assert_reply(&err, Phase::Command, 550);
    let err = ftp
        .cwd("missing-dir")
        .expect_err("CWD to a missing directory");
    assert_reply(&err, Phase::Command, 550);
    assert_eq!(ftp.pwd().expect("PWD"), "/");
    assert!(ftp.list("").expect("list").is_empty());
    ftp.quit().expect("QUIT");
}

#[test]
fn passive_core_round_trip() {
    core_round_trip(DataMode::Passive);
}

#[test]
fn active_core_round_trip() {
    core_round_trip(DataMode::Active);
}

#[test]
fn resume_from_an_offset() {
    let server = EmbeddedServer::start();
    let root = server.root();
    let mut ftp = connect(&server, DataMode::Passive);
    let data = prng_bytes(2, 150_001);

    // Download the tail of a file made on disk.
    fs::write(root.join("r.bin"), &data).unwrap();
    let offset = 65_537;
    let mut tail = Vec::new();
    let n = ftp
        .resume_download_to("r.bin", offset as u64, &mut tail, None)
        .expect("download from an offset");
    assert_eq!(n, (data.len() - offset) as u64);
    assert_eq!(tail, &data[offset..]);
    let mut dl = ftp
        .resume_download("r.bin", 150_000)
        .expect("RETR from the last byte");
    assert_eq!(dl.expected(), Some(1));
    let mut last = Vec::new();
    dl.read_to_end(&mut last).unwrap();
    dl.finish().expect("finish");
    assert_eq!(last, &data[150_000..]);

    // Upload the first part, then the rest with REST + STOR.
    let cut = 40_000;
    let sent = ftp
        .upload_from("u.bin", &mut &data[..cut], None, None)
        .expect("first part");
    assert_eq!(sent, cut as u64);
    assert_eq!(fs::read(root.join("u.bin")).unwrap(), &data[..cut]);
    let sent = ftp
        .resume_upload_from("u.bin", cut as u64, &mut &data[cut..], None, None)
        .expect("resumed upload");
    assert_eq!(sent, (data.len() - cut) as u64);
    assert_eq!(
        fs::read(root.join("u.bin")).unwrap(),
        data,
        "the resumed file differs"
    );
    assert_eq!(ftp.size("u.bin").expect("SIZE"), data.len() as u64);
    ftp.quit().expect("QUIT");
}

#[test]
fn zero_byte_file() {
    let server = EmbeddedServer::start();
    let root = server.root();
    let mut ftp = connect(&server, DataMode::Passive);

    // Upload nothing: the file exists, empty.
    let up = ftp.upload("empty.bin").expect("STOR");
    assert_eq!(up.sent(), 0);
    let reply = up.finish().expect("finish an empty upload");
    assert!(reply.is_positive_completion(), "{reply}");
    assert_eq!(fs::metadata(root.join("empty.bin")).unwrap().len(), 0);
    let sent = ftp
        .upload_from("empty2.bin", &mut &b""[..], Some(0), None)
        .expect("upload_from of nothing");
    assert_eq!(sent, 0);
    assert_eq!(fs::metadata(root.join("empty2.bin")).unwrap().len(), 0);

    assert_eq!(ftp.size("empty.bin").expect("SIZE"), 0);
    let entry = ftp.mlst("empty.bin").expect("MLST");
    assert_eq!((entry.kind, entry.size), (EntryKind::File, Some(0)));
    let entries = ftp.list("").expect("list");
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert!(entries.iter().all(|e| e.size == Some(0)), "{entries:#?}");

    // Download nothing: no bytes, a clean end.
    let mut dl = ftp.download("empty.bin").expect("RETR");
    let mut back = Vec::new();
    assert_eq!(dl.read_to_end(&mut back).expect("read"), 0);
    dl.finish().expect("finish an empty download");
    let mut sink = vec![1u8; 0];
    let n = ftp
        .download_to("empty2.bin", &mut sink, None)
        .expect("download_to");
    assert_eq!(n, 0);
    assert!(sink.is_empty());
    ftp.noop().expect("NOOP");
    ftp.quit().expect("QUIT");
}

#[test]
fn ipv6_passive_round_trip_and_active_refusal_explained() {
    let server = EmbeddedServer::start_ipv6();
    let connect = |mode| {
        let mut ftp = Client::builder("::1", Security::Plain)
            .port(server.port())
            .data_mode(mode)
            .connect()
            .unwrap();
        ftp.login("u", "p").unwrap();
        ftp
    };
    // Passive over IPv6 needs EPSV (PASV cannot carry an IPv6 address).
    let mut ftp = connect(DataMode::Passive);
    assert!(ftp.peer_addr().is_ipv6());
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    ftp.upload_from("v6.bin", &mut payload.as_slice(), None, None)
        .unwrap();
    assert_eq!(
        std::fs::read(server.root().join("v6.bin")).unwrap(),
        payload
    );
    let mut back = Vec::new();
    ftp.download_to("v6.bin", &mut back, None).unwrap();
    assert_eq!(back, payload);
    ftp.quit().unwrap();

    // Active over IPv6 needs EPRT, which libunftp 0.24 does not implement: a clear error.
    let mut ftp = connect(DataMode::Active);
    let err = ftp.nlst("").expect_err("libunftp has no EPRT");
    assert_eq!(err.phase(), Phase::DataConnect, "{err}");
    assert!(err.to_string().contains("EPRT |2|::1|"), "{err}");
    assert!(err.to_string().contains("passive"), "{err}");
    ftp.noop().unwrap();
}

#[test]
fn listing_cap_applies_to_vecs_not_to_streams() {
    let server = EmbeddedServer::start();
    for i in 0..5 {
        fs::write(server.root().join(format!("f{i}")), vec![b'x'; i]).unwrap();
    }
    let mut limits = ftpkit::Limits::default();
    limits.max_list_entries = 3;
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .limits(limits)
        .connect()
        .unwrap();
    ftp.login("u", "p").unwrap();
    let err = ftp.list("").expect_err("5 entries, cap 3");
    assert!(err.to_string().contains("max_list_entries"), "{err}");
    ftp.noop()
        .expect("the session is still in step after the cap");
    let mut sizes: Vec<u64> = ftp
        .list_stream("")
        .unwrap()
        .map(|e| e.unwrap().size.unwrap())
        .collect();
    sizes.sort();
    assert_eq!(sizes, vec![0, 1, 2, 3, 4]);
    let names = ftp.nlst("").expect_err("NLST is capped too");
    assert!(names.to_string().contains("max_list_entries"));
}
