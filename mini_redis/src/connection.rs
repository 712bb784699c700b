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
//! And two things keep it bounded: the socket's buffers shrink back after a large request or
//! reply, and a client that accepts no reply bytes for `write_timeout` is disconnected (both in
//! [`crate::transport`]); a subscriber whose messages pile up past `max_pubsub_buffer` is
//! disconnected too, saying why in the log (see [`crate::pubsub`]).
//!
//! The function is generic over the transport: the server hands it a `TcpStream`, the tests an
//! in-memory `tokio::io::duplex` pipe, which lets them drive it on a paused clock.

use crate::codec::{CodecError, Request, ServerCodec};
use crate::command::{self, Command, Dialect, Rejected, Shown};
use crate::execute::{self, execute_on};
use crate::frame::{Frame, Protocol};
use crate::pubsub::{Kind, Message, Subscriber};
use crate::state::Shared;
use crate::store::Keyspace;
use crate::transaction::Transaction;
use crate::transport::Transport;
use bytes::Bytes;
use futures::{FutureExt, SinkExt, StreamExt};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, Sleep};
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
    /// The client accepted no byte of its replies for this long (`write_timeout`).
    WriteTimeout(Duration),
    /// More than this many bytes of published messages waited for the client
    /// (`max_pubsub_buffer`): it reads too slowly to keep up with its subscriptions.
    SlowSubscriber(usize),
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ending::Eof => write!(f, "client closed the connection"),
            Ending::Quit => write!(f, "QUIT"),
            Ending::IdleTimeout => write!(f, "idle timeout"),
            Ending::Shutdown => write!(f, "server shutting down"),
            Ending::ProtocolError(reason) => write!(f, "protocol error: {reason}"),
            Ending::WriteTimeout(limit) => {
                write!(f, "write timeout: no reply bytes accepted for {limit:?}")
            }
            Ending::SlowSubscriber(limit) => write!(
                f,
                "pub/sub output buffer limit: over {limit} bytes of messages waiting \
                 (as Redis' client-output-buffer-limit pubsub)"
            ),
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
        frames: Transport::new(
            io,
            ServerCodec::new(shared.config.limits),
            shared.config.write_timeout,
        ),
        subscriber: None,
        protocol: Protocol::default(),
        name: None,
        transaction: None,
    };
    let _counted = shared.client_connected(); // INFO's connected_clients
    let ending = match connection.run(shutdown).await {
        Err(_) if connection.frames.timed_out() => {
            // The write timed out, so a write timeout is configured.
            let limit = shared.config.write_timeout.unwrap_or_default();
            Ok(Ending::WriteTimeout(limit))
        }
        other => other,
    };
    // Unsubscribes from everything, and drops the messages still waiting.
    drop(connection.subscriber.take());
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

struct Connection<'a, T> {
    id: u64,
    shared: &'a Shared,
    /// The socket as a stream of requests and a sink of replies.
    frames: Transport<T>,
    /// The connection's mailbox and subscriptions, from its first (P)SUBSCRIBE until it closes.
    subscriber: Option<Subscriber<'a>>,
    /// RESP2, or RESP3 once the client sent `HELLO 3`. Every RESP reply is written in it:
    /// `self.protocol.reply(frame)`. Pub/sub messages and (un)subscribe confirmations are
    /// [`Frame::Push`], which RESP3 spells `>3` and RESP2 as a plain array `*3`.
    protocol: Protocol,
    /// `CLIENT SETNAME`'s.
    name: Option<Bytes>,
    /// The commands queued since `MULTI`, until `EXEC` or `DISCARD`.
    transaction: Option<Transaction>,
}

enum Event {
    Request(Option<Result<Request, CodecError>>),
    Message(Message),
    /// The subscriber's messages passed `max_pubsub_buffer`.
    Overflow,
    Shutdown,
    Idle,
}

