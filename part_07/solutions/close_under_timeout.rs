//! Exercise (part 07): close the connection even when the body times out.
//!
//! Python closes a connection whatever happens in the body, a timeout included: `asyncio.timeout`
//! cancels the body, and `__aexit__` still runs on the way out.
//!
//! ```python
//! async with Connection() as conn:      # __aexit__ runs on TimeoutError / CancelledError too
//!     async with asyncio.timeout(limit):
//!         return await body(conn)
//! ```
//!
//! Rust has no async Drop: part 07 showed a timeout *around* `with_connection` dropping it
//! mid-body, so the `close().await` after the body never ran. Put the limit *inside* instead:
//! `with_connection` opens the connection, runs the body for at most `limit`
//! (`tokio::time::timeout`), then awaits `close()` on every path (the body returned Ok, returned
//! Err, or ran out of time) and reports the outcome: the body's value, `Failed::Body(error)`, or
//! `Failed::TimedOut(limit)`. When the helper itself is dropped from outside, nothing can await:
//! `Drop for Connection` must at least record that the connection was dropped without `close()`.
//!
//! The tests (on tokio's paused clock) check the close after a success, an error and a timeout,
//! what each run reports, and the record left when the whole helper is cancelled.
//!
//! Check it: `cargo exercise check close_under_timeout` (or save the file while `make exercise`
//! runs).

use std::time::Duration;

use tokio::time::sleep;
use workshop::Trace;

/// How long `__aenter__` and `__aexit__` take.
const OPEN: Duration = Duration::from_millis(500);
const CLOSE: Duration = Duration::from_secs(1);

/// A pretend connection whose setup and teardown are async.
pub struct Connection {
    trace: Trace,
    closed: bool,
}

impl Connection {
    /// `__aenter__`.
    pub async fn open(trace: &Trace) -> Connection {
        sleep(OPEN).await;
        trace.say("open");
        Connection {
            trace: trace.clone(),
            closed: false,
        }
    }

    /// Something for the body to do: a query that takes `takes`.
    pub async fn query(&self, sql: &str, takes: Duration) -> u32 {
        sleep(takes).await;
        self.trace.say(format!("query {sql:?}"));
        sql.len() as u32
    }

    /// `__aexit__`. It takes `self`: once closed, the connection is gone.
    pub async fn close(mut self) {
        self.trace.say("close start");
        sleep(CLOSE).await;
        self.trace.say("closed");
        self.closed = true;
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Drop cannot await, so it cannot close: the synchronous fallback is to say so.
        if !self.closed {
            self.trace.say("dropped without close()");
        }
    }
}

/// How a `with_connection` run failed.
#[derive(Debug, PartialEq, Eq)]
pub enum Failed {
    /// The body returned this error.
    Body(String),
    /// The body was still running after this limit, and was stopped.
    TimedOut(Duration),
}

