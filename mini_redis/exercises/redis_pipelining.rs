//! Exercise (mini_redis, step 5 of 8): pipelining — one write per batch.
//!
//! A client may send many requests before reading any reply (pipelining: `redis-benchmark -P 16`,
//! or a script piped into `nc`). Your server from step 4 answers each with `frames.send`, which
//! flushes: one `write` system call per reply. Write `answer_batch`: answer `first`, and every
//! request already read behind it, *feeding* each reply into the sink (`frames.feed(reply)`, which
//! only encodes it into the write buffer), then flush once (`frames.flush()`). The requests already
//! read are there while `frames.read_buffer()` is not empty: take the next one without waiting with
//! `frames.next().now_or_never()` (futures' `FutureExt`): `Some(Some(request))` is one more,
//! `Some(None)` the end of the stream, and `None` means only part of a line is there, which ends
//! the batch. Never wait for the socket with replies unflushed: the client may be waiting for them.
//! `QUIT` ends the batch too (`Next::Close`). `connection` now takes any byte stream
//! (`AsyncRead + AsyncWrite`), so a test can count its writes.
//!
//! Follows part 08 (polling a stream); mini_redis's batching is `answer_batch` in
//! `mini_redis/src/connection.rs` (sixteen pipelined GETs: one read, one write). Python:
//! `writer.write()` only buffers, and `await writer.drain()` once per batch.
//!
//! The tests: 100 requests that arrive together are answered with at most 2 writes, 2000 pipelined
//! requests are answered in order, and a request split across two writes waits for its end.
//!
//! Run it: `cargo exercise run redis_pipelining` listens on 127.0.0.1:1337 (`-- --port N` for
//! another); talk to it with `nc 127.0.0.1 1337` or `make mr-client`.
//! Check it: `cargo exercise check redis_pipelining` (or save the file while `make exercise` runs).

use bytes::BytesMut;
use futures::{FutureExt, SinkExt, StreamExt};
use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_util::codec::{Decoder, Encoder, Framed, LinesCodec, LinesCodecError};

/// Longest request line, in bytes, without its line ending.
const MAX_LINE: usize = 4096;

/// The keys and values every connection shares (step 2).
type Store = Arc<Mutex<HashMap<String, String>>>;

/// Serves clients on `listener`, each on a task of its own, until the process ends.
async fn serve(listener: TcpListener) -> io::Result<()> {
    let store = Store::default();
    loop {
        let (stream, _peer) = listener.accept().await?;
        let store = store.clone();
        tokio::spawn(async move {
            if let Err(err) = connection(stream, store).await {
                eprintln!("connection ended: {err}");
            }
        });
    }
}

/// One request line, as the codec cuts it (steps 3 and 4).
#[derive(Debug, PartialEq)]
enum Line {
    Text(String),
    /// Longer than the limit; its bytes were skipped up to its newline.
    TooLong,
    /// Not UTF-8; the whole line was skipped.
    InvalidUtf8,
}

/// `LinesCodec`, with the errors a client can cause turned into requests. A `Framed` stream ends
/// after its decoder's first error, and a connection must outlive a bad line.
struct RequestCodec {
    lines: LinesCodec,
}

impl RequestCodec {
    fn new() -> RequestCodec {
        RequestCodec {
            lines: LinesCodec::new_with_max_length(MAX_LINE),
        }
    }
}

impl Decoder for RequestCodec {
    type Item = Line;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        match self.lines.decode(src) {
            Ok(line) => Ok(line.map(Line::Text)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Line::TooLong)),
            // `LinesCodec::decode` does no I/O: its only `Io` error is a line that is not UTF-8,
            // which it has already taken out of the buffer.
            Err(LinesCodecError::Io(_)) => Ok(Some(Line::InvalidUtf8)),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        // Whole lines still in the buffer are requests; what is left after them was cut off by
        // the end of the stream and is dropped, never executed.
        let line = self.decode(src)?;
        if line.is_none() {
            src.clear();
        }
        Ok(line)
    }
}

impl Encoder<String> for RequestCodec {
    type Error = io::Error;

    fn encode(&mut self, reply: String, dst: &mut BytesMut) -> io::Result<()> {
        self.lines.encode(reply, dst).map_err(|err| match err {
            LinesCodecError::Io(err) => err,
            other => io::Error::other(other),
        })
    }
}

/// Serves one client until it leaves or sends `QUIT`.
async fn connection<T>(io: T, store: Store) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = Framed::new(io, RequestCodec::new());
    while let Some(request) = frames.next().await {
        if answer_batch(&mut frames, request?, &store).await? == Next::Close {
            break;
        }
    }
    Ok(())
}

