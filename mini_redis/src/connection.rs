//! One client connection: a `Stream` of requests in, a `Sink` of replies out.
//!
//! The loop waits for whichever comes first: a request, a message on a subscribed channel, the
//! server shutting down, or the idle timeout (`tokio::select!`, Python's `asyncio.wait(...,
//! return_when=FIRST_COMPLETED)`). Two things make it fast:
//!
//! - **Batching.** A client may send many requests before reading any reply (pipelining;
//!   `redis-benchmark -P 16`). Each reply is *fed* into the sink (encoded into the write buffer),
//!   and the sink is *flushed* (one `write` system call) only when no whole request is left in the
//!   read buffer. Sixteen pipelined GETs cost one read and one write, not sixteen of each.
//! - **No waiting on the lock.** Commands run right here, on the connection's task, against the
//!   sharded store (see [`crate::store`]); nothing is sent to another task and awaited.
//!
//! The function is generic over the transport: the server hands it a `TcpStream`, the tests an
//! in-memory `tokio::io::duplex` pipe, which lets them drive it on a paused clock.

use crate::codec::{CodecError, Request, ServerCodec};
use crate::command::{self, Command, Dialect, Rejected, Shown};
use crate::execute::execute;
use crate::frame::{Frame, Protocol};
use crate::state::Shared;
use bytes::Bytes;
use futures::{FutureExt, SinkExt, StreamExt};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, Sleep};
use tokio_stream::StreamMap;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

/// Why a connection ended (I/O errors are returned as `Err` instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The client closed its side; every request it sent was answered first.
    Eof,
    /// The client sent `QUIT`.
    Quit,
    /// No request for the configured idle timeout.
    IdleTimeout,
    /// The server is shutting down; requests already received were answered first.
    Shutdown,
    /// The RESP framing was broken; the client got `-ERR Protocol error: …`.
    ProtocolError(String),
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ending::Eof => write!(f, "client closed the connection"),
            Ending::Quit => write!(f, "QUIT"),
            Ending::IdleTimeout => write!(f, "idle timeout"),
            Ending::Shutdown => write!(f, "server shutting down"),
            Ending::ProtocolError(reason) => write!(f, "protocol error: {reason}"),
        }
    }
}

/// Serves one client until it leaves, breaks the protocol, idles out, or `shutdown` is cancelled.
pub async fn serve<T>(
    io: T,
    shared: &Shared,
    id: u64,
    shutdown: &CancellationToken,
) -> io::Result<Ending>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut connection = Connection {
        id,
        shared,
        frames: framed(io, shared),
        subscriptions: StreamMap::new(),
        protocol: Protocol::default(),
    };
    let ending = connection.run(shutdown).await;
    connection.unsubscribe_all();
    if let Ok(Ending::Quit | Ending::Shutdown | Ending::ProtocolError(_)) = &ending {
        // The server is the one closing, and the client may still be sending.
        close_gently(connection.frames.into_inner()).await;
    }
    ending
}

/// Closes a connection without destroying the last replies.
///
/// Closing a TCP socket that still has unread input makes the kernel send a reset instead of a
/// normal close, and a reset can make the client's kernel drop replies it has received but the
/// client has not read yet. So: end our side (FIN), then read and drop what the client still
/// sends, for a moment, until it closes too.
pub async fn close_gently<T: AsyncRead + AsyncWrite + Unpin>(mut io: T) {
    let drain = async {
        io.shutdown().await?;
        // Read into a sink, up to 1 MiB. (`copy` keeps its buffer on the heap: a buffer local to
        // this function would be part of every connection's future, needed or not.)
        let mut rest = (&mut io).take(1 << 20);
        tokio::io::copy(&mut rest, &mut tokio::io::sink()).await
    };
    let _ = tokio::time::timeout(Duration::from_millis(250), drain).await;
}

/// The initial size of the read and write buffers. Most requests and replies are far smaller, and
/// the buffers grow when they need to (within the limits). tokio-util's default, 8 KiB each, would
/// cost 5000 idle clients about twice the memory.
const BUFFER: usize = 1024;

/// Flush early once this many reply bytes are waiting, even in the middle of a batch.
const FLUSH_AT: usize = 8 * 1024;

fn framed<T: AsyncRead + AsyncWrite>(io: T, shared: &Shared) -> Framed<T, ServerCodec> {
    let mut frames = Framed::with_capacity(io, ServerCodec::new(shared.config.limits), BUFFER);
    frames.set_backpressure_boundary(FLUSH_AT);
    frames
}

