//! Memory bounds against a hostile server, measured with a counting global allocator: what
//! a reply costs must stay within a small constant factor of `Limits::max_reply`, however
//! the server cuts it into lines (issue 8, item 11). A million one-byte lines used to cost
//! 70 to 230 MiB under a 4 MiB cap.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use ftpkit::{Client, Error, Security};
use ftpkit_test_support::fake::FakeServer;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement at a time: the counters are process-wide.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `f` and returns its result with the peak memory in use above the start, in bytes.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let r = f();
    (r, PEAK.load(Ordering::SeqCst).saturating_sub(base))
}

/// A server whose FEAT reply is `feat`, prepared before the measurement starts so that
/// only the client's memory is counted (the server thread sends it without allocating).
fn feat_server(feat: Vec<u8>) -> FakeServer {
    FakeServer::start(move |mut c| {
        c.send(b"220 hi\r\n");
        while let Some(line) = c.command() {
            match line.split(' ').next().unwrap_or("") {
                "USER" => c.send(b"331 pass\r\n"),
                "PASS" => c.send(b"230 in\r\n"),
                "FEAT" => c.send(&feat),
                "QUIT" => {
                    c.send(b"221 bye\r\n");
                    return;
                }
                _ => c.send(b"200 ok\r\n"),
            }
        }
    })
}

fn many_lines(n: usize) -> Vec<u8> {
    let mut r = b"211-Features:\r\n".to_vec();
    for _ in 0..n {
        r.extend_from_slice(b"1\r\n");
    }
    r.extend_from_slice(b"211 End\r\n");
    r
}

const CAP: usize = 4 * 1024 * 1024;

#[test]
fn a_million_one_byte_lines_cost_a_small_multiple_of_the_cap() {
    let _serial = SERIAL.lock().unwrap();
    let server = feat_server(many_lines(1_000_000));
    let (r, peak) = peak_during(|| {
        let mut ftp = Client::builder("127.0.0.1", Security::Plain)
            .port(server.port())
            .connect()
            .unwrap();
        ftp.login("u", "p")
    });
    let err = r.expect_err("a 3 MB reply of a million lines is over the limit");
    assert!(matches!(err, Error::Protocol { .. }), "{err}");
    assert!(peak < 3 * CAP, "peak {peak} bytes for a {CAP}-byte cap");
}

#[test]
fn a_long_reply_under_the_cap_works_within_a_small_multiple_of_it() {
    let _serial = SERIAL.lock().unwrap();
    // 50,000 lines: under the line and size limits.
    let server = feat_server(many_lines(50_000));
    let (r, peak) = peak_during(|| {
        let mut ftp = Client::builder("127.0.0.1", Security::Plain)
            .port(server.port())
            .connect()
            .unwrap();
        ftp.login("u", "p").map(|_| ftp)
    });
    let ftp = r.expect("a long FEAT under the limits is accepted");
    assert!(ftp.last_reply().is_some());
    assert!(peak < 3 * CAP, "peak {peak} bytes for a {CAP}-byte cap");
}
