//! The checks of `redis_graceful_shutdown`: `cargo exercise check redis_graceful_shutdown` runs
//! them against mini_redis/exercises/redis_graceful_shutdown.rs. Edit that file, not this one: the
//! runner counts these tests, and one changed, ignored or missing is not a pass (`r` in `make
//! exercise` puts them back).

use super::*;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(10);

#[allow(dead_code)]
/// Your server on a port the OS picked, running in the test's runtime.
async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(serve(listener, std::future::pending()));
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

/// Your server on a thread and runtime of its own, as `main` runs it: when `serve` returns,
/// the runtime is dropped with whatever tasks are left, as when a process exits.
fn start_stoppable() -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::sync::oneshot::Receiver<()>,
) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("local address");
    let (ctrl_c, pressed) = tokio::sync::oneshot::channel::<()>();
    let (exited, exit) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let listener = TcpListener::from_std(listener).expect("listener");
            serve(listener, async {
                let _ = pressed.await;
            })
            .await;
        });
        drop(runtime);
        let _ = exited.send(());
    });
    (addr, ctrl_c, exit)
}

#[tokio::test]
async fn ctrl_c_answers_what_was_received_then_closes_everything() {
    let what = "shutdown (does each connection watch the token, and does serve wait for \
                them: TaskTracker close + wait?)";
    within(LIMIT, what, async {
        let (addr, ctrl_c, exit) = start_stoppable();
        let mut busy = Client::connect(addr).await;
        let mut idle = Client::connect(addr).await;
        assert_eq!(busy.call("PUT a 1").await.as_deref(), Some("OK"), "PUT");
        assert_eq!(idle.call("GET a").await.as_deref(), Some("OK 1"), "GET");

        // A request arrives, and Ctrl-C right behind it.
        busy.send(b"GET a\n").await;
        ctrl_c.send(()).expect("the server is running");
        exit.await.expect("serve returned and its runtime ended");

        assert_eq!(
            busy.rest().await,
            "OK 1\n",
            "a request that arrived before Ctrl-C must be answered before the connection \
             closes: on the token, look once more for requests already received (yield, \
             then `frames.next().now_or_never()`), and have `serve` wait for every \
             connection task before it returns"
        );
        assert_eq!(
            idle.rest().await,
            "",
            "an idle client is closed without a word"
        );
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "after shutdown, new clients must be refused: drop the listener"
        );
    })
    .await;
}

#[tokio::test]
async fn serve_returns_once_every_client_is_gone() {
    let what = "serve returning after Ctrl-C with a client connected (is the listener \
                dropped, the token cancelled, the tracker closed and waited for?)";
    within(LIMIT, what, async {
        let (addr, ctrl_c, exit) = start_stoppable();
        let mut client = Client::connect(addr).await;
        assert_eq!(client.call("PUT a 1").await.as_deref(), Some("OK"), "PUT");
        // Half a request, then Ctrl-C: it never completes, so it is never answered.
        client.send(b"PUT b 2").await;
        ctrl_c.send(()).expect("the server is running");
        exit.await.expect("serve returned");
        assert_eq!(
            client.rest().await,
            "",
            "closed, the half request unanswered"
        );
    })
    .await;
}