/// Whether the connection goes on after a request.
#[derive(Debug, PartialEq)]
enum Next {
    Continue,
    Close,
}

/// Answers `first` and every request already read behind it (pipelining), then flushes their
/// replies with one write (step 5).
async fn answer_batch<T>(
    frames: &mut Framed<T, RequestCodec>,
    first: Line,
    store: &Store,
) -> io::Result<Next>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    // TODO: answer `first` (as `connection` did in step 4), then, while
    // `frames.read_buffer()` is not empty, the next request from `frames.next().now_or_never()`;
    // `feed` each reply; after `QUIT` stop (`Next::Close`); then flush once.
    let _ = (frames, first, store);
    todo!("answer a batch, then flush once")
}

/// What to send back for one request line.
#[derive(Debug, PartialEq)]
enum Answer {
    /// A blank line: no reply.
    Nothing,
    Reply(String),
    /// The reply, then close the connection (`QUIT`).
    Last(String),
}

/// Answers one line: store commands, `QUIT`, and errors for malformed lines.
fn answer(line: &str, store: &Store) -> Answer {
    match parse(line) {
        Ok(None) => Answer::Nothing,
        Ok(Some(Command::Quit)) => Answer::Last("OK".into()),
        Ok(Some(command)) => Answer::Reply(execute(store, command)),
        Err(reason) => Answer::Reply(format!("ERROR {reason}")),
    }
}

/// Runs a store command. The lock is held for one map operation and released before anything
/// is awaited: a std `Mutex` is right for that (tokio's is for locks held across `.await`).
fn execute(store: &Store, command: Command<'_>) -> String {
    let mut map = store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match command {
        Command::Get(key) => match map.get(key) {
            Some(value) => format!("OK {value}"),
            None => "NONE".into(),
        },
        Command::Put(key, value) => {
            map.insert(key.to_string(), value.to_string());
            "OK".into()
        }
        Command::Del(key) => {
            map.remove(key);
            "OK".into()
        }
        // The connection answers these itself and never sends them here.
        Command::Quit => "ERROR not a store command".into(),
    }
}

/// One request of the line dialect, borrowing from its line.
#[derive(Debug, PartialEq)]
enum Command<'a> {
    Get(&'a str),
    Put(&'a str, &'a str),
    Del(&'a str),
    Quit,
}

/// Parses one line (given: the rules and messages of mini_redis/src/command.rs). `Ok(None)` is a
/// blank line; `Err` is the reason a malformed line is refused.
fn parse(line: &str) -> Result<Option<Command<'_>>, String> {
    let line = line.trim_start();
    if line.is_empty() {
        return Ok(None);
    }
    let (name, rest) = line.split_once([' ', '\t']).unwrap_or((line, ""));
    let words: Vec<&str> = rest.split_ascii_whitespace().collect();
    // A key, then the rest of the line, spaces and all: `PUT greeting hello world`.
    let key_and_text = || {
        let (key, text) = rest
            .trim_start_matches([' ', '\t'])
            .split_once([' ', '\t'])?;
        let text = text.trim_start_matches([' ', '\t']);
        (!text.is_empty()).then_some((key, text))
    };
    let command = match name.to_ascii_uppercase().as_str() {
        "GET" => match words[..] {
            [key] => Command::Get(key),
            _ => return Err("usage: GET key".into()),
        },
        "PUT" => match key_and_text() {
            Some((key, value)) => Command::Put(key, value),
            None => return Err("usage: PUT key value".into()),
        },
        "DEL" => match words[..] {
            [key] => Command::Del(key),
            _ => return Err("usage: DEL key".into()),
        },
        "QUIT" => match words[..] {
            [] => Command::Quit,
            _ => return Err("usage: QUIT".into()),
        },
        _ => {
            return Err(format!(
                "unknown command '{name}' (try GET key, PUT key value, DEL key, QUIT)"
            ));
        }
    };
    Ok(Some(command))
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let port = port_from_args()?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on 127.0.0.1:{port}: try `nc 127.0.0.1 {port}`; Ctrl-C stops it");
    serve(listener).await
}

/// `--port N` (after `cargo exercise run NAME --`), else 1337.
fn port_from_args() -> io::Result<u16> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match &args[..] {
        [] => Ok(1337),
        [flag, port] if flag == "--port" => port.parse().map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{port:?} is no port"))
        }),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "usage: --port N",
        )),
    }
}

#[cfg(test)]
mod tests {
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
}
