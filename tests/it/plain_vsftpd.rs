//! Plain-FTP integration tests of the client against a real vsftpd 3.0.x (see
//! `ftpkit_test_support::vsftpd`). Every result is checked twice where possible: through the
//! client and on the server's file system (`Vsftpd::root`, which the FTP user sees as `/`).

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ftpkit::{Client, DataMode, EntryKind, Error, Phase, Security, TransferType};
use ftpkit_test_support::data::prng_bytes;
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};
use sha2::{Digest, Sha256};

use crate::check::assert_reply;

// ---------------------------------------------------------------------------
// helpers

/// Connects in plain FTP with the given data mode and logs in.
fn connect(server: &Vsftpd, mode: DataMode) -> Client {
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .data_mode(mode)
        .connect()
        .expect("connect to vsftpd");
    assert_eq!(ftp.welcome().code(), 220, "greeting: {}", ftp.welcome());
    ftp.login(server.user(), server.password()).expect("login");
    ftp
}

/// A cheap deterministic byte stream (xorshift64*), `len` bytes long, as a `Read`er that
/// also hashes what it hands out. The stream does not depend on the callers' buffer sizes.
struct PrngReader {
    state: u64,
    word: [u8; 8],
    used: usize,
    left: u64,
    hasher: Sha256,
}

impl PrngReader {
    fn new(seed: u64, len: u64) -> PrngReader {
        PrngReader {
            state: seed | 1,
            word: [0; 8],
            used: 8,
            left: len,
            hasher: Sha256::new(),
        }
    }

    fn next_word(&mut self) -> [u8; 8] {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes()
    }
}

impl Read for PrngReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let mut filled = 0;
        while filled < n {
            if self.used == 8 {
                self.word = self.next_word();
                self.used = 0;
            }
            let take = (8 - self.used).min(n - filled);
            buf[filled..filled + take].copy_from_slice(&self.word[self.used..self.used + take]);
            self.used += take;
            filled += take;
        }
        self.hasher.update(&buf[..n]);
        self.left -= n as u64;
        Ok(n)
    }
}

/// A `Write`r that only hashes and counts.
struct HashWriter {
    hasher: Sha256,
    len: u64,
}

impl HashWriter {
    fn new() -> HashWriter {
        HashWriter {
            hasher: Sha256::new(),
            len: 0,
        }
    }
}

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn set_mtime(path: &Path, t: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(t))
        .unwrap_or_else(|e| panic!("set mtime of {}: {e}", path.display()));
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).expect("stat").permissions().mode() & 0o7777
}

/// Uploads `data` with the streaming writer and returns the final reply code.
fn put(ftp: &mut Client, path: &str, data: &[u8]) -> u16 {
    let mut up = ftp.upload(path).expect("STOR");
    up.write_all(data).expect("write upload");
    assert_eq!(up.sent(), data.len() as u64);
    up.finish().expect("finish upload").code()
}

/// Downloads `path` with the streaming reader.
fn get(ftp: &mut Client, path: &str) -> Vec<u8> {
    let mut dl = ftp.download(path).expect("RETR");
    let mut out = Vec::new();
    dl.read_to_end(&mut out).expect("read download");
    assert_eq!(dl.received(), out.len() as u64);
    let reply = dl.finish().expect("finish download");
    assert_eq!(reply.code(), 226, "final reply {reply}");
    out
}

// ---------------------------------------------------------------------------
// 1. session commands

