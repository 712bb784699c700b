//! Exercise (part 07): close the connection even when the body times out.
//!
//! Python closes a connection whatever happens in the body, a timeout included: `asyncio.timeout`
//! cancels the body, and `__aexit__` still runs on the way out.
//!
//! ```python
//! async with Connection(db) as conn:    # __aexit__ runs on TimeoutError / CancelledError too
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
//! The tests (on tokio's paused clock) read the database's own record, which the connection
//! writes as it opens and closes (writing "closed" on the trace does not change it): one close
//! after a success, an error or a timeout, beginning the moment the body ended or its limit ran
//! out, and finished before `with_connection` returns; what each run reports; and, when the whole
//! helper is cancelled from outside, no close at the database and the record `Drop` leaves on the
//! trace.
//!
//! Check it: `cargo exercise check close_under_timeout` (or save the file while `make exercise`
//! runs).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::{Instant, sleep};
use workshop::Trace;

/// How long `__aenter__` and `__aexit__` take.
const OPEN: Duration = Duration::from_millis(500);
const CLOSE: Duration = Duration::from_secs(1);

/// The database at the other end. It keeps its own record of what it saw, and when (on tokio's
/// clock): what the client writes on its trace does not change it.
#[derive(Debug, Clone, Default)]
pub struct Database {
    seen: Arc<Mutex<Vec<(Instant, &'static str)>>>,
}

impl Database {
    /// What the database saw, in order: "open", "close begins", "closed".
    pub fn seen(&self) -> Vec<(Instant, &'static str)> {
        self.log().clone()
    }

    fn see(&self, what: &'static str) {
        self.log().push((Instant::now(), what));
    }

    fn log(&self) -> MutexGuard<'_, Vec<(Instant, &'static str)>> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A pretend connection whose setup and teardown are async.
pub struct Connection {
    trace: Trace,
    db: Database,
    closed: bool,
}

impl Connection {
    /// `__aenter__`.
    pub async fn open(trace: &Trace, db: &Database) -> Connection {
        sleep(OPEN).await;
        db.see("open");
        trace.record("open");
        Connection {
            trace: trace.clone(),
            db: db.clone(),
            closed: false,
        }
    }

    /// Something for the body to do: a query that takes `takes`.
    pub async fn query(&self, sql: &str, takes: Duration) -> u32 {
        sleep(takes).await;
        self.trace.record(format!("query {sql:?}"));
        sql.len() as u32
    }

    /// `__aexit__`. It takes `self`: once closed, the connection is gone.
    pub async fn close(mut self) {
        self.db.see("close begins");
        self.trace.record("close start");
        sleep(CLOSE).await;
        self.db.see("closed");
        self.trace.record("closed");
        self.closed = true;
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Drop cannot await, so it cannot close: the synchronous fallback is to say so.
        if !self.closed {
            self.trace.record("dropped without close()");
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

/// `async with Connection(db) as conn: async with asyncio.timeout(limit): return await body(conn)`.
pub async fn with_connection<T>(
    trace: &Trace,
    db: &Database,
    limit: Duration,
    body: impl AsyncFnOnce(&Connection) -> Result<T, String>,
) -> Result<T, Failed> {
    let conn = Connection::open(trace, db).await;
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
    let (trace, db) = (Trace::start(), Database::default());
    let limit = Duration::from_secs(1);
    let quick = with_connection(&trace, &db, limit, async |conn: &Connection| {
        Ok(conn.query("SELECT 1", Duration::from_millis(100)).await)
    })
    .await;
    trace.record(format!("a quick body: {quick:?}"));
    let slow = with_connection(&trace, &db, limit, async |conn: &Connection| {
        Ok(conn.query("SELECT slowly", Duration::from_secs(5)).await)
    })
    .await;
    trace.record(format!("a slow body: {slow:?}"));
    let seen: Vec<&str> = db.seen().into_iter().map(|(_, what)| what).collect();
    trace.record(format!("the database saw: {seen:?}"));
    println!("{}", trace.lines().join("\n"));
}

// The tests `cargo exercise check` runs: part_07/checks/close_under_timeout.rs.
#[cfg(test)]
#[path = "../checks/close_under_timeout.rs"]
mod checks;
