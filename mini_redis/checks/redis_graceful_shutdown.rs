//! The checks of `redis_graceful_shutdown`: `cargo exercise check redis_graceful_shutdown` runs
//! them against mini_redis/exercises/redis_graceful_shutdown.rs. Edit that file, not this one: the
//! runner counts these tests, and one changed, ignored or missing is not a pass (`r` in `make
//! exercise` puts them back).
//!
//! They run on tokio's paused clock, in one runtime with the server: a minute passes in no time
//! when every task is waiting, and how long `serve` took is read off that clock.

use super::*;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::TcpSocket;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use workshop::testing::within;

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

/// What a test waits for last.
const SERVE_RETURNS: &str = "serve returning once its connections have ended (is the \
                             TaskTracker closed before `wait()`? `wait` returns only once it is \
                             closed and empty)";

/// Your `serve` on a port the OS picked, with Ctrl-C in the test's hand.
struct Server {
    addr: SocketAddr,
    ctrl_c: Option<tokio::sync::oneshot::Sender<()>>,
    served: JoinHandle<()>,
}

impl Server {
    /// `send_buffer`: the kernel's send buffer of every accepted socket (they inherit the
    /// listener's), so that a test can fill it.
    async fn start(send_buffer: Option<u32>) -> Server {
        let socket = TcpSocket::new_v4().expect("socket");
        if let Some(size) = send_buffer {
            socket.set_send_buffer_size(size).expect("SO_SNDBUF");
        }
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("bind");
        let listener = socket.listen(64).expect("listen");
        let addr = listener.local_addr().expect("local address");
        let (ctrl_c, pressed) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(serve(listener, async {
            let _ = pressed.await;
        }));
        Server {
            addr,
            ctrl_c: Some(ctrl_c),
            served,
        }
    }

    fn press_ctrl_c(&mut self) {
        let ctrl_c = self.ctrl_c.take().expect("Ctrl-C is pressed once");
        assert!(
            ctrl_c.send(()).is_ok() && !self.served.is_finished(),
            "serve returned before Ctrl-C"
        );
    }
}