#[test]
fn login_and_session_commands() {
    if !require_vsftpd() {
        return;
    }
    // vsftpd sleeps a second before refusing a login by default; not needed here.
    let server = Vsftpd::builder().option("delay_failed_login", "0").start();

    // A wrong password: a Login-phase reply error with 530.
    let mut bad = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .connect()
        .expect("connect");
    let err = bad
        .login(server.user(), "definitely-not-the-password")
        .expect_err("login with a wrong password must fail");
    assert_reply(&err, Phase::Login, 530);
    assert_eq!(err.phase(), Phase::Login);
    assert!(
        !err.to_string().contains("definitely-not-the-password"),
        "the password leaked into the error: {err}"
    );
    drop(bad);

    let mut ftp = connect(&server, DataMode::Passive);
    assert_eq!(ftp.system().expect("SYST"), "UNIX Type: L8");
    assert_eq!(ftp.pwd().expect("PWD"), "/");
    ftp.noop().expect("NOOP");

    // FEAT was read at login.
    let features = ftp.features();
    for name in ["EPSV", "EPRT", "PASV", "SIZE", "MDTM", "REST", "TVFS"] {
        assert!(
            features.has(name),
            "{name} missing from FEAT: {:?}",
            features.names().collect::<Vec<_>>()
        );
    }
    assert_eq!(features.params("REST"), Some("STREAM"));
    assert!(!features.has("MLST"), "vsftpd has no MLST");
    assert!(!features.has("AUTH"), "TLS is off in this server");
    // vsftpd 3.0.3 announces UTF8 only with utf8_filesystem=YES (see below).
    assert!(!features.has("UTF8"));
    assert!(!server.log().contains("OPTS UTF8"));

    // STAT reflects the session, including the transfer type we set.
    ftp.transfer_type(TransferType::Binary).expect("TYPE I");
    let stat = ftp.stat("").expect("STAT");
    assert_eq!(stat.code(), 211, "{stat}");
    let text = stat.full_text();
    assert!(text.contains("Logged in as ftpclient-test"), "{text}");
    assert!(text.contains("TYPE: BINARY"), "{text}");
    assert!(text.contains("vsFTPd 3.0."), "{text}");

    // STAT path: a listing over the control connection.
    let f = server.write_file("/f", b"0123456789");
    let stat = ftp.stat("f").expect("STAT f");
    assert_eq!(stat.code(), 213, "{stat}");
    assert!(
        stat.lines()
            .iter()
            .any(|l| l.starts_with('-') && l.contains(" 10 ") && l.ends_with(" f")),
        "{stat:?}"
    );

    // SITE CHMOD changes the mode on disk.
    fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
    let reply = ftp.site("CHMOD 600 f").expect("SITE CHMOD");
    assert_eq!(reply.code(), 200, "{reply}");
    assert_eq!(mode_of(&f), 0o600);
    let reply = ftp.site("CHMOD 640 /f").expect("SITE CHMOD absolute");
    assert_eq!(reply.code(), 200, "{reply}");
    assert_eq!(mode_of(&f), 0o640);
    let err = ftp
        .site("CHMOD 600 missing")
        .expect_err("CHMOD of a missing file");
    assert_reply(&err, Phase::Command, 550);

    // raw() returns whatever the server answered, success or not.
    let reply = ftp.raw("NOOP").expect("raw NOOP");
    assert_eq!(reply.code(), 200, "{reply}");
    let reply = ftp.raw("SYST").expect("raw SYST");
    assert_eq!((reply.code(), reply.text()), (215, "UNIX Type: L8"));
    let reply = ftp.raw("XYZZY").expect("raw unknown command");
    assert_eq!(reply.code(), 500, "{reply}");
    ftp.noop().expect("NOOP after an unknown command");

    ftp.quit().expect("QUIT");
    let log = server.log();
    assert!(log.contains("\"QUIT\""), "{log}");
}

#[test]
fn utf8_feature_turns_on_utf8_paths() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::builder().option("utf8_filesystem", "YES").start();
    let mut ftp = connect(&server, DataMode::Passive);
    assert!(ftp.features().has("UTF8"), "{:?}", ftp.features());
    let log = server.log();
    assert!(log.contains("\"OPTS UTF8 ON\""), "{log}");
    assert!(log.contains("200 Always in UTF8 mode."), "{log}");

    // A non-ASCII name goes through unchanged, both ways.
    assert_eq!(put(&mut ftp, "grüße €.txt", "ünïcödé".as_bytes()), 226);
    assert_eq!(
        fs::read(server.root().join("grüße €.txt")).unwrap(),
        "ünïcödé".as_bytes()
    );
    assert_eq!(ftp.mkdir("ダウンロード").expect("MKD"), "/ダウンロード");
    assert!(server.root().join("ダウンロード").is_dir());
    let mut names = ftp.nlst("").expect("NLST");
    names.sort();
    assert_eq!(names, ["grüße €.txt", "ダウンロード"]);
    ftp.quit().expect("QUIT");
}

// ---------------------------------------------------------------------------
// 2. directories, delete, rename, size, mdtm

