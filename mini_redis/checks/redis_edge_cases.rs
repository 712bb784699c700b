//! The checks of `redis_edge_cases`: `cargo exercise check redis_edge_cases` runs them against
//! mini_redis/exercises/redis_edge_cases.rs. Edit that file, not this one: the runner counts these
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
async fn a_line_cut_off_by_the_end_of_the_stream_is_never_executed() {
    within(LIMIT, "a line cut off by EOF", async {
        let addr = start().await;
        let replies = exchange(addr, b"PUT a 1\nPUT b 2").await;
        assert_eq!(
            replies, "OK\n",
            "sent \"PUT a 1\\nPUT b 2\" and closed: only the first line is a request; the \
             second never got its newline (the client may have died mid-line)"
        );
        let check = exchange(addr, b"GET a\nGET b\n").await;
        assert_eq!(
            check, "OK 1\nNONE\n",
            "`PUT b 2` was cut off by the end of the stream and must not have run: \
             `LinesCodec::decode_eof` hands the rest over as a last line; drop it instead"
        );
    })
    .await;
}

#[tokio::test]
async fn a_client_that_half_closes_gets_every_reply_then_the_end() {
    let what = "the end of the connection after a half-close (does the loop end when the \
                request stream does?)";
    within(LIMIT, what, async {
        let addr = start().await;
        let mut input = String::new();
        let mut expected = String::new();
        for i in 0..200 {
            input.push_str(&format!("PUT k{i} v{i}\nGET k{i}\n"));
            expected.push_str(&format!("OK\nOK v{i}\n"));
        }
        let replies = exchange(addr, input.as_bytes()).await;
        assert!(
            replies == expected,
            "400 requests then a half-close: expected 400 replies then the end, got {} \
             reply lines",
            replies.lines().count()
        );
    })
    .await;
}

#[tokio::test]
async fn invalid_utf8_is_an_error_and_the_connection_stays() {
    within(LIMIT, "invalid UTF-8", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        c.send(b"PUT k \xff\xfe\n").await;
        assert_eq!(
            c.line().await.as_deref(),
            Some("ERROR invalid UTF-8 in line"),
            "sent a line with bytes that are not UTF-8: answer `ERROR invalid UTF-8 in \
             line` (LinesCodec reports it as an Io error; make it a request instead)"
        );
        assert_eq!(
            c.call("GET k").await.as_deref(),
            Some("NONE"),
            "after the invalid line, the connection must still work, and nothing was stored"
        );
    })
    .await;
}
