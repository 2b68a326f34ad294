//! Long transfers (issue 10): the final reply after a large transfer may come late, and the
//! wait for it grows with the size (`Timeouts::final_reply_per_gib`); the control connection
//! is kept alive with NOOPs while the data moves (`Config::keepalive`), and their answers,
//! whenever they come, are never taken for the transfer's reply nor left to shift later ones.
//!
//! The scripted servers' pauses are the faults simulated (a server that checksums before it
//! confirms, a slow data stream), never a way to wait for the client.

use std::io::{Read, Write};
use std::sync::mpsc::{channel, Sender};
use std::time::{Duration, Instant};

use ftpkit::{Client, Deadline, Error, Phase, Security};
use ftpkit_test_support::data::prng_bytes;
use ftpkit_test_support::fake::Conn;
use ftpkit_test_support::scripted::{commands, server, Ctx};
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

fn plain(port: u16) -> ftpkit::ClientBuilder {
    Client::builder("127.0.0.1", Security::Plain).port(port)
}

fn login(b: ftpkit::ClientBuilder) -> Client {
    let mut ftp = b.connect().expect("connect");
    ftp.login("u", "p").expect("login");
    ftp
}

/// The commands the server got after `first` (included) up to `until` (excluded).
fn between(log: &[String], first: &str, until: &str) -> Vec<String> {
    let start = log
        .iter()
        .position(|l| l.starts_with(first))
        .unwrap_or_else(|| panic!("no {first} in {log:?}"));
    let end = log[start..]
        .iter()
        .position(|l| l.starts_with(until))
        .map_or(log.len(), |i| start + i);
    log[start..end].to_vec()
}

// ---------------------------------------------------------------------------------------
// The final reply's wait grows with the size

/// Takes an upload, then works on it for `work` (a checksum, a move) before it says 226.
/// The byte count goes to `got`.
fn store_then_confirm_late(c: &mut Conn, ctx: &mut Ctx, work: Duration, got: &Sender<usize>) {
    let mut d = ctx.accept();
    c.send(b"150 Ok to send data\r\n");
    let mut body = Vec::new();
    let _ = d.read_to_end(&mut body);
    drop(d);
    let _ = got.send(body.len());
    if c.pause(work) {
        c.send(format!("226 stored {} bytes\r\n", body.len()).as_bytes());
    }
}

fn late_confirming_server() -> (
    ftpkit_test_support::fake::FakeServer,
    std::sync::mpsc::Receiver<String>,
    std::sync::mpsc::Receiver<usize>,
) {
    let (got_tx, got) = channel();
    let (s, rx) = server("220 hi", move |c, ctx, verb, _| match verb {
        "STOR" => {
            store_then_confirm_late(c, ctx, Duration::from_secs(2), &got_tx);
            Some(String::new())
        }
        "PWD" => Some("257 \"/\" is the current directory".into()),
        _ => None,
    });
    (s, rx, got)
}

/// Reply deadline 1 s; 2048 s per GiB makes 2 s for 1 MiB: the server's 226 after 2 s of
/// work comes within the 3 s that the size allows.
#[test]
fn a_late_226_after_a_large_upload_is_awaited_as_the_size_allows() {
    let (s, _rx, got) = late_confirming_server();
    let mut ftp = login(
        plain(s.port())
            .reply_timeout(Duration::from_secs(1))
            .final_reply_per_gib(Duration::from_secs(2048)),
    );
    let body = prng_bytes(10, 1 << 20);
    let started = Instant::now();
    let sent = ftp
        .upload_from("big.bin", &mut &body[..], Some(body.len() as u64), None)
        .expect("the 226 came within the wait scaled for 1 MiB");
    assert_eq!(sent, body.len() as u64);
    assert_eq!(got.recv().unwrap(), body.len());
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "the server confirmed only after its work"
    );
    assert_eq!(ftp.last_reply().map(|r| r.code()), Some(226));
    assert_eq!(ftp.pwd().expect("the session is in step"), "/");
}

