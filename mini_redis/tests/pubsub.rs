//! Pub/sub over TCP, byte for byte as redis-server 7.0 writes it: patterns (`PSUBSCRIBE`,
//! `pmessage`), RESP3 push frames after `HELLO 3`, and the per-connection subscription cap.

mod common;

use common::{TestServer, read_exact, resp, text};
use mini_redis::Config;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use workshop::testing::within;

/// Sends a command and expects exactly `expected` back.
async fn expect(stream: &mut TcpStream, args: &[&str], expected: &str) {
    stream.write_all(&resp(args)).await.expect("send");
    let got = read_exact(stream, expected.len()).await;
    assert_eq!(text(&got), expected, "{args:?}");
}

async fn publish(server: &TestServer, channel: &str, message: &str) -> i64 {
    let mut publisher = server.client().await;
    match publisher.call(&["PUBLISH", channel, message]).await {
        Ok(mini_redis::frame::Frame::Integer(n)) => n,
        other => panic!("PUBLISH answered {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patterns_deliver_pmessage_and_count_with_channels() {
    within(Duration::from_secs(10), "psubscribe", async {
        let server = TestServer::start(Config::default()).await;
        let mut s = TcpStream::connect(server.addr).await.expect("connect");
        expect(
            &mut s,
            &["PSUBSCRIBE", "n*", "x?"],
            "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n\
             *3\r\n$10\r\npsubscribe\r\n$2\r\nx?\r\n:2\r\n",
        )
        .await;
        expect(
            &mut s,
            &["SUBSCRIBE", "news"],
            "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:3\r\n",
        )
        .await;
        // Once by name, once by pattern: two deliveries, as Redis counts them.
        assert_eq!(publish(&server, "news", "hi").await, 2);
        // Subscribers by name first, then by pattern, as Redis delivers them.
        let expected = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n\
                        *4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n";
        assert_eq!(text(&read_exact(&mut s, expected.len()).await), expected);
        assert_eq!(publish(&server, "xy", "a").await, 1);
        expect(
            &mut s,
            &["PUNSUBSCRIBE", "n*"],
            "*4\r\n$8\r\npmessage\r\n$2\r\nx?\r\n$2\r\nxy\r\n$1\r\na\r\n\
             *3\r\n$12\r\npunsubscribe\r\n$2\r\nn*\r\n:2\r\n",
        )
        .await;
        assert_eq!(publish(&server, "nope", "a").await, 0, "n* is gone");
        expect(
            &mut s,
            &["PUNSUBSCRIBE"],
            "*3\r\n$12\r\npunsubscribe\r\n$2\r\nx?\r\n:1\r\n",
        )
        .await;
        expect(
            &mut s,
            &["UNSUBSCRIBE"],
            "*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:0\r\n",
        )
        .await;
        expect(&mut s, &["GET", "k"], "$-1\r\n").await;
        server.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_hello_3_messages_and_confirmations_are_push_frames() {
    within(Duration::from_secs(10), "resp3 push", async {
        let server = TestServer::start(Config::default()).await;
        let mut s = TcpStream::connect(server.addr).await.expect("connect");
        s.write_all(&resp(&["HELLO", "3"])).await.expect("send");
        let hello = mini_redis::client::Client::new(&mut s).read_reply().await;
        assert!(hello.is_ok(), "HELLO 3 answered {hello:?}");
        expect(
            &mut s,
            &["SUBSCRIBE", "news"],
            ">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n",
        )
        .await;
        expect(
            &mut s,
            &["PSUBSCRIBE", "z*"],
            ">3\r\n$10\r\npsubscribe\r\n$2\r\nz*\r\n:2\r\n",
        )
        .await;
        assert_eq!(publish(&server, "zed", "hi").await, 1);
        let message = ">4\r\n$8\r\npmessage\r\n$2\r\nz*\r\n$3\r\nzed\r\n$2\r\nhi\r\n";
        assert_eq!(text(&read_exact(&mut s, message.len()).await), message);
        // RESP3 tells replies from messages by type: every command works while subscribed.
        expect(&mut s, &["GET", "k"], "_\r\n").await;
        expect(&mut s, &["PING"], "+PONG\r\n").await;
        expect(
            &mut s,
            &["UNSUBSCRIBE", "news"],
            ">3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:1\r\n",
        )
        .await;
        server.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_max_subscriptions_an_error_and_the_subscriptions_made_are_kept() {
    within(Duration::from_secs(10), "subscription cap", async {
        let config = Config {
            max_subscriptions: 3,
            ..Config::default()
        };
        let server = TestServer::start(config).await;
        let mut s = TcpStream::connect(server.addr).await.expect("connect");
        let error = "-ERR max subscriptions reached: 3 channels and patterns per connection \
                     (--max-subscriptions)\r\n";
        expect(
            &mut s,
            &["SUBSCRIBE", "a", "b"],
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n",
        )
        .await;
        // Patterns count against the same cap. The third name fits, the fourth does not, and
        // the last is never reached.
        expect(
            &mut s,
            &["PSUBSCRIBE", "p*", "q*", "r*"],
            &format!("*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n{error}"),
        )
        .await;
        // At the cap, subscribing again to what it has is fine.
        expect(
            &mut s,
            &["SUBSCRIBE", "a"],
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:3\r\n",
        )
        .await;
        expect(&mut s, &["SUBSCRIBE", "c"], error).await;
        // What was subscribed before the error still delivers.
        assert_eq!(publish(&server, "b", "kept").await, 1);
        assert_eq!(publish(&server, "pq", "kept").await, 1);
        assert_eq!(publish(&server, "q1", "never").await, 0);
        let expected = "*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$4\r\nkept\r\n\
                        *4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n$4\r\nkept\r\n";
        assert_eq!(text(&read_exact(&mut s, expected.len()).await), expected);
        // Room again after an unsubscribe.
        expect(
            &mut s,
            &["UNSUBSCRIBE", "a"],
            "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n",
        )
        .await;
        expect(
            &mut s,
            &["SUBSCRIBE", "c"],
            "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:3\r\n",
        )
        .await;
        server.stop().await;
    })
    .await;
}

/// Over a pipe on one thread, so that the message and the request are both waiting when the
/// connection looks: the message, published first, is written first.
#[tokio::test]
async fn a_message_published_before_a_request_is_written_before_its_reply() {
    within(Duration::from_secs(10), "message order", async {
        use mini_redis::connection;
        use mini_redis::state::Shared;
        use std::sync::Arc;
        let shared = Arc::new(Shared::new(Config::default()));
        let (mut client, server_end) = tokio::io::duplex(64 * 1024);
        let served = Arc::clone(&shared);
        tokio::spawn(async move {
            let stop = tokio_util::sync::CancellationToken::new();
            connection::serve(server_end, &served, 1, &stop).await
        });
        client
            .write_all(&resp(&["SUBSCRIBE", "news"]))
            .await
            .expect("send");
        let confirmation = "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n";
        let mut got = vec![0; confirmation.len()];
        tokio::io::AsyncReadExt::read_exact(&mut client, &mut got)
            .await
            .expect("read");
        assert_eq!(text(&got), confirmation);
        // Neither yields to the connection's task: both wait for it.
        assert_eq!(shared.pubsub.publish(b"news", "first".into()), 1);
        client.write_all(&resp(&["PING"])).await.expect("send");
        let expected = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nfirst\r\n\
                        *2\r\n$4\r\npong\r\n$0\r\n\r\n";
        let mut got = vec![0; expected.len()];
        tokio::io::AsyncReadExt::read_exact(&mut client, &mut got)
            .await
            .expect("read");
        assert_eq!(text(&got), expected);
    })
    .await;
}