/// A client that writes lines and reads reply lines.
struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        Client::connect_reading_slowly(addr, None).await
    }

    /// `receive_buffer`: a small one makes the server's replies wait for this client to read.
    async fn connect_reading_slowly(addr: SocketAddr, receive_buffer: Option<u32>) -> Client {
        let socket = TcpSocket::new_v4().expect("socket");
        if let Some(size) = receive_buffer {
            socket.set_recv_buffer_size(size).expect("SO_RCVBUF");
        }
        let stream = socket.connect(addr).await.expect("connect");
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

    /// Everything until the server closes the connection (a reset ends it too).
    async fn rest(&mut self) -> String {
        let mut rest = Vec::new();
        let _ = self.reader.read_to_end(&mut rest).await;
        String::from_utf8_lossy(&rest).into_owned()
    }
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_waits_for_replies_in_flight_and_answers_what_arrived() {
    within(HOUR, "graceful shutdown with a slow reader", async {
        let mut server = Server::start(Some(4096)).await;
        let mut slow = Client::connect_reading_slowly(server.addr, Some(4096)).await;
        let mut idle = Client::connect(server.addr).await;
        let value = "v".repeat(4000);
        assert_eq!(
            slow.call(&format!("PUT big {value}")).await.as_deref(),
            Some("OK"),
            "PUT big (4000 bytes)"
        );
        assert_eq!(idle.call("PUT small 1").await.as_deref(), Some("OK"), "PUT");

        // 100 GETs of 4 KB: 400 KB of replies, far more than the two sockets hold, so the server
        // is still writing them while this client reads the first...
        slow.send("GET big\n".repeat(100).as_bytes()).await;
        let reply = format!("OK {value}");
        assert_eq!(slow.line().await, Some(reply.clone()), "the first GET big");
        // ... and one more request arrives behind them, then Ctrl-C.
        slow.send(b"PUT after 1\n").await;
        server.press_ctrl_c();

        // A minute later (on the paused clock: as soon as every task waits), the slow client has
        // read nothing more.
        tokio::time::sleep(MINUTE).await;
        assert!(
            !server.served.is_finished(),
            "serve returned while a client was still being answered (99 replies of 4 KB not \
             yet written, a minute after Ctrl-C, the client reading slowly): when `main` \
             returns, those replies are lost. It must return only once every connection has \
             ended: spawn them on a `TaskTracker`, then `close()` and `wait().await` it after \
             cancelling the token; a sleep is a guess"
        );
        let idle_rest = within(
            Duration::from_secs(1),
            "an idle client being closed after Ctrl-C (does each connection watch the \
             token in its select!, and end when it fires?)",
            idle.rest(),
        )
        .await;
        assert_eq!(idle_rest, "", "an idle client is closed without a word");
        assert!(
            tokio::net::TcpStream::connect(server.addr).await.is_err(),
            "a new client was let in after Ctrl-C, while serve waits for the others: drop the \
             listener as soon as the loop ends, and new clients are refused"
        );

        // The slow client reads the rest: every request that arrived before Ctrl-C, answered.
        let rest = within(MINUTE, "the slow client's remaining replies", slow.rest()).await;
        let gets = rest.lines().filter(|line| *line == reply).count();
        let expected = format!("{reply}\n").repeat(99) + "OK\n";
        assert!(
            rest == expected,
            "after Ctrl-C, the slow client got {gets} of the 99 replies of 4 KB still owed, \
             {} the reply to `PUT after 1` (sent before Ctrl-C, behind them), then the end. \
             Every request that arrived before Ctrl-C must be answered in full: the connection \
             finishes the batch it is writing, then, on the token, answers what has already \
             arrived (yield, then `frames.next().now_or_never()` into `answer_batch`), and \
             only then closes. (Closing with a request unread resets the connection: the \
             replies still in the socket are lost.)",
            if rest.ends_with("\nOK\n") {
                "and"
            } else {
                "but not"
            }
        );

        // Its connection has ended: serve returns now, with no time passing.
        let closed = Instant::now();
        within(MINUTE, SERVE_RETURNS, &mut server.served)
            .await
            .expect("serve panicked");
        let late = closed.elapsed();
        assert_eq!(
            late,
            Duration::ZERO,
            "serve returned {late:?} after its last connection had ended: it should return as \
             soon as they all have (`TaskTracker::wait`), not after a timer"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_request_that_arrives_with_ctrl_c_is_answered() {
    within(HOUR, "a request right before Ctrl-C", async {
        for round in 0..3 {
            let mut server = Server::start(None).await;
            let mut client = Client::connect(server.addr).await;
            assert_eq!(
                client.call(&format!("PUT a {round}")).await.as_deref(),
                Some("OK"),
                "PUT"
            );
            // The request is in the server's socket, but its connection has not seen it yet
            // when the token fires.
            client.send(b"GET a\n").await;
            server.press_ctrl_c();
            let what = "the reply to a request sent just before Ctrl-C, then the end (does \
                        each connection watch the token, and close once it has answered?)";
            let rest = within(MINUTE, what, client.rest()).await;
            assert_eq!(
                rest,
                format!("OK {round}\n"),
                "`GET a`, sent just before Ctrl-C, was not answered before the connection \
                 closed: when the token fires, the request may be in the socket with the \
                 runtime not yet told. Yield once (`tokio::task::yield_now().await`: the \
                 runtime collects the socket's readiness before the task runs again), then \
                 take it with `frames.next().now_or_never()` and answer it (`answer_batch`)"
            );
            within(MINUTE, SERVE_RETURNS, server.served)
                .await
                .expect("serve panicked");
        }
    })
    .await;
}

/// A client that always has another request ready: each read gives one more whole line, up to
/// `limit`. It counts the replies it gets.
struct Firehose {
    sent: usize,
    limit: usize,
    replies: Arc<AtomicUsize>,
}

impl AsyncRead for Firehose {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.sent < self.limit {
            let line = format!("PUT k{} v\n", self.sent);
            if buf.remaining() >= line.len() {
                buf.put_slice(line.as_bytes());
                self.sent += 1;
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Firehose {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let lines = buf.iter().filter(|&&b| b == b'\n').count();
        self.replies.fetch_add(lines, Ordering::SeqCst);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test(start_paused = true)]
async fn a_client_that_never_stops_sending_cannot_hold_shutdown_up() {
    within(HOUR, "a connection to a firehose, shut down", async {
        // Without `biased;`, select! tries its branches from a random one, and a request wins a
        // third of the time or more: sixty rounds leave that no chance.
        for round in 1..=60 {
            let stop = CancellationToken::new();
            stop.cancel();
            let replies = Arc::new(AtomicUsize::new(0));
            let firehose = Firehose {
                sent: 0,
                limit: 200,
                replies: Arc::clone(&replies),
            };
            connection(firehose, Store::default(), Channels::default(), stop)
                .await
                .expect("the connection ends without an error");
            let answered = replies.load(Ordering::SeqCst);
            assert!(
                answered <= 1,
                "round {round}: with the token already cancelled and a client that always has \
                 another request ready, the connection answered {answered} requests before \
                 closing: check the token first (`biased;`, the token's branch first), and on \
                 it answer one batch of what has arrived, not all the client keeps sending. \
                 Without `biased;`, select! picks among ready branches at random, and a client \
                 that never stops sending keeps winning some of the time"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_client_in_the_middle_of_a_line_does_not_hold_shutdown_up() {
    within(HOUR, "shutdown with half a request", async {
        let mut server = Server::start(None).await;
        let mut client = Client::connect(server.addr).await;
        assert_eq!(client.call("PUT a 1").await.as_deref(), Some("OK"), "PUT");
        // Half a request, then Ctrl-C: it never completes, so it is never answered.
        client.send(b"PUT b 2").await;
        server.press_ctrl_c();
        let what = "a client in the middle of a line being closed after Ctrl-C (on the token, \
                    `now_or_never` takes what is there; awaiting the rest of the line waits for \
                    the client)";
        let rest = within(MINUTE, what, client.rest()).await;
        assert_eq!(rest, "", "closed, the half request unanswered");
        within(MINUTE, SERVE_RETURNS, server.served)
            .await
            .expect("serve panicked");
    })
    .await;
}