#[test]
fn directories_and_file_commands() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let root = server.root();
    let mut ftp = connect(&server, DataMode::Passive);

    assert_eq!(ftp.mkdir("dir").expect("MKD dir"), "/dir");
    assert!(root.join("dir").is_dir());
    ftp.cwd("dir").expect("CWD dir");
    assert_eq!(ftp.pwd().unwrap(), "/dir");
    assert_eq!(ftp.mkdir("sub dir").expect("MKD relative"), "/dir/sub dir");
    assert!(root.join("dir/sub dir").is_dir());
    ftp.cwd("sub dir").expect("CWD with a space");
    assert_eq!(ftp.pwd().unwrap(), "/dir/sub dir");
    ftp.cdup().expect("CDUP");
    assert_eq!(ftp.pwd().unwrap(), "/dir");
    let err = ftp.cwd("nope").expect_err("CWD to a missing directory");
    assert_reply(&err, Phase::Command, 550);
    assert_eq!(ftp.pwd().unwrap(), "/dir");
    let err = ftp
        .mkdir("sub dir")
        .expect_err("MKD of an existing directory");
    assert_reply(&err, Phase::Command, 550);

    // A directory with something in it cannot be removed.
    server.write_file("/dir/sub dir/x", b"x");
    let err = ftp
        .rmdir("sub dir")
        .expect_err("RMD of a non-empty directory");
    assert_reply(&err, Phase::Command, 550);
    assert!(root.join("dir/sub dir").is_dir());
    fs::remove_file(root.join("dir/sub dir/x")).unwrap();
    ftp.rmdir("sub dir").expect("RMD");
    assert!(!root.join("dir/sub dir").exists());
    ftp.cdup().expect("CDUP");
    assert_eq!(ftp.pwd().unwrap(), "/");
    ftp.rmdir("/dir").expect("RMD absolute");
    assert!(!root.join("dir").exists());

    // DELE
    let victim = server.write_file("/victim.txt", b"bye");
    ftp.delete("victim.txt").expect("DELE");
    assert!(!victim.exists());
    let err = ftp
        .delete("victim.txt")
        .expect_err("DELE of a missing file");
    assert_reply(&err, Phase::Command, 550);

    // RNFR/RNTO, into another directory too.
    server.write_file("/a.txt", b"contents of a");
    fs::create_dir(root.join("moved")).unwrap();
    server.chown_tree();
    ftp.rename("a.txt", "b.txt").expect("rename");
    assert!(!root.join("a.txt").exists());
    assert_eq!(fs::read(root.join("b.txt")).unwrap(), b"contents of a");
    ftp.rename("/b.txt", "/moved/c d.txt")
        .expect("rename across directories");
    assert_eq!(
        fs::read(root.join("moved/c d.txt")).unwrap(),
        b"contents of a"
    );
    let err = ftp
        .rename("missing", "x")
        .expect_err("RNFR of a missing file");
    assert_reply(&err, Phase::Command, 550);
    assert!(!root.join("x").exists());

    // SIZE
    let data = prng_bytes(2, 12_345);
    server.write_file("/sized.bin", &data);
    assert_eq!(ftp.size("sized.bin").expect("SIZE"), 12_345);
    assert_eq!(ftp.size("/moved/c d.txt").expect("SIZE"), 13);
    let err = ftp.size("missing").expect_err("SIZE of a missing file");
    assert_reply(&err, Phase::Command, 550);

    // MDTM, against the mtime on disk (UTC, whole seconds).
    let path = root.join("sized.bin");
    let when = UNIX_EPOCH + Duration::new(1_614_834_367, 750_000_000); // 2021-03-04 05:06:07.75
    set_mtime(&path, when);
    let disk = fs::metadata(&path).unwrap().modified().unwrap();
    let disk_secs = disk.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(disk_secs, 1_614_834_367);
    let mdtm = ftp.mdtm("sized.bin").expect("MDTM");
    assert_eq!(mdtm, UNIX_EPOCH + Duration::from_secs(disk_secs));
    // And a file modified just now.
    let fresh = server.write_file("/fresh.txt", b"now");
    let disk_secs = fs::metadata(&fresh)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mdtm = ftp.mdtm("/fresh.txt").expect("MDTM");
    assert_eq!(mdtm, UNIX_EPOCH + Duration::from_secs(disk_secs));
    let err = ftp.mdtm("missing").expect_err("MDTM of a missing file");
    assert_reply(&err, Phase::Command, 550);

    ftp.quit().expect("QUIT");
}

// ---------------------------------------------------------------------------
// 3. passive and active round trips

