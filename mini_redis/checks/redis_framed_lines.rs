//! The checks of `redis_framed_lines`: `cargo exercise check redis_framed_lines` runs them against
//! mini_redis/exercises/redis_framed_lines.rs. Edit that file, not this one: the runner counts
//! these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).
//!
//! Your server runs in each test's runtime and the tests talk to it over real TCP: through `serve`
//! on a port the OS picked, or through `connection` on a socket the test accepted and wrapped
//! (`Tapped`), which tells the test how far your server has read. So a request sent in pieces is
//! sent in pieces: each piece after the server has read the last one and is waiting for more. A
//! reply that must come is awaited for at most `WAIT` (it takes microseconds).

use super::*;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::watch;
use workshop::testing::within;

/// The longest a test may take: past it, it names what never happened.
const LIMIT: Duration = Duration::from_secs(20);
/// How long a reply that must come may take (a correct server answers in microseconds).
const WAIT: Duration = Duration::from_secs(5);

/// The reply to a line over the limit.
fn too_long() -> String {
    format!("ERROR line too long (the limit is {MAX_LINE} bytes)\n")
}

/// Your server on a port the OS picked, running in the test's runtime.
async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(serve(listener));
    addr
}

/// A client that writes bytes and reads reply lines exactly as sent.
struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    fn new(stream: TcpStream) -> Client {
        let (read, writer) = stream.into_split();
        Client {
            reader: BufReader::new(read),
            writer,
        }
    }

    async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr)
            .await
            .expect("could not connect: did `serve` stop accepting?");
        Client::new(stream)
    }

    /// Writes `bytes`. A failure is not reported here: the next read shows the connection's end.
    async fn send(&mut self, bytes: &[u8]) {
        let _ = self.writer.write_all(bytes).await;
    }

    /// The next reply line, its `\n` included; `None` at the end of the stream. Panics after
    /// `WAIT` with `silence`.
    async fn line(&mut self, silence: &str) -> Option<String> {
        let mut line = Vec::new();
        match tokio::time::timeout(WAIT, self.reader.read_until(b'\n', &mut line)).await {
            Err(_) => panic!("no reply within {WAIT:?}: {silence}"),
            Ok(Ok(0) | Err(_)) => None,
            Ok(Ok(_)) => Some(String::from_utf8_lossy(&line).into_owned()),
        }
    }

    /// Sends `request` and a newline; the reply line.
    async fn call(&mut self, request: &str) -> Option<String> {
        self.send(format!("{request}\n").as_bytes()).await;
        let silence = format!("sent {:?} and got no reply", shorten(request));
        self.line(&silence).await
    }

    /// Everything the server sends until it closes the connection, or `WAIT` has passed.
    async fn until_closed(&mut self) -> (String, bool) {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(WAIT, self.reader.read_to_end(&mut rest)).await;
        (String::from_utf8_lossy(&rest).into_owned(), read.is_ok())
    }
}

/// A long request, for messages: its start and its length.
fn shorten(text: &str) -> String {
    if text.len() <= 80 {
        return text.to_string();
    }
    let start: String = text.chars().take(30).collect();
    format!("{start}… ({} bytes)", text.len())
}

/// Panics unless `got` is the line `expected` (`\n` included), saying why it must be.
fn expect_reply(got: Option<String>, expected: &str, why: &str) {
    if got.as_deref() != Some(expected) {
        let got = match got {
            None => "the end of the connection".to_string(),
            Some(line) => format!("{:?}", shorten(&line)),
        };
        panic!(
            "{why}: the reply must be {:?}, got {got}",
            shorten(expected)
        );
    }
}

/// How far the server has read its side of a connection.
#[derive(Clone, Copy, Debug, Default)]
struct Progress {
    /// Bytes read so far.
    read: usize,
    /// `read` when the server last found nothing more to read and waited for the client.
    waiting_at: Option<usize>,
}

/// The server's side of a TCP connection, as the test hands it to your `connection`: every read
/// goes to the socket, and the test learns what it gave.
struct Tapped {
    stream: TcpStream,
    progress: watch::Sender<Progress>,
}

impl AsyncRead for Tapped {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let poll = Pin::new(&mut this.stream).poll_read(cx, buf);
        let got = buf.filled().len() - before;
        this.progress.send_modify(|progress| match poll {
            Poll::Ready(_) => progress.read += got,
            Poll::Pending => progress.waiting_at = Some(progress.read),
        });
        poll
    }
}

impl AsyncWrite for Tapped {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A client of your `connection`, served on a socket the test accepted, and the server's progress.
struct Observed {
    client: Client,
    progress: watch::Receiver<Progress>,
    sent: usize,
}

impl Observed {
    async fn start() -> Observed {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let client = TcpStream::connect(addr).await.expect("connect");
        let (stream, _) = listener.accept().await.expect("accept");
        let (progress, watching) = watch::channel(Progress::default());
        tokio::spawn(connection(Tapped { stream, progress }, Store::default()));
        Observed {
            client: Client::new(client),
            progress: watching,
            sent: 0,
        }
    }

