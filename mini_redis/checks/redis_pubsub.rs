//! The checks of `redis_pubsub`: `cargo exercise check redis_pubsub` runs them against
//! mini_redis/exercises/redis_pubsub.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(10);

/// Your server on a port the OS picked, running in the test's runtime.
async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(serve(listener));
    addr
}

/// A client that writes lines and reads reply lines.
struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

#[allow(dead_code)] // not every step uses every helper
impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (read, writer) = stream.into_split();
        Client {
            reader: BufReader::new(read),
            writer,
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write");
    }

    /// The next line, `None` at the end of the stream (or when the server is gone).
    async fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(String::from_utf8_lossy(&line).trim_end().to_string()),
        }
    }

    async fn call(&mut self, request: &str) -> Option<String> {
        self.send(format!("{request}\n").as_bytes()).await;
        self.line().await
    }

    /// Everything until the server closes the connection.
    async fn rest(&mut self) -> String {
        let mut rest = Vec::new();
        let _ = self.reader.read_to_end(&mut rest).await;
        String::from_utf8_lossy(&rest).into_owned()
    }
}

/// Writes `input`, closes the sending side (half-close), and returns everything the server
/// sends until it closes the connection.
#[allow(dead_code)]
async fn exchange(addr: SocketAddr, input: &[u8]) -> String {
    let mut client = Client::connect(addr).await;
    client.send(input).await;
    client.writer.shutdown().await.expect("half-close");
    client.rest().await
}

#[tokio::test]
async fn a_subscriber_gets_what_is_published_without_asking() {
    let what = "a published message reaching a subscriber that sends nothing (does the \
                connection wait for requests and messages at once, in a select!?)";
    within(LIMIT, what, async {
        let addr = start().await;
        let mut subscriber = Client::connect(addr).await;
        let mut publisher = Client::connect(addr).await;
        assert_eq!(
            publisher.call("PUBLISH news early").await.as_deref(),
            Some("OK 0"),
            "PUBLISH to a channel nobody subscribed to reaches 0 clients"
        );
        assert_eq!(
            subscriber.call("SUBSCRIBE news").await.as_deref(),
            Some("OK"),
            "SUBSCRIBE news"
        );
        assert_eq!(
            publisher.call("PUBLISH news rain at noon").await.as_deref(),
            Some("OK 1"),
            "PUBLISH answers with how many subscribers it reached"
        );
        // The subscriber has sent nothing since: the message must come by itself.
        assert_eq!(
            subscriber.line().await.as_deref(),
            Some("MESSAGE news rain at noon"),
            "the subscriber's next line"
        );
    })
    .await;
}

#[tokio::test]
async fn channels_merge_and_requests_still_work_while_subscribed() {
    within(
        LIMIT,
        "two channels and requests on one connection",
        async {
            let addr = start().await;
            let mut both = Client::connect(addr).await;
            let mut news_only = Client::connect(addr).await;
            let mut publisher = Client::connect(addr).await;
            assert_eq!(
                both.call("SUBSCRIBE news").await.as_deref(),
                Some("OK"),
                "subscribe"
            );
            assert_eq!(
                both.call("SUBSCRIBE sport").await.as_deref(),
                Some("OK"),
                "subscribe"
            );
            assert_eq!(
                news_only.call("SUBSCRIBE news").await.as_deref(),
                Some("OK"),
                "subscribe"
            );
            assert_eq!(
                publisher.call("PUBLISH news rain").await.as_deref(),
                Some("OK 2"),
                "two on news"
            );
            assert_eq!(
                publisher.call("PUBLISH sport goal").await.as_deref(),
                Some("OK 1"),
                "one on sport"
            );
            assert_eq!(
                both.line().await.as_deref(),
                Some("MESSAGE news rain"),
                "first message on a connection subscribed to news and sport"
            );
            assert_eq!(
                both.line().await.as_deref(),
                Some("MESSAGE sport goal"),
                "second message: both channels arrive on one connection (a StreamMap of them)"
            );
            assert_eq!(
                news_only.line().await.as_deref(),
                Some("MESSAGE news rain"),
                "news only"
            );
            // Subscribed, and still a client of the store.
            assert_eq!(
                both.call("PUT k v").await.as_deref(),
                Some("OK"),
                "PUT while subscribed"
            );
            assert_eq!(
                both.call("GET k").await.as_deref(),
                Some("OK v"),
                "GET while subscribed"
            );
            assert_eq!(both.call("QUIT").await.as_deref(), Some("OK"), "QUIT");
            assert_eq!(
                publisher.call("PUBLISH sport again").await.as_deref(),
                Some("OK 0"),
                "after the only sport subscriber has left, PUBLISH reaches no one"
            );
        },
    )
    .await;
}
