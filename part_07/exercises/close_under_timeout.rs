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
        // TODO: Drop cannot await, so it cannot close. If close() never finished (`self.closed`
        // is false), record it: self.trace.say("dropped without close()").
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
    // TODO: run `body(&conn)` for at most `limit` (tokio::time::timeout), then
    // `conn.close().await` whatever the body did, then report: Ok(value), Err(Failed::Body(e)),
    // or Err(Failed::TimedOut(limit)).
    todo!("run the body for at most `limit`, then close `conn` on every path")
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

// The tests `cargo exercise check` runs: part_07/checks/close_under_timeout.rs.
#[cfg(test)]
#[path = "../checks/close_under_timeout.rs"]
mod checks;
