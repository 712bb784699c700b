//! What one client can make the server hold, measured as the growth of this process's resident
//! memory (`VmRSS` in `/proc/self/status`) around an in-process server.
//!
//! The margins are wide on purpose: the figures they guard against are hundreds of megabytes
//! (one `SUBSCRIBE` of 5,000 channels held 276 MiB when each channel had its own `broadcast`
//! ring; eight idle clients that had read a 32 MiB value held a 32 MiB write buffer each), the
//! bounds are tens. Both probes run in one test, one after the other: tests in one file run in
//! parallel threads of one process, and would count each other's memory.

mod common;

use common::{TestServer, resp};
use mini_redis::Config;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use workshop::testing::within;

const MIB: f64 = 1024.0 * 1024.0;

/// This process's resident memory, in MiB.
async fn rss_mib() -> f64 {
    let status = tokio::fs::read_to_string("/proc/self/status")
        .await
        .expect("/proc/self/status (Linux)");
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("a VmRSS line");
    kib / 1024.0
}

/// Reads and drops `n` bytes through a small buffer, so the test itself holds nothing.
async fn discard(stream: &mut TcpStream, mut n: usize) {
    let mut chunk = vec![0u8; 64 * 1024];
    while n > 0 {
        let want = n.min(chunk.len());
        let got = stream.read(&mut chunk[..want]).await.expect("read");
        assert!(got > 0, "the server closed with {n} bytes to go");
        n -= got;
    }
}

/// One `SUBSCRIBE` naming 5,000 channels.
async fn subscribe_to_5000_channels(server: &TestServer) -> (TcpStream, f64) {
    let before = rss_mib().await;
    let mut s = TcpStream::connect(server.addr).await.expect("connect");
    let names: Vec<Vec<u8>> = (0..5000)
        .map(|i| format!("channel:{i}").into_bytes())
        .collect();
    let mut args: Vec<&[u8]> = vec![b"SUBSCRIBE"];
    args.extend(names.iter().map(Vec::as_slice));
    s.write_all(&resp(&args)).await.expect("send");
    let confirmations: usize = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!("*3\r\n$9\r\nsubscribe\r\n${}\r\n", name.len()).len()
                + name.len()
                + format!("\r\n:{}\r\n", i + 1).len()
        })
        .sum();
    discard(&mut s, confirmations).await;
    (s, rss_mib().await - before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_client_makes_the_server_hold_stays_bounded() {
    within(Duration::from_secs(120), "memory probes", async {
        let server = TestServer::start(Config::default()).await;

        // 1. Subscriptions cost what they hold: a few hundred bytes each.
        let (subscriber, grew) = subscribe_to_5000_channels(&server).await;
        println!("SUBSCRIBE x5000: +{grew:.1} MiB");
        assert!(
            grew < 40.0,
            "5,000 subscriptions grew the process by {grew:.1} MiB"
        );
        drop(subscriber);

        // 2. Eight clients read a 32 MiB value and stay connected, idle: the value is held
        // once, by the store, not once more per connection.
        const VALUE: usize = 32 << 20;
        let before = rss_mib().await;
        {
            let mut setter = TcpStream::connect(server.addr).await.expect("connect");
            let request = resp(&[&b"SET"[..], b"big", &vec![b'x'; VALUE]]);
            setter.write_all(&request).await.expect("SET");
            discard(&mut setter, b"+OK\r\n".len()).await;
        }
        let mut readers = Vec::new();
        for _ in 0..8 {
            let mut reader = TcpStream::connect(server.addr).await.expect("connect");
            reader.write_all(&resp(&["GET", "big"])).await.expect("GET");
            discard(&mut reader, format!("${VALUE}\r\n").len() + VALUE + 2).await;
            readers.push(reader);
        }
        let held = rss_mib().await - before;
        println!("8 idle readers of a 32 MiB value: +{held:.1} MiB");
        assert!(
            held < (VALUE as f64 / MIB) + 40.0,
            "8 idle clients that read a 32 MiB value hold {held:.1} MiB"
        );

        // And after DEL, the value's memory goes too: nothing kept a copy.
        let mut c = server.client().await;
        assert_eq!(c.del(&["big"]).await.expect("DEL"), 1);
        let left = rss_mib().await - before;
        println!("after DEL: +{left:.1} MiB");
        assert!(
            left < 24.0,
            "after DEL the process still holds +{left:.1} MiB"
        );
        drop(readers);
        server.stop().await;
    })
    .await;
}
