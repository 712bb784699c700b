//! The checks of `redis_limits`: `cargo exercise check redis_limits` runs them against
//! mini_redis/exercises/redis_limits.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

// mini_redis's own line-dialect checks: the very file `mini_redis/tests/conformance.rs` runs,
// included by path (a dependency on mini_redis would make every exercise build and lint it).
#[path = "../src/conformance.rs"]
mod conformance;

use super::*;
use std::net::SocketAddr;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(20);

/// Your server on a port the OS picked, running in the test's runtime.
async fn start(limits: Limits) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(serve(listener, limits, std::future::pending()));
    addr
}

struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (read, writer) = stream.into_split();
        Client {
            reader: BufReader::new(read),
            writer,
        }
    }

    /// The next line, `None` at the end of the stream (or a reset: the server is gone).
    async fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line).await {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches('\n').to_string()),
        }
    }

    async fn call(&mut self, request: &str) -> Option<String> {
        self.writer
            .write_all(format!("{request}\n").as_bytes())
            .await
            .ok()?;
        self.line().await
    }

    /// Reads until the server closes; returns what came before.
    async fn rest(&mut self) -> String {
        let mut rest = String::new();
        let _ = self.reader.read_to_string(&mut rest).await;
        rest
    }
}

#[tokio::test]
async fn over_the_cap_a_client_is_told_and_closed_and_a_freed_place_is_reused() {
    within(LIMIT, "the connection cap", async {
        let limits = Limits {
            max_connections: 2,
            ..Limits::default()
        };
        let addr = start(limits).await;
        let mut a = Client::connect(addr).await;
        let mut b = Client::connect(addr).await;
        // Answered: both are being served, each holding its place.
        assert_eq!(a.call("PUT k a").await.as_deref(), Some("OK"), "client 1");
        assert_eq!(b.call("GET k").await.as_deref(), Some("OK a"), "client 2");

        let mut c = Client::connect(addr).await;
        let what = "a third client, with a cap of 2, being told and closed (it was neither: \
                    is it being served, or waiting for a permit?)";
        let told = within(Duration::from_secs(5), what, c.rest()).await;
        assert_eq!(
            told, "ERROR max number of clients reached\n",
            "a third client, with a cap of 2, must be told `ERROR max number of clients \
             reached` and closed (not served, not left waiting)"
        );

        // One leaves; its place is free again.
        assert_eq!(a.call("QUIT").await.as_deref(), Some("OK"), "QUIT");
        assert_eq!(a.rest().await, "", "nothing after QUIT's OK");
        let mut d = Client::connect(addr).await;
        assert_eq!(
            d.call("GET k").await.as_deref(),
            Some("OK a"),
            "a client arriving after one of two has left must be served: give the permit \
             back when the connection ends (move it into the task)"
        );
        assert_eq!(b.call("GET k").await.as_deref(), Some("OK a"), "client 2");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_silent_client_is_closed_after_the_idle_timeout() {
    within(
        Duration::from_secs(3600),
        "a silent client being closed by the idle timeout",
        async {
            let limits = Limits {
                idle_timeout: Duration::from_secs(30),
                ..Limits::default()
            };
            let addr = start(limits).await;
            let started = Instant::now();
            let mut silent = Client::connect(addr).await;
            // The client sends nothing and waits for the end: with nothing else to do, the paused
            // clock jumps to the next timer, which must be the server's idle timeout.
            let rest = silent.rest().await;
            let waited = started.elapsed();
            assert_eq!(rest, "", "a silent client is closed without a word");
            assert!(
                waited >= Duration::from_secs(30),
                "the silent client was closed after {waited:?}; the idle timeout is 30 s"
            );
            assert!(
                waited < Duration::from_secs(31),
                "the silent client was closed only after {waited:?}; the idle timeout is 30 s"
            );
        },
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_client_that_keeps_talking_is_not_idle() {
    within(
        Duration::from_secs(3600),
        "the idle timeout, restarted",
        async {
            let limits = Limits {
                idle_timeout: Duration::from_secs(30),
                ..Limits::default()
            };
            let addr = start(limits).await;
            let started = Instant::now();
            let mut talker = Client::connect(addr).await;
            for i in 0..5 {
                tokio::time::sleep(Duration::from_secs(20)).await;
                let at = started.elapsed();
                assert_eq!(
                    talker.call(&format!("PUT k {i}")).await.as_deref(),
                    Some("OK"),
                    "the client sent a request every 20 s and was closed at about {at:?}, with \
                 an idle timeout of 30 s: restart the idle timer after every request \
                 (`Sleep::reset`), not once per connection"
                );
            }
            // Then it goes quiet: closed 30 s after its last request.
            let last = Instant::now();
            assert_eq!(talker.rest().await, "", "closed without a word");
            assert_eq!(
                last.elapsed(),
                Duration::from_secs(30),
                "closed {:?} after the last request; the idle timeout is 30 s",
                last.elapsed()
            );
        },
    )
    .await;
}

#[tokio::test]
async fn your_server_passes_mini_redis_line_dialect_checks() {
    within(LIMIT, "the line-dialect conformance checks", async {
        let addr = start(Limits::default()).await;
        if let Err(failure) = conformance::line_dialect(addr, MAX_LINE).await {
            panic!("your server and mini_redis disagree: {failure}");
        }
    })
    .await;
}