fn small_round_trip(mode: DataMode, proof: &[&str]) {
    let server = Vsftpd::start();
    let mut ftp = connect(&server, mode);
    let data = prng_bytes(3, 5 * 1024 + 17);

    assert_eq!(put(&mut ftp, "small.bin", &data), 226);
    assert_eq!(fs::read(server.root().join("small.bin")).unwrap(), data);
    assert_eq!(get(&mut ftp, "small.bin"), data);

    // An empty file: the data connection opens and closes at once.
    assert_eq!(put(&mut ftp, "empty.bin", b""), 226);
    assert_eq!(
        fs::metadata(server.root().join("empty.bin")).unwrap().len(),
        0
    );
    assert_eq!(get(&mut ftp, "empty.bin"), b"");
    ftp.delete("empty.bin").expect("DELE empty.bin");

    // A second transfer on the same session, and a listing, in the same mode.
    let data2 = prng_bytes(4, 3000);
    assert_eq!(put(&mut ftp, "second.bin", &data2), 226);
    assert_eq!(fs::read(server.root().join("second.bin")).unwrap(), data2);
    let mut names = ftp.nlst("").expect("NLST");
    names.sort();
    assert_eq!(names, ["second.bin", "small.bin"]);
    assert_eq!(get(&mut ftp, "second.bin"), data2);
    ftp.quit().expect("QUIT");

    // The log proves which kind of data connection was used.
    let log = server.log();
    for word in proof {
        assert!(log.contains(word), "{word} not in the log:\n{log}");
    }
}

#[test]
fn passive_round_trip() {
    if !require_vsftpd() {
        return;
    }
    small_round_trip(
        DataMode::Passive,
        &["\"EPSV\"", "229 Entering Extended Passive Mode"],
    );
}

#[test]
fn active_round_trip() {
    if !require_vsftpd() {
        return;
    }
    small_round_trip(
        DataMode::Active,
        &["\"PORT 127,0,0,1,", "200 PORT command successful"],
    );
}

// ---------------------------------------------------------------------------
// 4. 64 MiB

#[test]
fn large_binary_round_trip_sha256() {
    if !require_vsftpd() {
        return;
    }
    const LEN: u64 = 64 * 1024 * 1024;
    let server = Vsftpd::start();
    let mut ftp = connect(&server, DataMode::Passive);

    let mut source = PrngReader::new(0x5eed_cafe, LEN);
    let mut last_progress = 0;
    let mut progress = |done: u64, total: Option<u64>| {
        assert!(done >= last_progress, "progress went backwards");
        assert_eq!(total, Some(LEN));
        last_progress = done;
    };
    let sent = ftp
        .upload_from("big.bin", &mut source, Some(LEN), Some(&mut progress))
        .expect("upload 64 MiB");
    assert_eq!(sent, LEN);
    assert_eq!(last_progress, LEN);
    assert_eq!(source.left, 0);
    let uploaded = source.hasher.finalize();

    // On disk: the size, and the hash of the bytes (streamed, not loaded).
    let local = server.root().join("big.bin");
    assert_eq!(fs::metadata(&local).unwrap().len(), LEN);
    let mut on_disk = HashWriter::new();
    io::copy(&mut fs::File::open(&local).unwrap(), &mut on_disk).unwrap();
    assert_eq!(on_disk.len, LEN);
    assert_eq!(
        on_disk.hasher.finalize(),
        uploaded,
        "the file on disk differs"
    );

    assert_eq!(ftp.size("big.bin").expect("SIZE"), LEN);
    let mut sink = HashWriter::new();
    let received = ftp
        .download_to("big.bin", &mut sink, None)
        .expect("download 64 MiB");
    assert_eq!(received, LEN);
    assert_eq!(sink.len, LEN);
    assert_eq!(sink.hasher.finalize(), uploaded, "the download differs");
    ftp.quit().expect("QUIT");
}

// ---------------------------------------------------------------------------
// 5. resume and append

