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
//! The tests, over TCP: lines over the limit (three sizes) get the ERROR and the connection still
//! works (the long PUT not run); the ERROR comes as soon as the limit is passed, before the line's
//! newline; a line of exactly the limit is served; a request sent in pieces (each read by the
//! server before the next is sent) is one request, and five requests in one write get five
//! replies; nothing is answered after QUIT. And the codec on its own: CRLF, half a line, a long
//! line then the next one, and the rest of a long line skipped as it comes.
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

// The tests `cargo exercise check` runs: mini_redis/checks/redis_framed_lines.rs.
#[cfg(test)]
#[path = "../checks/redis_framed_lines.rs"]
mod checks;
