//! The checks of `redis_pipelining`: `cargo exercise check redis_pipelining` runs them against
//! mini_redis/exercises/redis_pipelining.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, ReadBuf};
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
async fn exchange(addr: SocketAddr, input: &[u8]) -> String {
    let mut client = Client::connect(addr).await;
    client.send(input).await;
    client.writer.shutdown().await.expect("half-close");
    client.rest().await
}

/// The server's side of a connection, counting the reads that brought bytes and the writes that
/// sent some: what the socket really saw, whatever the code above it does.
struct Counted<T> {
    inner: T,
    reads: Arc<AtomicUsize>,
    writes: Arc<AtomicUsize>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = read
            && buf.filled().len() > before
        {
            self.reads.fetch_add(1, Ordering::SeqCst);
        }
        read
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = written
            && n > 0
        {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[tokio::test]
async fn a_batch_is_answered_with_one_write_per_read() {
    within(LIMIT, "pipelined batches", async {
        // 100 requests fit in one read; 700 too (7.5 KB); 3000 take several.
        for requests in [100, 700, 3000] {
            // A real TCP connection, whose server side is counted.
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("local address");
            let mut client = Client::connect(addr).await;
            let (stream, _) = listener.accept().await.expect("accept");
            let (reads, writes) = (Arc::default(), Arc::default());
            let counted = Counted {
                inner: stream,
                reads: Arc::clone(&reads),
                writes: Arc::clone(&writes),
            };
            tokio::spawn(connection(counted, Store::default()));

            // All the requests in one write, so they arrive together; a blank line (no reply)
            // now and then.
            let mut batch = String::new();
            let mut expected = Vec::new();
            for i in 0..requests / 2 {
                batch.push_str(&format!("PUT k{i} {i}\nGET k{i}\n"));
                expected.extend(["OK".to_string(), format!("OK {i}")]);
                if i % 10 == 9 {
                    batch.push('\n');
                }
            }
            client.send(batch.as_bytes()).await;
            for (i, reply) in expected.iter().enumerate() {
                let got = client.line().await;
                assert_eq!(
                    got.as_deref(),
                    Some(reply.as_str()),
                    "reply {i} of {requests} pipelined requests"
                );
            }
            let reads = reads.load(Ordering::SeqCst);
            let writes = writes.load(Ordering::SeqCst);
            assert!(
                writes <= reads,
                "{requests} requests that arrived together (the server read them in {reads} \
                 reads) were answered with {writes} writes: feed each reply into the sink \
                 (`feed`) and flush once, when no whole request is left in the read buffer \
                 (`send` flushes after every reply; a batch must not stop at a fixed count)"
            );
        }
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
        let want: Vec<&str> = expected.lines().collect();
        let got: Vec<&str> = replies.lines().collect();
        if let Some(i) = (0..want.len().max(got.len())).find(|&i| want.get(i) != got.get(i)) {
            panic!(
                "2000 pipelined requests got {} reply lines; the first wrong one, line {i}, is \
                 {:?} where {:?} was due: each request's reply, in the order the requests came",
                got.len(),
                got.get(i),
                want.get(i)
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_half_line_at_the_end_of_a_batch_waits_for_the_rest() {
    within(LIMIT, "a request split across writes", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        c.send(b"PUT a 1\nPUT b ").await;
        let what = "the reply to `PUT a 1` while the rest of `PUT b ...` has not come: the \
                    replies are left unflushed while the server waits for the socket (when \
                    `now_or_never` gives None, only part of a line is there: end the batch \
                    and flush)";
        let first = within(Duration::from_secs(3), what, c.line()).await;
        assert_eq!(first.as_deref(), Some("OK"), "the whole line's reply");
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

#[tokio::test]
async fn quit_in_a_pipeline_is_answered_and_ends_it() {
    within(LIMIT, "QUIT in the middle of a pipeline", async {
        let addr = start().await;
        let replies = exchange(addr, b"PUT q 1\nQUIT\nPUT q 2\nGET q\n").await;
        assert_eq!(
            replies, "OK\nOK\n",
            "`PUT q 1`, `QUIT`, `PUT q 2`, `GET q` in one write: the PUT's and QUIT's replies \
             (flushed before the connection closes: `Next::Close` ends the batch, not the \
             flush), and nothing after QUIT"
        );
        let mut c = Client::connect(addr).await;
        assert_eq!(
            c.call("GET q").await.as_deref(),
            Some("OK 1"),
            "the request behind QUIT must never run: q is still 1"
        );
    })
    .await;
}