#[test]
fn resume_download_upload_and_append() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let root = server.root();
    let mut ftp = connect(&server, DataMode::Passive);
    let data = prng_bytes(5, 300_000);

    // Download from an offset.
    server.write_file("/r.bin", &data);
    let offset = 123_457;
    let mut tail = Vec::new();
    let n = ftp
        .resume_download_to("r.bin", offset as u64, &mut tail, None)
        .expect("download from an offset");
    assert_eq!(n, (data.len() - offset) as u64);
    assert_eq!(tail, &data[offset..]);
    // The streaming form announces the remaining size.
    {
        let mut dl = ftp
            .resume_download("r.bin", 299_990)
            .expect("RETR from offset");
        assert_eq!(dl.expected(), Some(10));
        let mut last = Vec::new();
        dl.read_to_end(&mut last).unwrap();
        assert_eq!(last, &data[299_990..]);
        dl.finish().expect("finish");
    }
    assert!(server.log().contains("\"REST 123457\""));

    // Upload part of a file, then resume it with REST + STOR.
    let cut = 100_000;
    let sent = ftp
        .upload_from("u.bin", &mut &data[..cut], None, None)
        .expect("first part");
    assert_eq!(sent, cut as u64);
    assert_eq!(fs::read(root.join("u.bin")).unwrap(), &data[..cut]);
    let mut reported = 0;
    let mut progress = |done: u64, _total: Option<u64>| reported = done;
    let sent = ftp
        .resume_upload_from(
            "u.bin",
            cut as u64,
            &mut &data[cut..],
            Some(data.len() as u64),
            Some(&mut progress),
        )
        .expect("resumed upload");
    assert_eq!(sent, (data.len() - cut) as u64);
    assert_eq!(
        reported,
        data.len() as u64,
        "progress counts from the offset"
    );
    assert_eq!(
        fs::read(root.join("u.bin")).unwrap(),
        data,
        "the resumed file differs"
    );
    assert!(server.log().contains("\"REST 100000\""));

    // APPE appends, and creates a missing file.
    assert_eq!(put(&mut ftp, "log.txt", b"hello "), 226);
    let mut up = ftp.append("log.txt").expect("APPE");
    up.write_all(b"world").unwrap();
    assert_eq!(up.finish().expect("finish APPE").code(), 226);
    assert_eq!(fs::read(root.join("log.txt")).unwrap(), b"hello world");
    let mut up = ftp.append("new.txt").expect("APPE to a new file");
    up.write_all(b"fresh").unwrap();
    up.finish().expect("finish APPE");
    assert_eq!(fs::read(root.join("new.txt")).unwrap(), b"fresh");
    ftp.quit().expect("QUIT");
}

// ---------------------------------------------------------------------------
// 6. listings

#[test]
fn listing_of_a_tree_made_on_disk() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let tree = server.root().join("tree");
    fs::create_dir(&tree).unwrap();
    fs::write(tree.join("plain.txt"), prng_bytes(6, 1234)).unwrap();
    fs::create_dir(tree.join("subdir")).unwrap();
    fs::write(tree.join("subdir/inner"), b"inner").unwrap();
    std::os::unix::fs::symlink("plain.txt", tree.join("link")).unwrap();
    fs::write(tree.join("my file.txt"), b"spaces!").unwrap();
    // An old date (ls shows the year) and a recent one (ls shows the time).
    let old = UNIX_EPOCH + Duration::from_secs(1_577_934_245); // 2020-01-02 03:04:05 UTC
    set_mtime(&tree.join("plain.txt"), old);
    let recent = SystemTime::now() - Duration::from_secs(3600);
    set_mtime(&tree.join("my file.txt"), recent);
    server.chown_tree();

    let mut ftp = connect(&server, DataMode::Passive);
    let mut entries = ftp.list("tree").expect("LIST tree");
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = entries.iter().map(|e| e.name.to_str().unwrap()).collect();
    assert_eq!(
        names,
        ["link", "my file.txt", "plain.txt", "subdir"],
        "{entries:#?}"
    );

    let link = &entries[0];
    assert_eq!(link.kind, EntryKind::Link, "{link:?}");
    assert_eq!(
        link.link_target.as_ref().and_then(|t| t.to_str()),
        Some("plain.txt")
    );
    assert_eq!(link.size, Some("plain.txt".len() as u64));

    let spaced = &entries[1];
    assert_eq!(spaced.kind, EntryKind::File, "{spaced:?}");
    assert_eq!(spaced.size, Some(7));
    assert_eq!(spaced.link_target, None);
    // ls -l shows minutes for recent files; use_localtime=NO, so UTC.
    let recent_min = recent.duration_since(UNIX_EPOCH).unwrap().as_secs() / 60 * 60;
    assert_eq!(
        spaced.modified,
        Some(UNIX_EPOCH + Duration::from_secs(recent_min))
    );

    let plain = &entries[2];
    assert_eq!(plain.kind, EntryKind::File, "{plain:?}");
    assert_eq!(plain.size, Some(1234));
    assert_eq!(plain.unix_mode, Some(0o644));
    // Old files: the date only.
    assert_eq!(
        plain.modified,
        Some(UNIX_EPOCH + Duration::from_secs(1_577_923_200))
    );

    let subdir = &entries[3];
    assert_eq!(subdir.kind, EntryKind::Dir, "{subdir:?}");
    assert_eq!(subdir.unix_mode, Some(0o755));

    // The same from inside the directory, through list (LIST: no MLST here).
    ftp.cwd("tree").expect("CWD tree");
    let mut again = ftp.list("").expect("list");
    again.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(again, entries);

    let mut names = ftp.nlst("").expect("NLST");
    names.sort();
    assert_eq!(names, ["link", "my file.txt", "plain.txt", "subdir"]);
    assert_eq!(ftp.nlst("subdir").expect("NLST subdir"), ["subdir/inner"]);

    let raw = ftp.list_raw("").expect("LIST raw");
    assert_eq!(raw.len(), 4, "{raw:#?}");
    assert!(
        raw.iter().any(|l| l.ends_with(" link -> plain.txt")),
        "{raw:#?}"
    );

    // vsftpd has no MLSD/MLST: a clean 500, and the session goes on.
    let err = ftp.mlsd("").expect_err("MLSD on vsftpd");
    assert_reply(&err, Phase::Transfer, 500);
    let err = ftp.mlst("plain.txt").expect_err("MLST on vsftpd");
    assert_reply(&err, Phase::Command, 500);
    ftp.noop().expect("NOOP after MLSD");
    assert_eq!(ftp.list("").expect("LIST after MLSD").len(), 4);
    ftp.quit().expect("QUIT");
}