/// The same server and settings, but 1 KiB scales the wait by 2 ms only: the reply deadline
/// of 1 s fires, as a reply timeout of the transfer.
#[test]
fn a_late_226_after_a_small_upload_is_a_reply_timeout() {
    let (s, _rx, got) = late_confirming_server();
    let mut ftp = login(
        plain(s.port())
            .reply_timeout(Duration::from_secs(1))
            .final_reply_per_gib(Duration::from_secs(2048)),
    );
    let body = prng_bytes(11, 1024);
    let err = ftp
        .upload_from("small.bin", &mut &body[..], None, None)
        .expect_err("2 s of work exceed the 1 s reply deadline");
    assert_eq!(got.recv().unwrap(), body.len());
    match &err {
        Error::Timeout {
            phase,
            deadline,
            after,
            waiting_for,
            ..
        } => {
            assert_eq!(*phase, Phase::Transfer, "{err}");
            assert_eq!(*deadline, Deadline::Reply, "{err}");
            assert!(
                *after >= Duration::from_secs(1) && *after < Duration::from_millis(1100),
                "the wait was 1 s + 2 ms: {after:?}"
            );
            assert!(waiting_for.contains("final reply to STOR"), "{err}");
        }
        other => panic!("expected a reply timeout, got {other:?}"),
    }
    assert!(
        !ftp.is_usable(),
        "a reply that never came leaves the session out of step"
    );
}

// ---------------------------------------------------------------------------------------
// Keep-alive NOOPs during a transfer

/// How the scripted server treats commands that arrive during a transfer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum During {
    /// Reads nothing until the transfer is over, then answers them after its 226 (vsftpd).
    AnswerAfter,
    /// Answers them between chunks of data, before its 226 (ProFTPD).
    AnswerAtOnce,
    /// Answers them at once, and says 226 while data is still on its way (a server whose
    /// last bytes still sit in socket buffers when it confirms).
    AnswerAtOnceConfirmEarly,
    /// Reads them and never answers.
    Ignore,
}

const CHUNK: usize = 4096;
const CHUNKS: usize = 12;

/// Sends `body` in chunks 100 ms apart (a slow data stream). Reports whether a command was
/// already waiting on the control connection before the transfer ended (sent during it) and
/// how many NOOPs were answered during it.
fn slow_retr(
    c: &mut Conn,
    ctx: &mut Ctx,
    body: &[u8],
    during: During,
    report: &Sender<(bool, usize)>,
) -> String {
    let mut d = ctx.accept();
    c.send(b"150 Opening BINARY mode data connection\r\n");
    let mut answered = 0;
    let mut confirmed = false;
    for (i, chunk) in body.chunks(CHUNK).enumerate() {
        if d.write_all(chunk).is_err() || !c.pause(Duration::from_millis(100)) {
            return String::new();
        }
        if during == During::AnswerAfter {
            continue;
        }
        while let Some(cmd) = c.poll_command() {
            assert_eq!(cmd, "NOOP", "only NOOP may come during a transfer");
            if during != During::Ignore {
                c.send(b"200 NOOP ok\r\n");
                answered += 1;
            }
        }
        if during == During::AnswerAtOnceConfirmEarly && i == CHUNKS / 2 {
            c.send(b"226 Transfer complete\r\n");
            confirmed = true;
        }
    }
    let waiting = match during {
        // The NOOPs are still unread in the socket: peek without consuming them.
        During::AnswerAfter => {
            c.stream.set_nonblocking(true).unwrap();
            let n = c.stream.peek(&mut [0u8; 8]).unwrap_or(0);
            c.stream.set_nonblocking(false).unwrap();
            n > 0
        }
        _ => answered > 0 || during == During::Ignore,
    };
    let _ = report.send((waiting, answered));
    drop(d);
    if confirmed {
        String::new()
    } else {
        "226 Transfer complete".into()
    }
}

struct Run {
    log: Vec<String>,
    waiting_during_transfer: bool,
    answered_during_transfer: usize,
    pwd: ftpkit::Result<ftpkit::RemotePath>,
    usable_after_transfer: bool,
}

