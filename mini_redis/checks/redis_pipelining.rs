//! The checks of `redis_pipelining`: `cargo exercise check redis_pipelining` runs them against
//! mini_redis/exercises/redis_pipelining.rs. Edit that file, not this one: the runner counts these
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

/// A byte stream that counts the writes made to it.
struct CountWrites<T> {
    inner: T,
    writes: Arc<std::sync::atomic::AtomicUsize>,
}

impl<T: AsyncRead + Unpin> AsyncRead for CountWrites<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for CountWrites<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        let written = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        if let std::task::Poll::Ready(Ok(n)) = written
            && n > 0
        {
            self.writes
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        written
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[tokio::test]
async fn a_batch_of_requests_is_answered_with_one_write() {
    within(LIMIT, "a pipelined batch", async {
        // A real TCP connection, whose server side counts the writes `connection` makes.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let mut client = Client::connect(addr).await;
        let (stream, _) = listener.accept().await.expect("accept");
        let writes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = CountWrites {
            inner: stream,
            writes: Arc::clone(&writes),
        };
        tokio::spawn(connection(counted, Store::default()));

        // 100 requests in one write, so they arrive together.
        let mut batch = String::new();
        for i in 0..50 {
            batch.push_str(&format!("PUT k{i} {i}\nGET k{i}\n"));
        }
        client.send(batch.as_bytes()).await;
        for i in 0..50 {
            assert_eq!(client.line().await.as_deref(), Some("OK"), "PUT k{i}");
            assert_eq!(client.line().await, Some(format!("OK {i}")), "GET k{i}");
        }
        let writes = writes.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            writes <= 2,
            "100 requests that arrived together were answered with {writes} writes: feed \
             each reply into the sink (`feed`) and flush once, when no whole request is \
             left in the read buffer (`send` flushes after every reply)"
        );
    })
    .await;
}

#[tokio::test]
async fn a_long_pipeline_is_answered_in_order() {
    let what = "2000 pipelined requests (is the batch flushed before the server waits for \
                more?)";
    within(LIMIT, what, async {
        let addr = start().await;
        let mut input = String::new();
        let mut expected = String::new();
        for i in 0..1000 {
            input.push_str(&format!("PUT key:{i} value {i}\nGET key:{i}\n"));
            expected.push_str(&format!("OK\nOK value {i}\n"));
        }
        // More than one read's worth: the batches end where the reads do.
        let replies = exchange(addr, input.as_bytes()).await;
        let first_wrong = expected
            .lines()
            .zip(replies.lines())
            .position(|(e, r)| e != r);
        assert!(
            replies == expected,
            "2000 pipelined requests: {} reply lines, the first wrong one at {first_wrong:?}",
            replies.lines().count()
        );
    })
    .await;
}

#[tokio::test]
async fn a_half_line_at_the_end_of_a_batch_waits_for_the_rest() {
    within(LIMIT, "a request split across writes", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        c.send(b"PUT a 1\nPUT b ").await;
        assert_eq!(
            c.line().await.as_deref(),
            Some("OK"),
            "the whole line's reply"
        );
        c.send(b"2\nGET b\n").await;
        assert_eq!(
            c.line().await.as_deref(),
            Some("OK"),
            "the rest of `PUT b 2`"
        );
        assert_eq!(c.line().await.as_deref(), Some("OK 2"), "GET b");
    })
    .await;
}
