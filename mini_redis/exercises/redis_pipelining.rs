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
//! (`AsyncRead + AsyncWrite`), so a test can count its reads and writes.
//!
//! Follows part 08 (polling a stream); mini_redis's batching is `answer_batch` in
//! `mini_redis/src/connection.rs` (sixteen pipelined GETs: one read, one write). Python:
//! `writer.write()` only buffers, and `await writer.drain()` once per batch.
//!
//! The tests count the reads and writes on the server's side of the socket: 100, 700 and 3000
//! requests that arrive together (blank lines among them) are answered with no more writes than
//! reads. 2000 pipelined requests are answered in order; the replies before half a line are sent
//! while its end has not come; and `PUT`, `QUIT`, `PUT` in one write get two replies, flushed, and
//! the second `PUT` never runs.
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

// The tests `cargo exercise check` runs: mini_redis/checks/redis_pipelining.rs.
#[cfg(test)]
#[path = "../checks/redis_pipelining.rs"]
mod checks;