    /// Sends `piece`, then waits until the server has read everything sent so far and waits for
    /// more: whatever it does with a piece, it has done it.
    async fn send_piece(&mut self, piece: &str) {
        self.client.send(piece.as_bytes()).await;
        self.sent += piece.len();
        let sent = self.sent;
        let waiting = self
            .progress
            .wait_for(|progress| progress.waiting_at == Some(sent));
        if waiting.await.is_err() {
            panic!(
                "the connection ended after {} of the {sent} bytes sent (the last piece: \
                 {piece:?}): does `connection` return before the client closes or sends QUIT?",
                self.progress.borrow().read
            );
        }
    }
}

#[tokio::test]
async fn a_line_over_the_limit_is_refused_and_the_connection_kept() {
    within(LIMIT, "lines over the limit", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        let reply = c.call("PUT k before").await;
        expect_reply(reply, "OK\n", "sent \"PUT k before\"");
        for size in [MAX_LINE + 1, 3 * MAX_LINE, 40 * MAX_LINE] {
            let long = format!("PUT k {}", "x".repeat(size - "PUT k ".len()));
            let reply = c.call(&long).await;
            if reply.is_none() {
                panic!(
                    "sent a line of {size} bytes, over the limit of {MAX_LINE}, and the \
                     connection ended: a line too long is answered with an ERROR and the \
                     connection goes on. An `Err` from `decode` ends the `Framed` stream: turn \
                     `MaxLineLengthExceeded` into `Ok(Some(Line::TooLong))`"
                );
            }
            let why = format!(
                "sent `PUT k xxx…`, a line of {size} bytes, over the limit of {MAX_LINE}: it is \
                 answered with the ERROR, and never run"
            );
            expect_reply(reply, &too_long(), &why);
            let reply = c.call("GET k").await;
            if reply.is_none() {
                panic!(
                    "after a line of {size} bytes got its ERROR, the connection ended: a line too \
                     long is answered, not a reason to close (`Answer::Reply`, not `Last`)"
                );
            }
            let why = format!(
                "GET k after the line of {size} bytes: the connection still works, and the long \
                 PUT did not run"
            );
            expect_reply(reply, "OK before\n", &why);
        }
    })
    .await;
}

#[tokio::test]
async fn a_line_over_the_limit_is_refused_before_its_newline_comes() {
    within(LIMIT, "the ERROR for a line without its newline", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        for size in [MAX_LINE + 1, 5 * MAX_LINE + 7] {
            c.send("y".repeat(size).as_bytes()).await;
            let silence = format!(
                "sent {size} bytes and no newline yet, over the limit of {MAX_LINE}: the ERROR \
                 must come now, not when the newline does. A bounded codec \
                 (`LinesCodec::new_with_max_length`) refuses the line as soon as it passes the \
                 limit and skips the rest up to its newline, so the buffer never holds more; \
                 reading the whole line first (`next_line()`, or a decoder with no limit) and \
                 measuring it after lets one client fill the memory"
            );
            let reply = c.line(&silence).await;
            let why = format!(
                "sent {size} bytes and no newline yet, over the limit of {MAX_LINE}: the line is \
                 refused now"
            );
            expect_reply(reply, &too_long(), &why);
            c.send(b"more of the same line\n").await;
            let reply = c.call("GET y").await;
            let why = "the long line's newline, then GET y: the rest of the long line is skipped \
                       up to its newline, and the next line is a request";
            expect_reply(reply, "NONE\n", why);
        }
    })
    .await;
}

#[tokio::test]
async fn a_line_of_exactly_the_limit_is_served() {
    within(LIMIT, "a line of exactly the limit", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        let value = "v".repeat(MAX_LINE - "PUT k ".len());
        let reply = c.call(&format!("PUT k {value}")).await;
        let why = format!(
            "sent `PUT k vvv…`, a line of exactly {MAX_LINE} bytes (its newline not counted): \
             that is allowed"
        );
        expect_reply(reply, "OK\n", &why);
        let reply = c.call("GET k").await;
        expect_reply(reply, &format!("OK {value}\n"), "GET k after it");
    })
    .await;
}

