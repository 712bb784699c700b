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
const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

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

/// A client that arrived with `cap` others being served: it must be told, and closed. When it is
/// not told within a minute, a request tells whether it is served or left waiting.
async fn refused(mut extra: Client, cap: usize) {
    let told = match tokio::time::timeout(MINUTE, extra.line()).await {
        Ok(told) => told,
        Err(_) => {
            let answer = tokio::time::timeout(MINUTE, extra.call("GET k0")).await;
            match answer {
                Ok(Some(reply)) => panic!(
                    "the cap is {cap}, and every place was taken: one more client was served \
                     too (it got {reply:?}): the permit must be held for as long as the \
                     connection runs, so move it into the connection's task (a `_permit` in \
                     the accept loop, or `let _ =`, gives it back at once)"
                ),
                _ => panic!(
                    "the cap is {cap}, and every place was taken: one more client was left \
                     waiting, neither told nor served: the server waits for a permit (`async \
                     with sem:`, `acquire().await`). Take one without waiting \
                     (`try_acquire_owned`) and, without one, tell the client and close"
                ),
            }
        }
    };
    assert_eq!(
        told.as_deref(),
        Some("ERROR max number of clients reached"),
        "the cap is {cap}, and every place was taken: one more client must be told `ERROR max \
         number of clients reached`, then closed"
    );
    let rest = within(MINUTE, "a refused client being closed", extra.rest()).await;
    assert_eq!(rest, "", "after the error line, a refused client is closed");
}

#[tokio::test(start_paused = true)]
async fn over_the_cap_a_client_is_told_and_closed_and_a_freed_place_is_reused() {
    within(HOUR, "the connection cap", async {
        for cap in [1, 3] {
            let limits = Limits {
                max_connections: cap,
                idle_timeout: HOUR,
            };
            let addr = start(limits).await;
            // One more than the cap, all connecting before any is served: the server accepts
            // them in one go, so a check now and a permit taken later lets them all through.
            let mut clients = Vec::new();
            for _ in 0..=cap {
                clients.push(Client::connect(addr).await);
            }
            let extra = clients.pop().expect("one more than the cap");
            let mut served = clients;
            for (i, client) in served.iter_mut().enumerate() {
                assert_eq!(
                    client.call(&format!("PUT k{i} {i}")).await.as_deref(),
                    Some("OK"),
                    "client {} of {cap}, with a cap of {cap}, must be served",
                    i + 1
                );
            }
            refused(extra, cap).await;

            // One leaves; its place is free again, and only its place.
            let mut leaving = served.remove(0);
            assert_eq!(leaving.call("QUIT").await.as_deref(), Some("OK"), "QUIT");
            assert_eq!(leaving.rest().await, "", "nothing after QUIT's OK");
            let mut next = Client::connect(addr).await;
            assert_eq!(
                next.call("GET k0").await.as_deref(),
                Some("OK 0"),
                "with a cap of {cap}, a client arriving after one of the {cap} has left must be \
                 served: give the permit back when the connection ends (it is dropped with \
                 the task that holds it)"
            );
            served.push(next);
            refused(Client::connect(addr).await, cap).await;
            for client in &mut served {
                assert_eq!(
                    client.call("GET k0").await.as_deref(),
                    Some("OK 0"),
                    "the clients being served are still served after others were refused"
                );
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_silent_client_is_closed_after_the_idle_timeout() {
    within(
        HOUR,
        "a silent client being closed by the idle timeout",
        async {
            for seconds in [30, 7] {
                let idle_timeout = Duration::from_secs(seconds);
                let addr = start(Limits {
                    idle_timeout,
                    ..Limits::default()
                })
                .await;
                let started = Instant::now();
                let mut silent = Client::connect(addr).await;
                // The client sends nothing and waits for the end: with nothing else to do, the
                // paused clock jumps to the next timer, which must be the server's idle timeout.
                let rest = silent.rest().await;
                let waited = started.elapsed();
                assert_eq!(rest, "", "a silent client is closed without a word");
                assert!(
                    waited >= idle_timeout && waited < idle_timeout + Duration::from_secs(1),
                    "the silent client was closed after {waited:?}; the idle timeout is \
                 {idle_timeout:?}: one `sleep(idle_timeout)` per connection, raced in the \
                 select!"
                );
            }
        },
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_client_that_keeps_talking_is_not_idle() {
    within(HOUR, "the idle timeout, restarted", async {
        for (seconds, every) in [(30, 20), (7, 5)] {
            let idle_timeout = Duration::from_secs(seconds);
            let addr = start(Limits {
                idle_timeout,
                ..Limits::default()
            })
            .await;
            let started = Instant::now();
            let mut talker = Client::connect(addr).await;
            for i in 0..5 {
                tokio::time::sleep(Duration::from_secs(every)).await;
                let at = started.elapsed();
                assert_eq!(
                    talker.call(&format!("PUT k {i}")).await.as_deref(),
                    Some("OK"),
                    "the client sent a request every {every} s and was closed at about {at:?}, \
                     with an idle timeout of {idle_timeout:?}: restart the idle timer after \
                     every request (`Sleep::reset`), not once per connection"
                );
            }
            // Then it goes quiet: closed one idle timeout after its last request.
            let last = Instant::now();
            assert_eq!(talker.rest().await, "", "closed without a word");
            assert_eq!(
                last.elapsed(),
                idle_timeout,
                "closed {:?} after the last request; the idle timeout is {idle_timeout:?}",
                last.elapsed()
            );
        }
    })
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
