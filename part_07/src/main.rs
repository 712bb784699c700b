//! Part 07 — async context managers (Python: `async with`, `__aenter__` / `__aexit__`).
//!
//! Rust has no `async with` and no async `Drop`. This part shows what to use instead: a scoped
//! helper that runs setup, body and teardown (teardown also after an error or a panic), an
//! explicit `async fn close(self)` with a `Drop` guard that reports a connection nobody closed
//! (including one cancelled mid-body), and the RAII guards that do exist (a semaphore permit, a
//! mutex guard).
//!
//! Run it: `make part_07` (or `cargo run -p part_07`). Tests: `cargo test -p part_07`.

use std::fmt::Display;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::Semaphore;
use tokio::time::sleep;
use workshop::Trace;
use workshop::lesson::panic_message;

/// How long `__aenter__` and `__aexit__` take, as in the Python original.
const ENTER: Duration = Duration::from_millis(500);
const EXIT: Duration = Duration::from_secs(1);

/// A pretend connection whose setup and teardown are async, like a database connection.
pub struct Connection {
    trace: Trace, // cloned into everything that reports, `Drop` included (it returns nothing)
    closed: bool,
}

impl Connection {
    /// `__aenter__`.
    pub async fn open(trace: &Trace) -> Connection {
        trace.say("enter start");
        sleep(ENTER).await;
        trace.say("enter end");
        Connection {
            trace: trace.clone(),
            closed: false,
        }
    }

    /// Something to do in the body.
    pub async fn query(&self, sql: &str) -> u32 {
        sleep(Duration::from_millis(10)).await;
        let rows = sql.len() as u32;
        self.trace.say(format!("body: {sql:?} -> {rows} rows"));
        rows
    }

    /// `__aexit__`. It takes `self` by value: after `close().await` the connection is gone, and
    /// using it again does not compile (tests/ui/use_after_close.rs). Python lets you keep `conn`
    /// after the `async with` block and fails at run time, if at all.
    pub async fn close(mut self, how: &str) {
        self.trace.say(format!("exit start ({how})"));
        sleep(EXIT).await;
        self.trace.say("exit end");
        // Only now: if this future is itself dropped half-way, Drop still reports it.
        self.closed = true;
    }
}

/// The guard: `Drop` is synchronous (there is no `async fn drop`, tests/ui/async_drop.rs), so it
/// cannot run the async teardown. What it can do is notice, and say so loudly.
impl Drop for Connection {
    fn drop(&mut self) {
        if !self.closed {
            self.trace
                .say("DROPPED WITHOUT close(): the async teardown never ran");
        }
    }
}

