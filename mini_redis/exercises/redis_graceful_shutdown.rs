//! Exercise (mini_redis, step 7 of 8): graceful shutdown — Ctrl-C answers, then closes.
//!
//! So far Ctrl-C kills your server from step 6 mid-reply. Make `serve` stop when `shutdown` (Ctrl-C
//! in `main`) completes: stop accepting (drop the listener: new clients are refused), tell every
//! connection (a `CancellationToken`; each connection gets `stop.child_token()`), and return only
//! once every connection task has ended (spawn them on a `TaskTracker`, then `close()` and
//! `wait().await`). In `connection`, the token is one more branch of the `select!`, checked first
//! (`biased;`) so that a client that never stops sending cannot hold shutdown up. When it fires,
//! answer what has already arrived, then close: yield once (`tokio::task::yield_now().await`, which
//! lets the runtime collect the socket's readiness), then take what is there with
//! `frames.next().now_or_never()` and answer it with `answer_batch`. A connection still writing a
//! batch of replies finishes it first: it sees the token at its next `select!`.
//!
//! Follows part 10 (graceful shutdown with a token, and waiting for the tasks); mini_redis's is
//! `run` in `mini_redis/src/server.rs` and the shutdown branch in `mini_redis/src/connection.rs`.
//! Python: `server.close()` then `await server.wait_closed()`, an `asyncio.Event` each handler
//! watches, and a `TaskGroup` around the handlers.
//!
//! The tests run `serve` in their own runtime, on tokio's paused clock, and press Ctrl-C
//! themselves. Ctrl-C comes while a client reads 100 replies of 4 KB slowly, with one more request
//! sent behind them: a minute later `serve` has not returned, the idle client is closed and a new
//! client is refused; the slow client then gets every reply, the last request's included, and
//! `serve` returns the moment its connection ends, with no time passing. A request sent to an
//! idle connection just before Ctrl-C is answered (the yield). With the token already cancelled,
//! a connection whose client always has another request ready answers at most one (`biased;`,
//! 60 times over). And a client in the middle of a line does not hold shutdown up.
//!
//! Run it: `cargo exercise run redis_graceful_shutdown` listens on 127.0.0.1:1337 (`-- --port N`
//! for another); talk to it with `nc 127.0.0.1 1337` or `make mr-client`, then press Ctrl-C.
//! Check it: `cargo exercise check redis_graceful_shutdown` (or save the file while
//! `make exercise` runs).