// ---------------------------------------------------------------------------
// 7. ASCII mode

#[test]
fn ascii_mode_default_vsftpd_keeps_bytes() {
    if !require_vsftpd() {
        return;
    }
    // vsftpd.conf(5): ascii_upload_enable and ascii_download_enable default to NO, so
    // TYPE A is accepted but the bytes are stored and sent as they are.
    let server = Vsftpd::start();
    let root = server.root();
    let mut ftp = connect(&server, DataMode::Passive);
    ftp.transfer_type(TransferType::Ascii).expect("TYPE A");
    let stat = ftp.stat("").expect("STAT").full_text();
    assert!(stat.contains("TYPE: ASCII"), "{stat}");

    assert_eq!(put(&mut ftp, "lf.txt", b"a\nb\n"), 226);
    assert_eq!(fs::read(root.join("lf.txt")).unwrap(), b"a\nb\n");
    assert_eq!(put(&mut ftp, "crlf.txt", b"c\r\nd\r\n"), 226);
    assert_eq!(fs::read(root.join("crlf.txt")).unwrap(), b"c\r\nd\r\n");
    assert_eq!(get(&mut ftp, "lf.txt"), b"a\nb\n");

    ftp.transfer_type(TransferType::Binary).expect("TYPE I");
    assert_eq!(get(&mut ftp, "crlf.txt"), b"c\r\nd\r\n");
    let log = server.log();
    assert!(log.contains("\"TYPE A\""), "{log}");
    // With ascii_download_enable=NO vsftpd says so itself, even under TYPE A.
    assert!(
        log.contains("150 Opening BINARY mode data connection for lf.txt (4 bytes)."),
        "{log}"
    );
    ftp.quit().expect("QUIT");
}

#[test]
fn ascii_mode_honoured_when_enabled() {
    if !require_vsftpd() {
        return;
    }
    // With ASCII transfers honoured, vsftpd strips CR before LF on upload and adds CR
    // before LF on download; binary transfers are untouched.
    let server = Vsftpd::builder()
        .option("ascii_upload_enable", "YES")
        .option("ascii_download_enable", "YES")
        .start();
    let root = server.root();
    let mut ftp = connect(&server, DataMode::Passive);
    ftp.transfer_type(TransferType::Ascii).expect("TYPE A");
    assert_eq!(put(&mut ftp, "crlf.txt", b"c\r\nd\r\n"), 226);
    assert_eq!(fs::read(root.join("crlf.txt")).unwrap(), b"c\nd\n");
    assert_eq!(put(&mut ftp, "lf.txt", b"a\nb\n"), 226);
    assert_eq!(fs::read(root.join("lf.txt")).unwrap(), b"a\nb\n");
    assert_eq!(get(&mut ftp, "lf.txt"), b"a\r\nb\r\n");
    assert!(server
        .log()
        .contains("150 Opening ASCII mode data connection for lf.txt (4 bytes)."));

    ftp.transfer_type(TransferType::Binary).expect("TYPE I");
    assert_eq!(put(&mut ftp, "bin.txt", b"e\r\nf\r\n"), 226);
    assert_eq!(fs::read(root.join("bin.txt")).unwrap(), b"e\r\nf\r\n");
    assert_eq!(get(&mut ftp, "lf.txt"), b"a\nb\n");
    ftp.quit().expect("QUIT");
}

// ---------------------------------------------------------------------------
// 8. errors