/// `async with Connection() as conn: body` as a function: setup, body, then teardown whatever
/// the body did. Python's `__aexit__` receives the exception; here `close` is told how it ended.
///
/// The body is an async closure that borrows the connection (`async |conn| ...`, Rust 1.85+), so
/// it cannot keep `conn` beyond the block, just as `async with` intends.
pub async fn with_connection<T, E: Display>(
    trace: &Trace,
    body: impl AsyncFnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    let conn = Connection::open(trace).await;
    // A panic in the body unwinds to here (catch_unwind), so teardown still runs; then the panic
    // carries on (resume_unwind), as Python re-raises after `__aexit__`. AssertUnwindSafe: we do
    // not look at the body's half-updated state after a panic, we only close the connection.
    let outcome = AssertUnwindSafe(body(&conn)).catch_unwind().await;
    let how = match &outcome {
        Ok(Ok(_)) => "body returned Ok".to_string(),
        Ok(Err(error)) => format!("body returned Err: {error}"),
        Err(panic) => format!("body panicked: {}", panic_message(panic.as_ref())),
    };
    conn.close(&how).await;
    match outcome {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// What a `with_connection` run gave its caller, and the trace it printed.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<u32, String>,
    pub lines: Vec<String>,
}

/// 1. The happy path: enter, body, exit, like `async with`.
pub async fn body_succeeds() -> Outcome {
    let trace = Trace::start();
    let result = with_connection(&trace, async |conn: &Connection| {
        Ok::<_, String>(conn.query("SELECT 1").await)
    })
    .await;
    trace.say(format!("with_connection gave {result:?}"));
    Outcome {
        result,
        lines: trace.lines(),
    }
}

/// 2. The body fails with an error (`?` inside it): teardown runs, then the error comes out.
pub async fn body_fails() -> Outcome {
    let trace = Trace::start();
    let result = with_connection(&trace, async |conn: &Connection| -> Result<u32, String> {
        let rows = conn.query("SELECT * FROM missing").await;
        let first: u32 = "not a number"
            .parse()
            .map_err(|e| format!("bad row: {e}"))?;
        Ok(rows + first)
    })
    .await;
    trace.say(format!("with_connection gave {result:?}"));
    Outcome {
        result,
        lines: trace.lines(),
    }
}

/// 3. The body panics: teardown runs, then the panic goes on. We catch it here only to carry on
///    with the lesson; Rust's panic hook has already printed its message on stderr.
pub async fn body_panics() -> Outcome {
    let trace = Trace::start();
    let run = with_connection(&trace, async |conn: &Connection| -> Result<u32, String> {
        conn.query("SELECT 1/0").await;
        panic!("division by zero in the body");
    });
    let result = AssertUnwindSafe(run)
        .catch_unwind()
        .await
        .map_err(|panic| panic_message(panic.as_ref()))
        .and_then(|inner| inner);
    trace.say(format!("the panic reached the caller: {result:?}"));
    Outcome {
        result,
        lines: trace.lines(),
    }
}

/// 4. Cancelled mid-body by a timeout: the whole `with_connection` future is dropped, so the code
///    after the body (the teardown) never runs. No async Drop: only the guard can report it.
///    (Python would throw CancelledError into the body and still run `__aexit__`.)
pub async fn cancelled_mid_body(limit: Duration) -> (bool, Vec<String>) {
    let trace = Trace::start();
    let run = with_connection(&trace, async |conn: &Connection| {
        conn.query("SELECT slowly").await;
        sleep(Duration::from_secs(5)).await;
        Ok::<_, String>(())
    });
    let timed_out = tokio::time::timeout(limit, run).await.is_err();
    if timed_out {
        trace.say(format!(
            "timeout after {limit:?}: dropped before close() finished"
        ));
    }
    (timed_out, trace.lines())
}

/// 5. Without the helper: open, use, `close().await` by hand. Forget the close, and the guard
///    reports it when the connection goes out of scope.
pub async fn explicit_close_and_a_forgotten_one() -> Vec<String> {
    let trace = Trace::start();
    let conn = Connection::open(&trace).await;
    conn.query("SELECT 1").await;
    conn.close("closed by hand").await;

    let forgotten = Connection::open(&trace).await;
    forgotten.query("SELECT 2").await;
    trace.say("end of scope, no close()");
    drop(forgotten); // what the closing brace would do
    trace.lines()
}

/// 6. The RAII guards that do exist: their release is synchronous, so `Drop` is enough. A
///    semaphore with one permit (a pool of one connection): B waits until A's permit is dropped.
///    A tokio `Mutex` guard unlocks at the end of its scope (a std `Mutex` guard must not be
///    held across `.await`: clippy's `await_holding_lock`, denied in this workspace).
pub async fn raii_guards(hold: Duration) -> Vec<String> {
    let trace = Trace::start();
    let pool = Arc::new(Semaphore::new(1));
    let served = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let worker = |name: &'static str| {
        let (trace, pool, served) = (trace.clone(), pool.clone(), served.clone());
        async move {
            let Ok(_permit) = pool.acquire().await else {
                trace.say(format!("{name}: the pool was closed"));
                return;
            };
            trace.say(format!("{name}: got the permit"));
            {
                let mut served = served.lock().await;
                served.push(name);
            } // mutex guard dropped: unlocked here
            sleep(hold).await;
            trace.say(format!("{name}: done, dropping the permit"));
        } // `_permit` dropped: the next worker gets it
    };
    tokio::join!(worker("A"), worker("B"));
    trace.say(format!("served in order: {:?}", served.lock().await));
    trace.lines()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    workshop::banner!();

    println!("── 1. with_connection: enter, body, exit");
    body_succeeds().await;

    println!("\n── 2. The body returns an error: exit still runs, then the error comes out");
    body_fails().await;

    println!("\n── 3. The body panics: exit still runs, then the panic goes on");
    // The default panic hook prints a message (and, with RUST_BACKTRACE set, a long backtrace)
    // at the moment of the panic. One short line is enough for this expected panic.
    let default_hook = std::panic::take_hook();
    workshop::lesson::report_panics_in_one_line();
    body_panics().await;
    std::panic::set_hook(default_hook);

    println!("\n── 4. Cancelled by a timeout mid-body: no async Drop, exit never runs");
    cancelled_mid_body(Duration::from_secs(1)).await;

    println!("\n── 5. Explicit close(), and a connection nobody closed");
    explicit_close_and_a_forgotten_one().await;

    println!("\n── 6. RAII guards that exist: a semaphore permit, a mutex guard");
    raii_guards(Duration::from_millis(250)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    const LIMIT: Duration = Duration::from_secs(30);

    fn count(lines: &[String], needle: &str) -> usize {
        lines.iter().filter(|line| line.contains(needle)).count()
    }

    #[tokio::test(start_paused = true)]
    async fn teardown_runs_after_success() {
        within(LIMIT, "body_succeeds", async {
            let Outcome { result, lines } = body_succeeds().await;
            assert_eq!(result, Ok(8));
            assert_eq!(
                lines,
                [
                    "[ 0.00s] enter start",
                    "[ 0.50s] enter end",
                    "[ 0.51s] body: \"SELECT 1\" -> 8 rows",
                    "[ 0.51s] exit start (body returned Ok)",
                    "[ 1.51s] exit end",
                    "[ 1.51s] with_connection gave Ok(8)",
                ]
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn teardown_runs_after_an_error() {
        within(LIMIT, "body_fails", async {
            let Outcome { result, lines } = body_fails().await;
            let error = result.expect_err("the body's error must come out");
            assert!(error.starts_with("bad row: "), "{error}");
            let exit = lines
                .iter()
                .position(|line| line.contains("exit start (body returned Err: bad row"))
                .expect("exit must start after the error");
            assert_eq!(lines[exit + 1], "[ 1.51s] exit end");
            assert_eq!(count(&lines, "DROPPED"), 0, "{lines:#?}");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn teardown_runs_after_a_panic_and_the_panic_goes_on() {
        within(LIMIT, "body_panics", async {
            let Outcome { result, lines } = body_panics().await;
            assert_eq!(result, Err("division by zero in the body".to_string()));
            let exit = lines
                .iter()
                .position(|line| line.contains("exit start (body panicked: division by zero"))
                .expect("exit must start after the panic");
            assert_eq!(lines[exit + 1], "[ 1.51s] exit end");
            assert!(lines[exit + 2].contains("the panic reached the caller"));
            assert_eq!(count(&lines, "DROPPED"), 0, "{lines:#?}");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_skips_teardown_and_the_guard_reports_it() {
        within(LIMIT, "cancelled_mid_body", async {
            let (timed_out, lines) = cancelled_mid_body(Duration::from_secs(1)).await;
            assert!(timed_out);
            assert_eq!(count(&lines, "exit start"), 0, "{lines:#?}");
            assert_eq!(
                lines[3],
                "[ 1.00s] DROPPED WITHOUT close(): the async teardown never ran"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_runs_drop_so_a_held_permit_comes_back() {
        within(LIMIT, "a permit held by a cancelled future", async {
            let pool = Semaphore::new(1);
            let holder = async {
                let _permit = pool.acquire().await.expect("the pool is open");
                sleep(Duration::from_secs(5)).await;
            };
            let cancelled = tokio::time::timeout(Duration::from_secs(1), holder).await;
            assert!(cancelled.is_err(), "the holder must be cut off mid-sleep");
            assert_eq!(
                pool.available_permits(),
                1,
                "dropping the future dropped its permit"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn only_the_connection_nobody_closed_is_reported() {
        within(LIMIT, "explicit_close_and_a_forgotten_one", async {
            let lines = explicit_close_and_a_forgotten_one().await;
            assert_eq!(count(&lines, "exit end"), 1, "{lines:#?}");
            assert_eq!(count(&lines, "DROPPED"), 1, "{lines:#?}");
            let last = lines.last().expect("lines");
            assert!(last.contains("DROPPED"), "{lines:#?}");
            // Only the one closed by hand.
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains("exit start (closed by hand)"))
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_permit_lets_the_next_worker_in() {
        within(LIMIT, "raii_guards", async {
            let lines = raii_guards(Duration::from_millis(500)).await;
            assert_eq!(
                lines,
                [
                    "[ 0.00s] A: got the permit",
                    "[ 0.50s] A: done, dropping the permit",
                    "[ 0.50s] B: got the permit",
                    "[ 1.00s] B: done, dropping the permit",
                    "[ 1.00s] served in order: [\"A\", \"B\"]",
                ]
            );
        })
        .await;
    }
}