use bytes::BytesMut;
use futures::{FutureExt, SinkExt, StreamExt};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_stream::StreamMap;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_util::codec::{Decoder, Encoder, Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Longest request line, in bytes, without its line ending.
const MAX_LINE: usize = 4096;

/// How many messages a subscriber may fall behind on a channel before it misses some.
const CHANNEL_CAPACITY: usize = 64;

/// The keys and values every connection shares (step 2).
type Store = Arc<Mutex<HashMap<String, String>>>;

/// One broadcast channel per pub/sub channel name (step 6).
type Channels = Arc<Mutex<HashMap<String, broadcast::Sender<String>>>>;

/// What one client is subscribed to, merged into one stream of `(channel, message)` (step 6).
type Subscriptions = StreamMap<String, BroadcastStream<String>>;

/// Serves clients on `listener` until `shutdown` completes, then shuts down gracefully: no new
/// clients, each open one answers what it has received and is closed, and this returns once all
/// of them are.
async fn serve(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let store = Store::default();
    let channels = Channels::default();
    // TODO: stop when `shutdown` completes (a `select!` with the accept; pin it first); then
    // drop the listener, cancel a `CancellationToken` (each connection gets a
    // `child_token()`), and wait for every connection: spawn them on a `TaskTracker`, then
    // `close()` and `wait().await`. As it is, this never stops.
    let _ = shutdown;
    loop {
        let Ok((stream, _peer)) = listener.accept().await else {
            continue;
        };
        let (store, channels) = (store.clone(), channels.clone());
        let stop = CancellationToken::new();
        tokio::spawn(async move {
            if let Err(err) = connection(stream, store, channels, stop).await {
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

/// What woke the connection up.
enum Event {
    Request(Option<io::Result<Line>>),
    Message(String, Result<String, BroadcastStreamRecvError>),
    Shutdown,
}

/// Serves one client until it leaves, sends `QUIT`, or `stop` is cancelled.
async fn connection<T>(
    io: T,
    store: Store,
    channels: Channels,
    stop: CancellationToken,
) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = Framed::new(io, RequestCodec::new());
    let mut subscriptions = Subscriptions::new();
    loop {
        let event = tokio::select! {
            // Checked first, so that a client that never stops sending cannot hold shutdown up.
            // TODO: `biased;` and, first, the token: `() = stop.cancelled() => Event::Shutdown`.
            request = frames.next() => Event::Request(request),
            Some((channel, message)) = subscriptions.next() => Event::Message(channel, message),
        };
        let first = match event {
            Event::Request(Some(request)) => request?,
            // The client closed its side: everything it sent has been answered and flushed.
            Event::Request(None) => return Ok(()),
            Event::Message(channel, message) => {
                frames.send(message_line(&channel, message)).await?;
                continue;
            }
            Event::Shutdown => {
                // TODO: answer what already arrived (`tokio::task::yield_now().await`, then
                // `frames.next().now_or_never()` into `answer_batch`), then close.
                todo!("answer what arrived, then close")
            }
        };
        if answer_batch(&mut frames, first, &store, &channels, &mut subscriptions).await?
            == Next::Close
        {
            return Ok(());
        }
    }
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
    channels: &Channels,
    subscriptions: &mut Subscriptions,
) -> io::Result<Next>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut next = Some(first);
    let mut after = Next::Continue;
    while let Some(request) = next.take() {
        let answer = match request {
            Line::Text(line) => answer(&line, store, channels, subscriptions),
            Line::TooLong => Answer::Reply(format!(
                "ERROR line too long (the limit is {MAX_LINE} bytes)"
            )),
            Line::InvalidUtf8 => Answer::Reply("ERROR invalid UTF-8 in line".into()),
        };
        match answer {
            Answer::Nothing => {}
            Answer::Reply(reply) => frames.feed(reply).await?,
            Answer::Last(reply) => {
                frames.feed(reply).await?;
                after = Next::Close;
                break;
            }
        }
        // More bytes already read: take the next request without waiting for the socket.
        // `None` from `now_or_never`: only part of a line is there, the batch ends.
        if !frames.read_buffer().is_empty() {
            match frames.next().now_or_never() {
                Some(Some(request)) => next = Some(request?),
                Some(None) => after = Next::Close,
                None => {}
            }
        }
    }
    frames.flush().await?;
    Ok(after)
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

/// Answers one line: store commands, pub/sub, `QUIT`, and errors for malformed lines.
fn answer(
    line: &str,
    store: &Store,
    channels: &Channels,
    subscriptions: &mut Subscriptions,
) -> Answer {
    match parse(line) {
        Ok(None) => Answer::Nothing,
        Ok(Some(Command::Quit)) => Answer::Last("OK".into()),
        Ok(Some(Command::Subscribe(channel))) => {
            if !subscriptions.contains_key(channel) {
                subscriptions.insert(channel.to_string(), subscribe(channels, channel));
            }
            Answer::Reply("OK".into())
        }
        Ok(Some(Command::Unsubscribe(channel))) => {
            // Dropping the stream drops its receiver: the channel counts one fewer.
            subscriptions.remove(channel);
            Answer::Reply("OK".into())
        }
        Ok(Some(Command::Publish(channel, message))) => {
            let receivers = publish(channels, channel, message);
            Answer::Reply(format!("OK {receivers}"))
        }
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
        Command::Quit | Command::Subscribe(_) | Command::Unsubscribe(_) | Command::Publish(..) => {
            "ERROR not a store command".into()
        }
    }
}

/// A receiver on `channel`'s broadcast channel, created on first use, as a stream.
fn subscribe(channels: &Channels, channel: &str) -> BroadcastStream<String> {
    let mut map = channels
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let sender = map
        .entry(channel.to_string())
        .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0);
    BroadcastStream::new(sender.subscribe())
}

/// Sends `message` to `channel`'s subscribers; returns how many there were. A channel nobody
/// listens to any more is forgotten.
fn publish(channels: &Channels, channel: &str, message: &str) -> usize {
    let mut map = channels
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let Some(sender) = map.get(channel) else {
        return 0;
    };
    match sender.send(message.to_string()) {
        Ok(receivers) => receivers,
        Err(_) => {
            map.remove(channel);
            0
        }
    }
}

/// `MESSAGE channel text`, or what a subscriber too slow to keep up missed.
fn message_line(channel: &str, message: Result<String, BroadcastStreamRecvError>) -> String {
    match message {
        Ok(text) => format!("MESSAGE {channel} {text}"),
        Err(BroadcastStreamRecvError::Lagged(missed)) => {
            format!("ERROR missed {missed} messages on {channel}")
        }
    }
}

/// One request of the line dialect, borrowing from its line.
#[derive(Debug, PartialEq)]
enum Command<'a> {
    Get(&'a str),
    Put(&'a str, &'a str),
    Del(&'a str),
    Quit,
    Subscribe(&'a str),
    Unsubscribe(&'a str),
    Publish(&'a str, &'a str),
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
        "SUBSCRIBE" => match words[..] {
            [channel] => Command::Subscribe(channel),
            _ => return Err("usage: SUBSCRIBE channel".into()),
        },
        "UNSUBSCRIBE" => match words[..] {
            [channel] => Command::Unsubscribe(channel),
            _ => return Err("usage: UNSUBSCRIBE channel".into()),
        },
        "PUBLISH" => match key_and_text() {
            Some((channel, message)) => Command::Publish(channel, message),
            None => return Err("usage: PUBLISH channel message".into()),
        },
        _ => {
            return Err(format!(
                "unknown command '{name}' (try GET key, PUT key value, DEL key, QUIT, \
                 SUBSCRIBE channel, UNSUBSCRIBE channel, PUBLISH channel message)"
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
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve(listener, ctrl_c).await;
    println!("shut down: every client answered and closed");
    Ok(())
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

// The tests `cargo exercise check` runs: mini_redis/checks/redis_graceful_shutdown.rs.
#[cfg(test)]
#[path = "../checks/redis_graceful_shutdown.rs"]
mod checks;