/// `async with Connection() as conn: async with asyncio.timeout(limit): return await body(conn)`.
pub async fn with_connection<T>(
    trace: &Trace,
    limit: Duration,
    body: impl AsyncFnOnce(&Connection) -> Result<T, String>,
) -> Result<T, Failed> {
    let conn = Connection::open(trace).await;
    // Only the body is under the limit: a timeout drops the body's future (its borrow of `conn`
    // ends with it), and we are still here to close.
    let outcome = tokio::time::timeout(limit, body(&conn)).await;
    conn.close().await;
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(Failed::Body(error)),
        Err(_elapsed) => Err(Failed::TimedOut(limit)),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let trace = Trace::start();
    let limit = Duration::from_secs(1);
    let quick = with_connection(&trace, limit, async |conn: &Connection| {
        Ok(conn.query("SELECT 1", Duration::from_millis(100)).await)
    })
    .await;
    trace.say(format!("a quick body: {quick:?}"));
    let slow = with_connection(&trace, limit, async |conn: &Connection| {
        Ok(conn.query("SELECT slowly", Duration::from_secs(5)).await)
    })
    .await;
    trace.say(format!("a slow body: {slow:?}"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    const LIMIT: Duration = Duration::from_secs(30);
    const ONE_SECOND: Duration = Duration::from_secs(1);

    fn count(lines: &[String], needle: &str) -> usize {
        lines.iter().filter(|line| line.ends_with(needle)).count()
    }

    /// Open, then whatever the body said, then the close, once, with no fallback record.
    fn assert_closed_once(lines: &[String], after: &str) {
        assert!(
            count(lines, "closed") == 1 && count(lines, "close start") == 1,
            "after {after}, the connection was not closed once: await conn.close() after the body \
             on every path. What happened: {lines:#?}"
        );
        assert_eq!(
            count(lines, "dropped without close()"),
            0,
            "after {after}, the connection was closed, yet Drop recorded it as dropped without \
             close(): record that only when `self.closed` is false. What happened: {lines:#?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn closes_after_a_success_and_hands_back_the_value() {
        within(LIMIT, "with_connection, a body that succeeds", async {
            let trace = Trace::start();
            let result = with_connection(&trace, ONE_SECOND, async |conn: &Connection| {
                Ok(conn.query("SELECT 1", Duration::from_millis(100)).await)
            })
            .await;
            let lines = trace.lines();
            assert_closed_once(&lines, "a success");
            assert_eq!(result, Ok(8), "the body returned Ok(8): hand that back");
            assert_eq!(
                lines,
                [
                    "[ 0.50s] open",
                    "[ 0.60s] query \"SELECT 1\"",
                    "[ 0.60s] close start",
                    "[ 1.60s] closed",
                ],
                "open, the body, then close at once"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn closes_after_an_error_and_reports_it() {
        within(LIMIT, "with_connection, a body that fails", async {
            let trace = Trace::start();
            let result = with_connection(&trace, ONE_SECOND, async |conn: &Connection| {
                conn.query("SELECT * FROM missing", Duration::from_millis(100))
                    .await;
                Err::<u32, _>("no such table".to_string())
            })
            .await;
            assert_closed_once(&trace.lines(), "an error");
            assert_eq!(
                result,
                Err(Failed::Body("no such table".to_string())),
                "the body's error must come out as Failed::Body(its message)"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn closes_after_the_body_times_out_and_reports_the_timeout() {
        within(LIMIT, "with_connection, a body that runs out of time", async {
            let trace = Trace::start();
            let result = with_connection(&trace, ONE_SECOND, async |conn: &Connection| {
                Ok(conn.query("SELECT slowly", Duration::from_secs(5)).await)
            })
            .await;
            let lines = trace.lines();
            assert_closed_once(&lines, "a timeout");
            assert_eq!(
                result,
                Err(Failed::TimedOut(ONE_SECOND)),
                "the body ran out of its 1 s: report Failed::TimedOut(limit)"
            );
            assert_eq!(
                lines,
                ["[ 0.50s] open", "[ 1.50s] close start", "[ 2.50s] closed"],
                "the body gets 1 s from its start (0.50s), is stopped there, then the connection \
                 closes at once"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_helper_cancelled_from_outside_leaves_a_record() {
        within(LIMIT, "with_connection cut off by the caller", async {
            let trace = Trace::start();
            let run = with_connection(&trace, 10 * ONE_SECOND, async |conn: &Connection| {
                Ok(conn.query("SELECT slowly", 5 * ONE_SECOND).await)
            });
            // The caller's own timeout drops the whole helper mid-body: no code after an
            // `.await` in it runs any more, only the Drop of what it holds.
            let cut = tokio::time::timeout(2 * ONE_SECOND, run).await;
            assert!(
                cut.is_err(),
                "the caller's 2 s timeout must cut the helper off"
            );
            let lines = trace.lines();
            assert_eq!(
                lines,
                ["[ 0.50s] open", "[ 2.00s] dropped without close()"],
                "the helper was dropped mid-body at 2.00s: close() could not run, so Drop must \
                 record \"dropped without close()\""
            );
        })
        .await;
    }
}
