//! The latency proxy the benchmark uses (`ftpkit_test_support::delay`), against a real
//! vsftpd that announces the proxy's address: the round trip it adds is what it says, and a
//! tree transfer through it (control and every passive connection) arrives intact.

use std::fs;
use std::net::SocketAddr;
use std::time::Duration;

use ftpkit::{Client, Credentials, Pool, Security, TreeSync};
use ftpkit_test_support::data::prng_bytes;
use ftpkit_test_support::delay::{free_port_range, ftp_rtt, DelayProxy, PROXY_ADDR};
use ftpkit_test_support::vsftpd::{require_vsftpd, Vsftpd};

#[test]
fn the_delay_proxy_adds_its_round_trip_and_carries_a_whole_tree() {
    if !require_vsftpd() {
        return;
    }
    let (lo, hi) = free_port_range(20).expect("a free run of 20 ports on 127.0.0.1 and 127.0.0.2");
    let server = Vsftpd::builder()
        .option("pasv_address", "127.0.0.2")
        .option("pasv_min_port", &lo.to_string())
        .option("pasv_max_port", &hi.to_string())
        .start();
    let one_way = Duration::from_millis(15);
    let ports = std::iter::once(server.port()).chain(lo..=hi);
    let proxy = DelayProxy::loopback(ports, one_way).expect("start the proxy");

    let direct = ftp_rtt(server.addr()).unwrap();
    let through = ftp_rtt(SocketAddr::new(PROXY_ADDR, server.port())).unwrap();
    assert!(through >= one_way * 2, "{through:?}");
    assert!(through > direct, "{through:?} vs {direct:?}");

    let mut total = 0;
    for i in 0..30u64 {
        let data = prng_bytes(i, 1000 + i as usize * 311);
        total += data.len() as u64;
        server.write_file(format!("/t/d{}/f{i}.bin", i % 3), data);
    }
    let before = proxy.bytes();
    let builder = Client::builder("127.0.0.2", Security::Plain).port(server.port());
    let pool = Pool::new(
        builder,
        Credentials::new(server.user(), server.password()),
        4,
    );
    let work = tempfile::tempdir().unwrap();
    let sync = TreeSync::download("/t", work.path().join("t"));
    let report = sync.run(&pool, &sync.plan(&pool).unwrap(), None);
    assert!(
        report.is_success(),
        "{:#?}",
        report.failures().collect::<Vec<_>>()
    );
    assert_eq!(report.transferred().0, 30);
    for i in 0..30u64 {
        let got = fs::read(work.path().join(format!("t/d{}/f{i}.bin", i % 3))).unwrap();
        assert_eq!(got, prng_bytes(i, 1000 + i as usize * 311), "f{i}");
    }
    // Every byte went through the proxy, data connections included.
    assert!(
        proxy.bytes() - before > total,
        "{} <= {total}",
        proxy.bytes() - before
    );
}
