//! The checks of `redis_framed_lines`: `cargo exercise check redis_framed_lines` runs them against
//! mini_redis/exercises/redis_framed_lines.rs. Edit that file, not this one: the runner counts
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
async fn a_line_over_the_limit_is_refused_and_the_connection_kept() {
    within(LIMIT, "a line over the limit", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        assert_eq!(c.call("PUT k before").await.as_deref(), Some("OK"), "PUT");
        let long = format!("PUT k {}", "x".repeat(3 * MAX_LINE));
        assert_eq!(
            c.call(&long).await.as_deref(),
            Some(format!("ERROR line too long (the limit is {MAX_LINE} bytes)").as_str()),
            "sent a line of {} bytes, over the limit of {MAX_LINE}: answer it with an \
             ERROR and keep the connection (a decoder error would end the Framed stream: \
             turn it into a request)",
            long.len()
        );
        assert_eq!(
            c.call("GET k").await.as_deref(),
            Some("OK before"),
            "after the long line: the connection must still work, and the long PUT must \
             not have run"
        );
    })
    .await;
}

#[tokio::test]
async fn a_line_of_exactly_the_limit_is_served() {
    within(LIMIT, "a line of exactly the limit", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        let value = "v".repeat(MAX_LINE - "PUT k ".len());
        assert_eq!(
            c.call(&format!("PUT k {value}")).await.as_deref(),
            Some("OK"),
            "a line of exactly {MAX_LINE} bytes is allowed"
        );
        assert_eq!(c.call("GET k").await, Some(format!("OK {value}")), "GET");
        assert_eq!(c.call("QUIT").await.as_deref(), Some("OK"), "QUIT");
        assert_eq!(c.rest().await, "", "after QUIT's OK, the server closes");
    })
    .await;
}

#[test]
fn the_codec_cuts_lines_and_flags_long_ones() {
    let mut codec = RequestCodec::new();
    let mut buffer = BytesMut::from("GET a\r\nPUT b".as_bytes());
    assert_eq!(
        codec.decode(&mut buffer).expect("decode"),
        Some(Line::Text("GET a".into())),
        "a whole line, without its CRLF"
    );
    assert_eq!(
        codec.decode(&mut buffer).expect("decode"),
        None,
        "half a line is not a request yet"
    );
    let mut long = BytesMut::from(format!("{}\nGET c\n", "x".repeat(MAX_LINE + 1)).as_bytes());
    assert_eq!(
        codec.decode(&mut long).ok(),
        Some(Some(Line::TooLong)),
        "a line over MAX_LINE must decode as Ok(Some(Line::TooLong)), not as an error"
    );
    assert_eq!(
        codec.decode(&mut long).ok(),
        Some(Some(Line::Text("GET c".into()))),
        "after the long line, the next one"
    );
}