/// A download through a slow data stream (12 chunks, 1.2 s) with a keep-alive interval of
/// 150 ms, then PWD.
fn download_with_keepalive(during: During, keepalive: Option<Duration>) -> Run {
    let body = prng_bytes(12, CHUNK * CHUNKS);
    let expected = body.clone();
    let (report_tx, report) = channel();
    let (s, rx) = server("220 hi", move |c, ctx, verb, _| match verb {
        "RETR" => Some(slow_retr(c, ctx, &body, during, &report_tx)),
        "NOOP" if during == During::Ignore => Some(String::new()),
        "PWD" => Some("257 \"/home\" is the current directory".into()),
        _ => None,
    });
    let mut ftp = login(
        plain(s.port())
            .reply_timeout(Duration::from_secs(2))
            .keepalive(keepalive),
    );
    let mut out = Vec::new();
    let n = ftp
        .download_to("slow.bin", &mut out, None)
        .expect("the download succeeds whatever the NOOPs' answers do");
    assert_eq!(n as usize, expected.len());
    assert!(out == expected, "the data arrived unchanged");
    assert_eq!(
        ftp.last_reply().map(|r| r.code()),
        Some(226),
        "the transfer's own reply, not a NOOP's"
    );
    let (waiting, answered) = report.recv().unwrap();
    let usable = ftp.is_usable();
    let pwd = ftp.pwd();
    drop(ftp);
    drop(s);
    Run {
        log: commands(&rx),
        waiting_during_transfer: waiting,
        answered_during_transfer: answered,
        pwd,
        usable_after_transfer: usable,
    }
}

fn noops(log: &[String]) -> usize {
    between(log, "RETR", "PWD")
        .iter()
        .filter(|l| *l == "NOOP")
        .count()
}

#[test]
fn keepalive_noops_answered_after_the_226_are_consumed_the_vsftpd_way() {
    let run = download_with_keepalive(During::AnswerAfter, Some(Duration::from_millis(150)));
    assert!(
        run.waiting_during_transfer,
        "a NOOP was waiting on the control connection before the transfer ended"
    );
    assert!(noops(&run.log) >= 2, "{:?}", run.log);
    assert!(run.usable_after_transfer);
    assert_eq!(
        run.pwd.expect("PWD gets its own reply, not a stale 200"),
        "/home"
    );
}

#[test]
fn keepalive_noops_answered_during_the_transfer_are_consumed_the_proftpd_way() {
    let run = download_with_keepalive(During::AnswerAtOnce, Some(Duration::from_millis(150)));
    assert!(
        run.answered_during_transfer >= 2,
        "the server answered NOOPs before its 226 ({} times)",
        run.answered_during_transfer
    );
    assert!(run.usable_after_transfer);
    assert_eq!(run.pwd.expect("PWD gets its own reply"), "/home");
}

#[test]
fn a_226_among_answers_to_noops_while_data_still_arrives_is_the_transfers_reply() {
    let run = download_with_keepalive(
        During::AnswerAtOnceConfirmEarly,
        Some(Duration::from_millis(150)),
    );
    assert!(run.answered_during_transfer >= 2);
    assert!(run.usable_after_transfer);
    assert_eq!(run.pwd.expect("PWD gets its own reply"), "/home");
}

/// A server that never answers NOOPs sent during a transfer: the transfer's own result
/// stands, and the session is marked unusable instead of being left one reply out of step.
#[test]
fn noops_that_are_never_answered_leave_the_session_unusable_not_out_of_step() {
    let run = download_with_keepalive(During::Ignore, Some(Duration::from_millis(150)));
    assert!(!run.usable_after_transfer);
    assert!(
        matches!(run.pwd, Err(Error::Broken { .. })),
        "{:?}",
        run.pwd.map(drop)
    );
}

#[test]
fn keepalive_off_sends_no_noop() {
    let run = download_with_keepalive(During::AnswerAfter, None);
    assert!(!run.waiting_during_transfer);
    assert_eq!(noops(&run.log), 0, "{:?}", run.log);
    assert_eq!(run.pwd.expect("PWD"), "/home");
}

