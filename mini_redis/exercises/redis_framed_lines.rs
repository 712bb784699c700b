//! Exercise (mini_redis, step 3 of 8): framing — requests as a Stream, replies through a Sink.
//!
//! Your store server from step 2 reads lines with `next_line`, which keeps reading as long as no
//! newline comes: one client sending a gigabyte without one takes a gigabyte of memory. Frame the
//! connection instead: `Framed::new(io, RequestCodec::new())` (tokio-util) turns the socket into a
//! `Stream` of requests (`frames.next().await`) and a `Sink` of replies (`frames.send(reply).await`).
//! `RequestCodec` wraps `LinesCodec::new_with_max_length(MAX_LINE)`. Write its `decode`: a line
//! becomes `Line::Text`; a line over `MAX_LINE` becomes `Line::TooLong`, which the connection answers
//! `ERROR line too long (the limit is 4096 bytes)`, and the connection goes on (`LinesCodec` skips
//! the rest of that line by itself). Why not leave it an error: a `Framed` stream ends after its
//! decoder's first error, and one long line would end the connection. Then write `connection`.
//!
//! Follows part 08 (async iterators are Streams); mini_redis's own codec is
//! `mini_redis/src/codec.rs`, and `mini_redis/src/connection.rs` drives it. Python:
//! `asyncio.StreamReader(limit=4096)`, whose `readline()` raises `LimitOverrunError`/`ValueError`
//! past the limit, caught in the handler's loop.
//!
//! The tests: a line over the limit gets the ERROR and the connection still works (the long PUT not
//! run), a line of exactly the limit is served, and the codec on its own (CRLF, half a line, a
//! long line then the next one).
//!
//! Run it: `cargo exercise run redis_framed_lines` listens on 127.0.0.1:1337 (`-- --port N` for
//! another); talk to it with `nc 127.0.0.1 1337` or `make mr-client`.
//! Check it: `cargo exercise check redis_framed_lines` (or save the file while `make exercise` runs).

use bytes::BytesMut;
use futures::{SinkExt, StreamExt};
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
}

/// `LinesCodec`, with a line over the limit turned into a request. A `Framed` stream ends after
/// its decoder's first error, and a connection must outlive a line that is too long.
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
        // TODO: let `self.lines` decode; a line becomes `Line::Text`, and
        // `LinesCodecError::MaxLineLengthExceeded` becomes `Ok(Some(Line::TooLong))` (an error
        // would end the `Framed` stream, and the connection with it). Its `Io` error: `Err`.
        let _ = src;
        todo!("decode one line")
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        // At the end of the stream, `LinesCodec` hands over what is left as a last line.
        match self.lines.decode_eof(src) {
            Ok(line) => Ok(line.map(Line::Text)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Line::TooLong)),
            Err(LinesCodecError::Io(err)) => Err(err),
        }
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
    // TODO: `Framed::new(io, RequestCodec::new())`; for each request (`frames.next().await`):
    // `Line::Text` → `answer`, `Line::TooLong` → `ERROR line too long (the limit is {MAX_LINE}
    // bytes)`; send each reply with `frames.send(reply).await?` (SinkExt); stop after `QUIT`'s
    // reply, and when the stream ends.
    let _ = (io, store);
    todo!("serve one client through Framed")
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
}