impl<'a, T: AsyncRead + AsyncWrite + Unpin> Connection<'a, T> {
    async fn run(&mut self, shutdown: &CancellationToken) -> io::Result<Ending> {
        // Created once and polled by reference: re-creating these futures on every turn of the
        // loop would re-register them each time.
        let shutdown = shutdown.cancelled();
        tokio::pin!(shutdown);
        let idle_limit = self.shared.config.idle_timeout;
        let mut idle: Option<Pin<Box<Sleep>>> = idle_limit.map(|d| Box::pin(tokio::time::sleep(d)));

        loop {
            let subscribed = self.subscription_count() > 0;
            // A clone of the token (an `Arc`), so that waiting on it borrows nothing of `self`.
            let overflowed = self.subscriber.as_ref().map(Subscriber::overflowed);
            let event = tokio::select! {
                // Checked first, so that a client that never stops sending cannot hold the
                // server open.
                biased;
                () = &mut shutdown => Event::Shutdown,
                () = cancelled_or_never(overflowed.as_ref()) => Event::Overflow,
                // Before requests: a message published before a request arrived is written
                // before that request's reply, as Redis orders them.
                message = recv_or_never(&mut self.subscriber) => Event::Message(message),
                request = self.frames.next() => Event::Request(request),
                // Like Redis, a subscriber waiting for messages is not idle.
                () = sleep_or_never(&mut idle), if !subscribed => Event::Idle,
            };
            match event {
                Event::Request(None) => return Ok(Ending::Eof),
                Event::Request(Some(request)) => {
                    if let Some(ending) = self.answer_batch(request).await? {
                        return Ok(ending);
                    }
                }
                Event::Message(message) => {
                    // Writing waits while the client does not read: meanwhile its mailbox may
                    // fill up, and then the connection closes at once.
                    tokio::select! {
                        biased;
                        () = cancelled_or_never(overflowed.as_ref()) => {
                            return Ok(self.slow_subscriber());
                        }
                        written = self.deliver(message) => written?,
                    }
                }
                Event::Overflow => return Ok(self.slow_subscriber()),
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
        self.frames.shrink_read_buffer();
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
                // Between MULTI and EXEC, a command refused aborts the transaction.
                if let Some(transaction) = &mut self.transaction {
                    transaction.fail();
                }
                self.frames
                    .feed(dialect.reply(frame, self.protocol))
                    .await?;
                Ok(None)
            }
        }
    }