/// An upload to a server that stores slowly gets NOOPs too (answered during it here): the
/// client's writes wait for room once its socket buffer is full.
#[test]
fn keepalive_noops_during_an_upload_are_consumed() {
    let (report_tx, report) = channel();
    let (s, rx) = server("220 hi", move |c, ctx, verb, _| match verb {
        // A small receive window, set before the client connects, so that the client's
        // writes wait for this slow server instead of filling large loopback buffers.
        "EPSV" => {
            let _ = socket2::SockRef::from(&ctx.data).set_recv_buffer_size(8192);
            None
        }
        "STOR" => {
            let mut d = ctx.accept();
            c.send(b"150 Ok to send data\r\n");
            let (mut total, mut answered, mut buf) = (0, 0, vec![0u8; 65536]);
            loop {
                match d.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => total += n,
                }
                // Slow storage: the client's writes wait for room.
                if !c.pause(Duration::from_millis(1)) {
                    return Some(String::new());
                }
                while let Some(cmd) = c.poll_command() {
                    assert_eq!(cmd, "NOOP");
                    c.send(b"200 NOOP ok\r\n");
                    answered += 1;
                }
            }
            let _ = report_tx.send((total, answered));
            Some("226 stored".into())
        }
        "PWD" => Some("257 \"/in\"".into()),
        _ => None,
    });
    let mut ftp = login(plain(s.port()).keepalive(Some(Duration::from_millis(100))));
    // More than the client's socket can buffer (Linux lets it grow to 4 MiB).
    let body = prng_bytes(13, 12 << 20);
    let mut up = ftp.upload("up.bin").expect("STOR");
    for chunk in body.chunks(64 * 1024) {
        up.write_all(chunk).expect("write");
    }
    up.finish().expect("226");
    let (total, answered) = report.recv().unwrap();
    assert_eq!(total, body.len());
    assert!(answered >= 1, "no NOOP came during the upload");
    assert_eq!(ftp.pwd().expect("PWD gets its own reply"), "/in");
    drop(ftp);
    drop(s);
    let log = commands(&rx);
    assert_eq!(
        between(&log, "STOR", "PWD").len(),
        1,
        "the NOOPs were read during the upload: {log:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Against a real vsftpd

/// vsftpd does not read the control connection during a transfer: the NOOPs wait in its
/// socket and are answered after the 226. With the rate limited to make the download last
/// about 2 s and a 0.5 s interval, NOOPs show in its protocol log between RETR and the next
/// command, and that command gets its own reply.
#[test]
fn vsftpd_gets_keepalive_noops_during_a_long_download_and_stays_in_step() {
    if !require_vsftpd() {
        return;
    }
    let server = Vsftpd::builder().option("local_max_rate", "250000").start();
    let body = prng_bytes(14, 500_000);
    server.write_file("slow.bin", &body);
    let mut ftp = Client::builder("127.0.0.1", Security::Plain)
        .port(server.port())
        .keepalive(Some(Duration::from_millis(500)))
        .connect()
        .expect("connect");
    ftp.login(server.user(), server.password()).expect("login");
    let started = Instant::now();
    let mut out = Vec::new();
    ftp.download_to("slow.bin", &mut out, None)
        .expect("download with keep-alive");
    let took = started.elapsed();
    assert!(out == body, "the data arrived unchanged");
    assert_eq!(ftp.pwd().expect("PWD gets its own reply"), "/");

    let log = server.log();
    let commands: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split("FTP command: ").nth(1))
        .filter_map(|l| l.rsplit('"').nth(1))
        .collect();
    let retr = commands.iter().position(|c| c.starts_with("RETR")).unwrap();
    let pwd = retr + commands[retr..].iter().position(|c| *c == "PWD").unwrap();
    let during = commands[retr..pwd].iter().filter(|c| **c == "NOOP").count();
    assert!(
        during >= 1,
        "no NOOP between RETR and PWD (download took {took:?}): {commands:?}"
    );
    // vsftpd answered them after its 226 (it reads nothing during a transfer), and each
    // got exactly one answer.
    let lines: Vec<&str> = log.lines().collect();
    let at = |what: &str| lines.iter().position(|l| l.contains(what)).unwrap();
    assert!(
        at("\"226 Transfer complete.\"") < at("\"200 NOOP ok.\""),
        "{log}"
    );
    let answers = lines
        .iter()
        .filter(|l| l.contains("\"200 NOOP ok.\""))
        .count();
    assert_eq!(answers, during, "{log}");
    ftp.quit().expect("QUIT");
}