struct Connection<'a, T> {
    id: u64,
    shared: &'a Shared,
    /// The socket as a stream of requests and a sink of replies.
    frames: Framed<T, ServerCodec>,
    /// Subscribed channels, merged into one stream of `(channel, message)`.
    subscriptions: StreamMap<Bytes, BroadcastStream<Bytes>>,
    /// RESP2, or RESP3 once the client sent `HELLO 3`. Every RESP reply is written in it:
    /// `self.protocol.reply(frame)`. Pub/sub messages and (un)subscribe confirmations are
    /// [`Frame::Push`], which RESP3 spells `>3` and RESP2 as a plain array `*3`.
    protocol: Protocol,
}

enum Event {
    Request(Option<Result<Request, CodecError>>),
    Message(Bytes, Result<Bytes, BroadcastStreamRecvError>),
    Shutdown,
    Idle,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Connection<'_, T> {
    async fn run(&mut self, shutdown: &CancellationToken) -> io::Result<Ending> {
        // Created once and polled by reference: re-creating these futures on every turn of the
        // loop would re-register them each time.
        let shutdown = shutdown.cancelled();
        tokio::pin!(shutdown);
        let idle_limit = self.shared.config.idle_timeout;
        let mut idle: Option<Pin<Box<Sleep>>> = idle_limit.map(|d| Box::pin(tokio::time::sleep(d)));

        loop {
            let event = tokio::select! {
                // Checked first, so that a client that never stops sending cannot hold the
                // server open.
                biased;
                () = &mut shutdown => Event::Shutdown,
                request = self.frames.next() => Event::Request(request),
                Some((channel, message)) = self.subscriptions.next(),
                    if !self.subscriptions.is_empty() => Event::Message(channel, message),
                // Like Redis, a subscriber waiting for messages is not idle.
                () = sleep_or_never(&mut idle), if self.subscriptions.is_empty() => Event::Idle,
            };
            match event {
                Event::Request(None) => return Ok(Ending::Eof),
                Event::Request(Some(request)) => {
                    if let Some(ending) = self.answer_batch(request).await? {
                        return Ok(ending);
                    }
                }
                Event::Message(channel, message) => self.deliver(channel, message).await?,
                Event::Shutdown => {
                    // Answer what this client already sent, then close. Yielding first lets the
                    // runtime poll the OS for readiness: bytes that arrived since this task last
                    // looked would otherwise not be seen by the non-waiting read below.
                    tokio::task::yield_now().await;
                    let ending = match self.frames.next().now_or_never() {
                        Some(Some(request)) => self.answer_batch(request).await?,
                        _ => None,
                    };
                    return Ok(ending.unwrap_or(Ending::Shutdown));
                }
                Event::Idle => return Ok(Ending::IdleTimeout),
            }
            if let (Some(sleep), Some(limit)) = (idle.as_mut(), idle_limit)
                && let Some(deadline) = Instant::now().checked_add(limit)
            {
                sleep.as_mut().reset(deadline);
            }
        }
    }

    /// Serves `first` and every request already in the read buffer behind it, then flushes the
    /// replies with one write.
    async fn answer_batch(
        &mut self,
        first: Result<Request, CodecError>,
    ) -> io::Result<Option<Ending>> {
        let mut next = Some(first);
        let mut ending = None;
        while let Some(request) = next.take() {
            ending = self.answer(request).await?;
            if ending.is_some() || self.frames.read_buffer().is_empty() {
                break;
            }
            // Bytes are waiting: decode the next request without waiting for the socket. If
            // only part of a request is there, `now_or_never` gives up at once (`None`).
            match self.frames.next().now_or_never() {
                Some(Some(request)) => next = Some(request),
                Some(None) => ending = Some(Ending::Eof),
                None => {}
            }
        }
        self.frames.flush().await?;
        Ok(ending)
    }

    /// Parses and executes one request; its reply is fed into the sink, not yet flushed.
    async fn answer(&mut self, request: Result<Request, CodecError>) -> io::Result<Option<Ending>> {
        let request = match request {
            Ok(request) => request,
            Err(CodecError::Io(err)) => return Err(err),
            Err(CodecError::Protocol(reason)) => {
                // The stream cannot be trusted past this point: say why, then close.
                let message = format!("ERR Protocol error: {reason}");
                self.frames
                    .feed(self.protocol.reply(Frame::Error(message.into())))
                    .await?;
                return Ok(Some(Ending::ProtocolError(reason)));
            }
        };
        // `debug!` only formats its arguments when debug logging is on (RUST_LOG=debug).
        tracing::debug!("[client {}] -> {}", self.id, Shown(&request));
        match command::parse(&request, &self.shared.config.limits) {
            Ok((dialect, command)) => self.dispatch(dialect, command, &request).await,
            Err(Rejected { dialect, frame }) => {
                self.frames
                    .feed(dialect.reply(frame, self.protocol))
                    .await?;
                Ok(None)
            }
        }
    }