    /// Answers the commands that change the connection itself (subscriptions, `QUIT`,
    /// transactions, `HELLO`, `CLIENT`), and hands every other one to [`execute_on`]. `request`
    /// is what the command was parsed from, and borrows from.
    async fn dispatch(
        &mut self,
        dialect: Dialect,
        command: Command<'_>,
        request: &Request,
    ) -> io::Result<Option<Ending>> {
        if self.transaction.is_some() && command != Command::Quit {
            let frame = self.in_transaction(dialect, command, request);
            self.frames
                .feed(dialect.reply(frame, self.protocol))
                .await?;
            return Ok(None);
        }
        // In RESP2, a subscribed connection carries only messages and (un)subscriptions; RESP3
        // tells messages apart by their type (`>`), and allows every command.
        let subscribed = self.subscription_count() > 0 && self.protocol == Protocol::Resp2;
        let frame = match command {
            Command::Subscribe(channels) => {
                self.subscribe(Kind::Channel, channels).await?;
                return Ok(None);
            }
            Command::Unsubscribe(channels) => {
                self.unsubscribe(Kind::Channel, channels).await?;
                return Ok(None);
            }
            Command::Psubscribe(patterns) => {
                self.subscribe(Kind::Pattern, patterns).await?;
                return Ok(None);
            }
            Command::Punsubscribe(patterns) => {
                self.unsubscribe(Kind::Pattern, patterns).await?;
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
            Command::Multi => {
                self.transaction = Some(Transaction::new());
                Frame::ok()
            }
            Command::Exec => Frame::error("ERR EXEC without MULTI"),
            Command::Discard => Frame::error("ERR DISCARD without MULTI"),
            other => {
                let shared = self.shared;
                self.run_command(&mut &shared.store, other, request)
            }
        };
        self.frames
            .feed(dialect.reply(frame, self.protocol))
            .await?;
        Ok(None)
    }

    /// Between `MULTI` and `EXEC` (see [`crate::transaction`]): queues the command, or runs the
    /// queue, or drops it.
    fn in_transaction(
        &mut self,
        dialect: Dialect,
        command: Command<'_>,
        request: &Request,
    ) -> Frame {
        let Some(transaction) = self.transaction.as_mut() else {
            return Frame::error("ERR EXEC without MULTI");
        };
        match command {
            Command::Multi => Frame::error("ERR MULTI calls can not be nested"),
            Command::Discard => {
                self.transaction = None;
                Frame::ok()
            }
            Command::Exec => match self.transaction.take().map(Transaction::into_queue) {
                Some(Ok(queue)) => self.exec(queue),
                Some(Err(aborted)) => aborted,
                None => Frame::error("ERR EXEC without MULTI"),
            },
            Command::Subscribe(_)
            | Command::Unsubscribe(_)
            | Command::Psubscribe(_)
            | Command::Punsubscribe(_) => {
                transaction.fail();
                Frame::Error(
                    format!(
                        "ERR {} inside MULTI is not supported by mini_redis",
                        command.name()
                    )
                    .into(),
                )
            }
            _ if dialect == Dialect::Line => {
                transaction.fail();
                Frame::error("ERR MULTI is open: send its commands, then EXEC, over RESP")
            }
            _ => match transaction.queue(request, self.shared.config.limits.max_bulk) {
                Ok(()) => Frame::Simple("QUEUED".into()),
                Err(refused) => refused,
            },
        }
    }

    /// `EXEC`: runs the queued commands with every shard of the store locked, so that no other
    /// client's command runs in between; one reply per command, errors included.
    fn exec(&mut self, queue: Vec<Request>) -> Frame {
        let shared = self.shared;
        // Held while the commands run, none of which awaits: released before the reply is
        // written.
        let mut all = shared.store.lock_all();
        let replies = queue
            .iter()
            .map(
                |request| match command::parse(request, &shared.config.limits) {
                    Ok((_, command)) => self.run_command(&mut all, command, request),
                    Err(Rejected { frame, .. }) => frame,
                },
            )
            .collect();
        Frame::Array(replies)
    }

    /// Runs a command that awaits nothing, on `db`: the ones that read or change this connection
    /// (`HELLO`, `CLIENT`) here, every other one by [`execute_on`].
    fn run_command(
        &mut self,
        db: &mut impl Keyspace,
        command: Command<'_>,
        request: &Request,
    ) -> Frame {
        match command {
            Command::Hello { protocol, name } => {
                match protocol {
                    Some(3) => self.protocol = Protocol::Resp3,
                    Some(_) => self.protocol = Protocol::Resp2,
                    None => {}
                }
                if let Some(name) = name {
                    self.set_name(name);
                }
                execute::hello(self.id, self.protocol)
            }
            Command::ClientId => Frame::Integer(self.id as i64),
            Command::ClientGetName => self.name.clone().map_or(Frame::Null, Frame::Bulk),
            Command::ClientSetName(name) => {
                self.set_name(name);
                Frame::ok()
            }
            other => execute_on(db, other, request, self.shared),
        }
    }

    /// An empty name clears it, as in Redis.
    fn set_name(&mut self, name: &[u8]) {
        self.name = (!name.is_empty()).then(|| Bytes::copy_from_slice(name));
    }

    fn subscription_count(&self) -> usize {
        self.subscriber.as_ref().map_or(0, Subscriber::count)
    }

    /// `SUBSCRIBE` / `PSUBSCRIBE`: a confirmation per name, each with the count so far. Past
    /// `max_subscriptions`, an error, and the rest of the names are not subscribed; those
    /// before it stay.
    async fn subscribe(&mut self, kind: Kind, names: Vec<&[u8]>) -> io::Result<()> {
        let max = self.shared.config.max_subscriptions;
        let shared: &'a Shared = self.shared;
        let subscriber = self
            .subscriber
            .get_or_insert_with(|| shared.pubsub.subscriber());
        for name in names {
            let is_new = !subscriber.is_subscribed(kind, name);
            if is_new && subscriber.count() >= max {
                let error = Frame::Error(
                    format!(
                        "ERR max subscriptions reached: {max} channels and patterns per \
                         connection (--max-subscriptions)"
                    )
                    .into(),
                );
                return self.frames.feed(self.protocol.reply(error)).await;
            }
            if is_new {
                subscriber.subscribe(kind, name);
            }
            let confirmation = pubsub_reply(
                confirmation_kind(kind, true),
                Frame::Bulk(Bytes::copy_from_slice(name)),
                subscriber.count(),
            );
            self.frames.feed(self.protocol.reply(confirmation)).await?;
        }
        Ok(())
    }

    /// `UNSUBSCRIBE` / `PUNSUBSCRIBE`: a confirmation per name; no name: every one of that kind.
    async fn unsubscribe(&mut self, kind: Kind, names: Vec<&[u8]>) -> io::Result<()> {
        let names: Vec<Bytes> = match &self.subscriber {
            _ if !names.is_empty() => names.into_iter().map(Bytes::copy_from_slice).collect(),
            Some(subscriber) => subscriber.names(kind),
            None => Vec::new(),
        };
        let reply_kind = confirmation_kind(kind, false);
        if names.is_empty() {
            let reply = pubsub_reply(reply_kind, Frame::Null, self.subscription_count());
            return self.frames.feed(self.protocol.reply(reply)).await;
        }
        for name in names {
            if let Some(subscriber) = &mut self.subscriber {
                subscriber.unsubscribe(kind, &name);
            }
            let reply = pubsub_reply(reply_kind, Frame::Bulk(name), self.subscription_count());
            self.frames.feed(self.protocol.reply(reply)).await?;
        }
        Ok(())
    }

    /// Writes a published message, and any others already waiting, then flushes once.
    async fn deliver(&mut self, first: Message) -> io::Result<()> {
        let mut next = Some(first);
        while let Some(message) = next.take() {
            let frame = match message.pattern {
                None => Frame::Push(vec![
                    Frame::bulk_static(b"message"),
                    Frame::Bulk(message.channel),
                    Frame::Bulk(message.payload),
                ]),
                Some(pattern) => Frame::Push(vec![
                    Frame::bulk_static(b"pmessage"),
                    Frame::Bulk(pattern),
                    Frame::Bulk(message.channel),
                    Frame::Bulk(message.payload),
                ]),
            };
            // Over `FLUSH_AT` bytes waiting, this writes them first: a burst of messages is
            // written as it is taken out of the mailbox, not gathered in memory.
            self.frames.feed(self.protocol.reply(frame)).await?;
            next = self.subscriber.as_mut().and_then(Subscriber::try_recv);
        }
        self.frames.flush().await
    }

    fn slow_subscriber(&self) -> Ending {
        Ending::SlowSubscriber(self.shared.config.max_pubsub_buffer)
    }
}

/// `subscribe`, `psubscribe`, `unsubscribe`, `punsubscribe`.
fn confirmation_kind(kind: Kind, subscribe: bool) -> &'static [u8] {
    match (kind, subscribe) {
        (Kind::Channel, true) => b"subscribe",
        (Kind::Pattern, true) => b"psubscribe",
        (Kind::Channel, false) => b"unsubscribe",
        (Kind::Pattern, false) => b"punsubscribe",
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

/// The next message of a subscribed connection; never, for one that never subscribed.
async fn recv_or_never(subscriber: &mut Option<Subscriber<'_>>) -> Message {
    match subscriber {
        Some(subscriber) => subscriber.recv().await,
        None => std::future::pending().await,
    }
}

async fn cancelled_or_never(token: Option<&CancellationToken>) {
    match token {
        Some(token) => token.cancelled().await,
        None => std::future::pending().await,
    }
}

async fn sleep_or_never(sleep: &mut Option<Pin<Box<Sleep>>>) {
    match sleep {
        Some(sleep) => sleep.as_mut().await,
        None => std::future::pending().await,
    }
}