#[test]
fn errors_keep_the_session_usable() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let root = server.root();
    let mut ftp = connect(&server, DataMode::Passive);

    // RETR of a missing file.
    let err = ftp
        .download("missing.bin")
        .map(drop)
        .expect_err("RETR of a missing file");
    assert_reply(&err, Phase::Transfer, 550);
    ftp.noop().expect("NOOP after a failed RETR");
    let mut sink = Vec::new();
    let err = ftp
        .download_to("missing.bin", &mut sink, None)
        .expect_err("download of a missing file");
    assert_reply(&err, Phase::Transfer, 550);
    assert!(sink.is_empty());
    // STOR into a missing directory.
    let err = ftp
        .upload("no/such/dir.bin")
        .map(drop)
        .expect_err("STOR into a missing directory");
    assert_reply(&err, Phase::Transfer, 553);
    ftp.noop().expect("NOOP after a failed STOR");
    // Transfers still work.
    assert!(!root.join("no").exists());
    assert_eq!(put(&mut ftp, "after.bin", b"still working"), 226);
    assert_eq!(fs::read(root.join("after.bin")).unwrap(), b"still working");
    assert_eq!(get(&mut ftp, "after.bin"), b"still working");

    // Line breaks in arguments are refused before anything is sent.
    let keep = server.write_file("/keep.txt", b"keep me");
    let before = server.log().len();
    let check = |err: Error| match err {
        Error::InvalidArgument { .. } => {}
        other => panic!("expected InvalidArgument, got {other:?}"),
    };
    check(ftp.delete("keep.txt\r\nDELE keep.txt").unwrap_err());
    check(ftp.delete("x\nDELE keep.txt").unwrap_err());
    check(ftp.delete("keep.txt\0").unwrap_err());
    check(ftp.cwd("/\r\nDELE keep.txt").unwrap_err());
    check(ftp.rename("keep.txt", "y\r\nDELE keep.txt").unwrap_err());
    check(ftp.raw("NOOP\r\nDELE keep.txt").unwrap_err());
    check(
        ftp.download("keep.txt\r\nDELE keep.txt")
            .map(drop)
            .unwrap_err(),
    );
    check(ftp.upload("new\r\nDELE keep.txt").map(drop).unwrap_err());
    check(ftp.list("\r\nDELE keep.txt").unwrap_err());
    ftp.noop().expect("NOOP after refused arguments");
    let log = server.log();
    let new = &log[before..];
    assert!(
        new.contains("\"NOOP\""),
        "the NOOP is not in the log: {new}"
    );
    assert!(!new.contains("DELE"), "a DELE reached the server:\n{new}");
    assert!(
        !new.contains("RNFR"),
        "RNFR was sent before RNTO was checked:\n{new}"
    );
    let commands = new.lines().filter(|l| l.contains("FTP command:")).count();
    assert_eq!(commands, 1, "only the NOOP may have been sent:\n{new}");
    assert_eq!(fs::read(&keep).unwrap(), b"keep me");
    assert_eq!(ftp.pwd().unwrap(), "/");
    ftp.quit().expect("QUIT");
}

// ---------------------------------------------------------------------------
// 9. an abandoned download

#[test]
fn dropped_download_leaves_the_session_usable() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    // 128 MiB, far more than loopback socket buffers hold, so the server is still
    // sending when we give up. Only the first MiB is written; the rest is a hole.
    let head = prng_bytes(9, 1024 * 1024);
    let path = server.write_file("/huge.bin", &head);
    fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(128 * 1024 * 1024))
        .unwrap();
    server.write_file("/small.txt", b"small file");

    let mut ftp = connect(&server, DataMode::Passive);
    {
        let mut dl = ftp.download("huge.bin").expect("RETR huge.bin");
        assert_eq!(dl.expected(), Some(128 * 1024 * 1024));
        let mut first = vec![0u8; 100 * 1024];
        dl.read_exact(&mut first).expect("read the start");
        assert_eq!(first, &head[..first.len()]);
        // Dropped here, mid-transfer.
    }
    ftp.noop().expect("NOOP after the dropped download");
    assert_eq!(get(&mut ftp, "small.txt"), b"small file");
    // And an explicit abort behaves the same.
    {
        let mut dl = ftp.download("huge.bin").expect("RETR huge.bin again");
        let mut first = [0u8; 10];
        dl.read_exact(&mut first).unwrap();
        assert_eq!(first, head[..10]);
        dl.abort().expect("abort");
    }
    assert_eq!(get(&mut ftp, "small.txt"), b"small file");
    ftp.quit().expect("QUIT");

    // The server saw both downloads fail, not complete.
    let log = server.log();
    let failures = log.matches("426 Failure writing network stream.").count();
    assert_eq!(failures, 2, "{log}");
}