    /// Answers the commands that change the connection itself (subscriptions, `QUIT`), and hands
    /// every other one to [`execute`]. `request` is what the command was parsed from, and borrows
    /// from.
    async fn dispatch(
        &mut self,
        dialect: Dialect,
        command: Command<'_>,
        request: &Request,
    ) -> io::Result<Option<Ending>> {
        let subscribed = !self.subscriptions.is_empty();
        let frame = match command {
            Command::Subscribe(channels) => {
                self.subscribe(channels).await?;
                return Ok(None);
            }
            Command::Unsubscribe(channels) => {
                self.unsubscribe(channels).await?;
                return Ok(None);
            }
            Command::Quit => {
                self.frames
                    .feed(dialect.reply(Frame::ok(), self.protocol))
                    .await?;
                return Ok(Some(Ending::Quit));
            }
            // While subscribed, the connection only carries messages and (un)subscriptions.
            Command::Ping(message) if subscribed => Frame::Array(vec![
                Frame::bulk_static(b"pong"),
                Frame::Bulk(request.keep(message.unwrap_or_default())),
            ]),
            other if subscribed => Frame::Error(
                format!(
                    "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / \
                     QUIT / RESET are allowed in this context",
                    other.name().to_ascii_lowercase()
                )
                .into(),
            ),
            other => execute(other, request, self.shared),
        };
        self.frames
            .feed(dialect.reply(frame, self.protocol))
            .await?;
        Ok(None)
    }

    async fn subscribe(&mut self, channels: Vec<&[u8]>) -> io::Result<()> {
        for channel in channels {
            let channel = Bytes::copy_from_slice(channel);
            if !self.subscriptions.contains_key(&channel) {
                let stream = self.shared.pubsub.subscribe(&channel);
                self.subscriptions.insert(channel.clone(), stream);
            }
            let confirmation =
                pubsub_reply(b"subscribe", Frame::Bulk(channel), self.subscriptions.len());
            self.frames.feed(self.protocol.reply(confirmation)).await?;
        }
        Ok(())
    }

    async fn unsubscribe(&mut self, channels: Vec<&[u8]>) -> io::Result<()> {
        // No channel named: all of them.
        let channels: Vec<Bytes> = if channels.is_empty() {
            self.subscriptions.keys().cloned().collect()
        } else {
            channels.into_iter().map(Bytes::copy_from_slice).collect()
        };
        if channels.is_empty() {
            let reply = pubsub_reply(b"unsubscribe", Frame::Null, 0);
            return self.frames.feed(self.protocol.reply(reply)).await;
        }
        for channel in channels {
            if self.subscriptions.remove(&channel).is_some() {
                self.shared.pubsub.release(&channel);
            }
            let reply = pubsub_reply(
                b"unsubscribe",
                Frame::Bulk(channel),
                self.subscriptions.len(),
            );
            self.frames.feed(self.protocol.reply(reply)).await?;
        }
        Ok(())
    }

    fn unsubscribe_all(&mut self) {
        let channels: Vec<Bytes> = self.subscriptions.keys().cloned().collect();
        self.subscriptions.clear();
        for channel in channels {
            self.shared.pubsub.release(&channel);
        }
    }

    /// Writes a published message, and any others already waiting, then flushes once.
    async fn deliver(
        &mut self,
        channel: Bytes,
        message: Result<Bytes, BroadcastStreamRecvError>,
    ) -> io::Result<()> {
        let mut next = Some((channel, message));
        while let Some((channel, message)) = next.take() {
            match message {
                Ok(message) => {
                    let frame = Frame::Push(vec![
                        Frame::bulk_static(b"message"),
                        Frame::Bulk(channel),
                        Frame::Bulk(message),
                    ]);
                    self.frames.feed(self.protocol.reply(frame)).await?;
                }
                Err(BroadcastStreamRecvError::Lagged(missed)) => {
                    tracing::warn!(
                        "[client {}] too slow: missed {missed} messages on {}",
                        self.id,
                        command::truncated(&channel)
                    );
                }
            }
            next = self.subscriptions.next().now_or_never().flatten();
        }
        self.frames.flush().await
    }
}

/// `*3 kind channel count` (RESP3: `>3`): the reply to each channel of a (un)subscribe.
fn pubsub_reply(kind: &'static [u8], channel: Frame, count: usize) -> Frame {
    Frame::Push(vec![
        Frame::bulk_static(kind),
        channel,
        Frame::Integer(count as i64),
    ])
}

async fn sleep_or_never(sleep: &mut Option<Pin<Box<Sleep>>>) {
    match sleep {
        Some(sleep) => sleep.as_mut().await,
        None => std::future::pending().await,
    }
}
