//! The checks of `redis_echo_server`: `cargo exercise check redis_echo_server` runs them against
//! mini_redis/exercises/redis_echo_server.rs. Edit that file, not this one: the runner counts these
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
async fn each_line_comes_back() {
    within(LIMIT, "an echo for each line", async {
        let addr = start().await;
        let mut client = Client::connect(addr).await;
        for line in ["hello", "two words", "PUT greeting hello world"] {
            assert_eq!(
                client.call(line).await.as_deref(),
                Some(line),
                "sent {line:?}: the server must send the same line back"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_second_client_is_answered_while_the_first_stays_connected() {
    let what = "a second client's echo while the first stays connected (is each connection \
                served on a task of its own, with tokio::spawn, or does the accept loop wait \
                for the first client to leave?)";
    within(LIMIT, what, async {
        let addr = start().await;
        let mut first = Client::connect(addr).await;
        assert_eq!(
            first.call("first").await.as_deref(),
            Some("first"),
            "client 1"
        );
        let mut second = Client::connect(addr).await;
        assert_eq!(
            second.call("second").await.as_deref(),
            Some("second"),
            "client 2, while client 1 is still connected"
        );
        assert_eq!(
            first.call("again").await.as_deref(),
            Some("again"),
            "client 1"
        );
    })
    .await;
}

#[tokio::test]
async fn a_client_that_closes_gets_its_echoes_then_the_end() {
    let what = "the end of the connection after the client closed its side (does the echo \
                loop stop when the client's stream ends?)";
    within(LIMIT, what, async {
        let addr = start().await;
        let replies = exchange(addr, b"one\ntwo\n").await;
        assert_eq!(replies, "one\ntwo\n", "both lines back, then the end");
    })
    .await;
}