#[test]
fn dropped_upload_is_not_taken_for_complete() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let mut ftp = connect(&server, DataMode::Passive);
    let data = prng_bytes(10, 200_000);
    {
        let mut up = ftp.upload("partial.bin").expect("STOR");
        up.write_all(&data).expect("write");
        up.flush().expect("flush");
        // Dropped without finish(): the server must see an abort, not an end of file.
    }
    ftp.noop().expect("NOOP after the dropped upload");
    assert_eq!(put(&mut ftp, "whole.bin", &data), 226);
    assert_eq!(fs::read(server.root().join("whole.bin")).unwrap(), data);
    ftp.quit().expect("QUIT");

    let log = server.log();
    assert!(
        log.contains("FAIL UPLOAD: Client \"127.0.0.1\", \"/partial.bin\""),
        "{log}"
    );
    assert!(
        !log.contains("OK UPLOAD: Client \"127.0.0.1\", \"/partial.bin\""),
        "{log}"
    );
    assert!(log.contains("426 Failure reading network stream."), "{log}");
    assert!(
        log.contains("OK UPLOAD: Client \"127.0.0.1\", \"/whole.bin\", 200000 bytes"),
        "{log}"
    );
}

/// `upload_file` (sendfile on a plain data connection): every byte arrives, from the start
/// and from an offset, in both data modes, and the progress callback sees the total.
#[test]
fn upload_file_sends_the_whole_file_and_resumes_from_an_offset() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("big.bin");
    // More than one sendfile step (1 MiB), not a multiple of it.
    let data = prng_bytes(7, (3 << 20) + 12_345);
    fs::write(&local, &data).unwrap();
    let file = fs::File::open(&local).unwrap();
    for mode in [DataMode::Passive, DataMode::Active] {
        let mut ftp = connect(&server, mode);
        let mut seen = Vec::new();
        let mut cb = |done: u64, total: Option<u64>| seen.push((done, total));
        let n = ftp.upload_file("up.bin", &file, Some(&mut cb)).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(
            fs::read(server.root().join("up.bin")).unwrap(),
            data,
            "{mode:?}"
        );
        assert_eq!(seen.last(), Some(&(n, Some(n))));
        assert!(seen.len() >= 4, "{seen:?}");

        // The remote copy is cut; resume it from there.
        let cut = 1_500_000;
        let f = fs::OpenOptions::new()
            .write(true)
            .open(server.root().join("up.bin"))
            .unwrap();
        f.set_len(cut).unwrap();
        let n = ftp.resume_upload_file("up.bin", cut, &file, None).unwrap();
        assert_eq!(n, data.len() as u64 - cut);
        assert_eq!(
            fs::read(server.root().join("up.bin")).unwrap(),
            data,
            "{mode:?}"
        );
        ftp.quit().unwrap();
    }
}

/// `download_file` (splice on a plain data connection): every byte arrives, from the start
/// and resumed into a file opened for appending (where splice cannot write: the copy path),
/// in both data modes; progress sees the total.
#[test]
fn download_file_brings_the_whole_file_and_resumes() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::start();
    let data = prng_bytes(11, (3 << 20) + 4_321);
    fs::write(server.root().join("big.bin"), &data).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for mode in [DataMode::Passive, DataMode::Active] {
        let mut ftp = connect(&server, mode);
        let local = dir.path().join("copy.bin");
        let file = fs::File::create(&local).unwrap();
        let mut seen = Vec::new();
        let mut cb = |done: u64, total: Option<u64>| seen.push((done, total));
        let n = ftp.download_file("big.bin", &file, Some(&mut cb)).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(fs::read(&local).unwrap(), data, "{mode:?}");
        assert_eq!(seen.last(), Some(&(n, Some(n))));

        let cut = 2_000_000u64;
        let cut_back = || {
            fs::OpenOptions::new()
                .write(true)
                .open(&local)
                .unwrap()
                .set_len(cut)
                .unwrap()
        };
        cut_back();
        let appending = fs::OpenOptions::new().append(true).open(&local).unwrap();
        let n = ftp
            .resume_download_file("big.bin", cut, &appending, None)
            .unwrap();
        assert_eq!(n, data.len() as u64 - cut);
        assert_eq!(fs::read(&local).unwrap(), data, "{mode:?}");
        // And resumed into a file positioned at the cut (the splice path).
        cut_back();
        let mut positioned = fs::OpenOptions::new().write(true).open(&local).unwrap();
        std::io::Seek::seek(&mut positioned, io::SeekFrom::Start(cut)).unwrap();
        ftp.resume_download_file("big.bin", cut, &positioned, None)
            .unwrap();
        assert_eq!(fs::read(&local).unwrap(), data, "{mode:?}");
        ftp.quit().unwrap();
    }
}
