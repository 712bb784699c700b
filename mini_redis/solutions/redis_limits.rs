//! Exercise (mini_redis, step 8 of 8): limits — a connection cap and an idle timeout.
//!
//! The server from step 7, with the two limits every public server needs. Each client costs a
//! task, two buffers and a file descriptor: `Limits::max_connections` caps how many are served at
//! once, with a `tokio::sync::Semaphore` of that many permits. In the accept loop, take a permit
//! *without waiting* (`Arc::clone(&permits).try_acquire_owned()`) and move it into the connection's
//! task, so it is given back when the task ends. Over the cap, the client is still accepted, is
//! told `ERROR max number of clients reached`, and is closed: never left waiting in the kernel's
//! queue with no answer (which `acquire().await` before `accept` would do). And a client that
//! sends nothing for `Limits::idle_timeout` is closed: one `tokio::time::sleep` per connection,
//! one more branch of the `select!`, its deadline moved (`Sleep::reset`) after every request.
//!
//! Follows part 12 (a semaphore as a limit) and part 11 (deadlines); mini_redis does both in
//! `src/server.rs` (the permit, `reject`) and `src/connection.rs` (the idle branch). Python:
//! `asyncio.Semaphore` with `sem.locked()` as the non-waiting check, and
//! `async with asyncio.timeout(idle): line = await reader.readline()`.
//!
//! Last, your server is held to mini_redis's own contract: the tests run `line_dialect` from
//! `mini_redis/src/conformance.rs` against it, the checks mini_redis itself passes
//! (`mini_redis/tests/conformance.rs`).
//!
//! The tests (on tokio's paused clock but the last): with a cap of 1, then 3, one client more
//! than the cap gets the error line, then the end (neither served nor left waiting); one arriving
//! after a client has left is served in its place, and the next is refused again. A silent client
//! is closed after exactly the idle timeout (30 s, then 7 s), and one that sends a request every
//! 20 s of a 30 s timeout (5 s of 7 s) is served as long as it talks. Last, the line-dialect
//! conformance checks (among them: a line over `MAX_LINE` gets `ERROR line too long …`, and the
//! connection stays usable).
//!
//! Run it: `cargo exercise run redis_limits` listens on 127.0.0.1:1337 (`-- --port N` for
//! another); talk to it with `nc 127.0.0.1 1337` or `make mr-client`.
//! Check it: `cargo exercise check redis_limits` (or save the file while `make exercise` runs).

use bytes::BytesMut;
use futures::{FutureExt, SinkExt, StreamExt};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, broadcast};
use tokio::time::Instant;
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

/// The server's limits (step 8).
#[derive(Clone, Copy, Debug)]
struct Limits {
    /// Clients served at once; one more is told so and closed.
    max_connections: usize,
    /// A client that sends no request for this long is closed.
    idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1000,
            idle_timeout: Duration::from_secs(300),
        }
    }
}

/// Serves clients on `listener` until `shutdown` completes, then shuts down gracefully: no new
/// clients, each open one answers what it has received and is closed, and this returns once all
/// of them are.
async fn serve(listener: TcpListener, limits: Limits, shutdown: impl Future<Output = ()>) {
    let store = Store::default();
    let channels = Channels::default();
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(err) => {
                    // Most likely out of file descriptors: pause rather than spin.
                    eprintln!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Never wait for a permit: a client over the limit is told so at once.
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tasks.spawn(reject(stream));
            continue;
        };
        let (store, channels, stop) = (store.clone(), channels.clone(), stop.child_token());
        tasks.spawn(async move {
            if let Err(err) = connection(stream, store, channels, stop, limits.idle_timeout).await {
                eprintln!("connection ended: {err}");
            }
            // The permit goes back only now, when the connection is over.
            drop(permit);
        });
    }
    drop(listener); // new clients are refused from here on
    stop.cancel();
    tasks.close();
    tasks.wait().await;
}

/// Over the limit: say so, and close.
async fn reject(mut stream: TcpStream) {
    let _ = stream
        .write_all(b"ERROR max number of clients reached\n")
        .await;
    let _ = stream.shutdown().await;
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
    Idle,
}

/// Serves one client until it leaves, sends `QUIT`, idles out, or `stop` is cancelled.
async fn connection<T>(
    io: T,
    store: Store,
    channels: Channels,
    stop: CancellationToken,
    idle_timeout: Duration,
) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = Framed::new(io, RequestCodec::new());
    let mut subscriptions = Subscriptions::new();
    let idle = tokio::time::sleep(idle_timeout);
    tokio::pin!(idle);
    loop {
        let event = tokio::select! {
            // Checked first, so that a client that never stops sending cannot hold shutdown up.
            biased;
            () = stop.cancelled() => Event::Shutdown,
            request = frames.next() => Event::Request(request),
            Some((channel, message)) = subscriptions.next() => Event::Message(channel, message),
            () = &mut idle => Event::Idle,
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
                // Answer what already arrived, then close. Yielding first lets the runtime
                // collect the socket's readiness, so `now_or_never` sees bytes that are here.
                tokio::task::yield_now().await;
                if let Some(Some(request)) = frames.next().now_or_never() {
                    answer_batch(&mut frames, request?, &store, &channels, &mut subscriptions)
                        .await?;
                }
                return Ok(());
            }
            Event::Idle => return Ok(()),
        };
        if answer_batch(&mut frames, first, &store, &channels, &mut subscriptions).await?
            == Next::Close
        {
            return Ok(());
        }
        idle.as_mut().reset(Instant::now() + idle_timeout);
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
    serve(listener, Limits::default(), ctrl_c).await;
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

// The tests `cargo exercise check` runs: mini_redis/checks/redis_limits.rs.
#[cfg(test)]
#[path = "../checks/redis_limits.rs"]
mod checks;