#[tokio::test]
async fn a_request_sent_in_pieces_is_one_request() {
    within(LIMIT, "requests sent in pieces", async {
        let mut observed = Observed::start().await;
        let pieces = ["PUT k hel", "lo wor", "ld\r", "\n", "GE", "T k", "\n"];
        for piece in pieces {
            observed.send_piece(piece).await;
        }
        observed.client.writer.shutdown().await.expect("half-close");
        let (replies, closed) = observed.client.until_closed().await;
        assert!(
            replies == "OK\nOK hello world\n",
            "sent \"PUT k hello world\\r\\nGET k\\n\" in {} pieces ({pieces:?}), each once the \
             server had read the one before, then closed: the replies must be \
             \"OK\\nOK hello world\\n\", got {replies:?}{}. One read is not one line: a line's \
             bytes can come in several reads (and several lines in one). `Framed` keeps what it \
             read in its buffer, and the codec gives a line once its newline is there",
            pieces.len(),
            if closed {
                ""
            } else {
                " (and the connection stayed open)"
            }
        );
    })
    .await;
}

#[tokio::test]
async fn requests_in_one_write_get_one_reply_each() {
    within(LIMIT, "requests in one write", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        let sent = "PUT a 1\nGET a\r\nGET b\nDEL a\nGET a\n";
        c.send(sent.as_bytes()).await;
        c.writer.shutdown().await.expect("half-close");
        let (replies, closed) = c.until_closed().await;
        assert!(
            replies == "OK\nOK 1\nNONE\nOK\nNONE\n",
            "sent {sent:?} in one write, then closed: five lines, five replies \
             (\"OK\\nOK 1\\nNONE\\nOK\\nNONE\\n\"), got {replies:?}{}. One read is not one \
             line: a read can hold several lines (and part of one). The codec gives them one by \
             one",
            if closed {
                ""
            } else {
                " (and the connection stayed open)"
            }
        );
    })
    .await;
}

#[tokio::test]
async fn quit_is_answered_and_nothing_after_it() {
    within(LIMIT, "QUIT", async {
        let addr = start().await;
        let mut c = Client::connect(addr).await;
        c.send(b"PUT k v\nQUIT\nGET k\n").await;
        let (replies, closed) = c.until_closed().await;
        assert!(
            replies == "OK\nOK\n" && closed,
            "sent \"PUT k v\\nQUIT\\nGET k\\n\" in one write: PUT's OK, QUIT's OK, then the \
             server closes the connection and answers nothing more (stop after \
             `Answer::Last`); got {replies:?}{}",
            if closed {
                ""
            } else {
                ", and the connection stayed open"
            }
        );
    })
    .await;
}

#[test]
fn the_codec_cuts_lines_and_flags_long_ones() {
    let mut codec = RequestCodec::new();
    let mut buffer = BytesMut::from("GET a\r\nPUT b".as_bytes());
    assert_eq!(
        codec.decode(&mut buffer).ok(),
        Some(Some(Line::Text("GET a".into()))),
        "decode(\"GET a\\r\\nPUT b\"): a whole line, without its CRLF"
    );
    assert_eq!(
        codec.decode(&mut buffer).ok(),
        Some(None),
        "decode(\"PUT b\"): half a line is not a request yet"
    );
    buffer.extend_from_slice(b" 2\n");
    assert_eq!(
        codec.decode(&mut buffer).ok(),
        Some(Some(Line::Text("PUT b 2".into()))),
        "decode(\"PUT b\" + \" 2\\n\"): the line, once its newline came"
    );
    let mut long = BytesMut::from(format!("{}\nGET c\n", "x".repeat(MAX_LINE + 1)).as_bytes());
    assert_eq!(
        codec.decode(&mut long).ok(),
        Some(Some(Line::TooLong)),
        "a line over MAX_LINE must decode as Ok(Some(Line::TooLong)), not as an error (which \
         would end the Framed stream)"
    );
    assert_eq!(
        codec.decode(&mut long).ok(),
        Some(Some(Line::Text("GET c".into()))),
        "after the long line, the next one"
    );
    // A long line whose newline has not come: refused at once, and its bytes not kept.
    let mut codec = RequestCodec::new();
    let mut partial = BytesMut::from("z".repeat(MAX_LINE + 1).as_bytes());
    assert_eq!(
        codec.decode(&mut partial).ok(),
        Some(Some(Line::TooLong)),
        "{} bytes and no newline yet: over the limit already, so Ok(Some(Line::TooLong)) now \
         (LinesCodec::new_with_max_length does that), not Ok(None) until the newline",
        MAX_LINE + 1
    );
    for _ in 0..4 {
        partial.extend_from_slice("z".repeat(MAX_LINE).as_bytes());
        assert_eq!(
            codec.decode(&mut partial).ok(),
            Some(None),
            "more of the long line: nothing to serve"
        );
        assert!(
            partial.len() <= MAX_LINE,
            "the rest of a line too long is skipped as it comes; the buffer still holds {} \
             bytes of it",
            partial.len()
        );
    }
    partial.extend_from_slice(b"zz\nGET d\n");
    assert_eq!(
        codec.decode(&mut partial).ok(),
        Some(Some(Line::Text("GET d".into()))),
        "the long line's newline, then the next line"
    );
}
