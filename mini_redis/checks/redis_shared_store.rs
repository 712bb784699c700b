//! The checks of `redis_shared_store`: `cargo exercise check redis_shared_store` runs them against
//! mini_redis/exercises/redis_shared_store.rs. Edit that file, not this one: the runner counts
//! these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
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
async fn get_put_del_and_quit_answer_in_the_line_dialect() {
    within(LIMIT, "a session of GET, PUT, DEL, QUIT", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        for (request, reply) in [
            ("GET greeting", "NONE"),
            ("PUT greeting hello world", "OK"),
            ("GET greeting", "OK hello world"),
            ("get greeting", "OK hello world"),
            ("DEL greeting", "OK"),
            ("GET greeting", "NONE"),
            ("PUT greeting", "ERROR usage: PUT key value"),
            ("GET", "ERROR usage: GET key"),
        ] {
            assert_eq!(
                c.call(request).await.as_deref(),
                Some(reply),
                "sent {request:?}"
            );
        }
        assert_eq!(c.call("QUIT").await.as_deref(), Some("OK"), "sent \"QUIT\"");
        assert_eq!(c.rest().await, "", "after QUIT's OK, the server closes");
    })
    .await;
}

#[tokio::test]
async fn every_connection_sees_the_same_store() {
    within(LIMIT, "one store, two clients", async {
        let addr = start().await;
        let mut a = Client::connect(addr).await;
        let mut b = Client::connect(addr).await;
        assert_eq!(
            a.call("PUT shared from a").await.as_deref(),
            Some("OK"),
            "PUT"
        );
        assert_eq!(
            b.call("GET shared").await.as_deref(),
            Some("OK from a"),
            "client B must see what client A stored: make the store once, in `serve`, and \
             give each connection a clone of the `Arc` (not a map of its own)"
        );
        assert_eq!(b.call("DEL shared").await.as_deref(), Some("OK"), "DEL");
        assert_eq!(
            a.call("GET shared").await.as_deref(),
            Some("NONE"),
            "after B's DEL"
        );
    })
    .await;
}

#[test]
fn execute_runs_store_commands() {
    let store = Store::default();
    assert_eq!(
        execute(&store, Command::Get("k")),
        "NONE",
        "GET of a missing key"
    );
    assert_eq!(execute(&store, Command::Put("k", "a b")), "OK", "PUT");
    assert_eq!(
        execute(&store, Command::Get("k")),
        "OK a b",
        "GET after PUT"
    );
    assert_eq!(execute(&store, Command::Del("k")), "OK", "DEL");
    assert_eq!(
        execute(&store, Command::Del("k")),
        "OK",
        "DEL of a missing key"
    );
    assert_eq!(execute(&store, Command::Get("k")), "NONE", "GET after DEL");
}
