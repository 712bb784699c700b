//! Part 05 — tasks: `tokio::spawn` is `asyncio.create_task`.
//!
//! Shows: a spawned task runs even if nobody awaits it (a plain future does not, part 02); its
//! `JoinHandle` yields `Result<T, JoinError>` and answers `is_finished()`; a panic inside a task
//! becomes a `JoinError` that `is_panic()`; `abort()` cancels it (`Task.cancel()`), and the
//! awaiter sees `is_cancelled()`; a `JoinHandle` is awaited once, so sharing its result takes
//! `shared()`.
//!
//! Run it: `make part_05` (or `cargo run -p part_05`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use tokio::task::JoinError;
use workshop::Stopwatch;

const PAUSE: Duration = Duration::from_secs(1);

#[tokio::main]
async fn main() {
    workshop::banner!();
    // One deliberate panic below: report it in one line, so the trace stays readable.
    workshop::lesson::report_panics_in_one_line();

    println!("1. A task runs without being awaited; a future does not");
    let log = spawned_versus_lazy(PAUSE).await;
    assert_eq!(log.len(), 1, "only the task ran: {log:?}");

    println!("\n2. The JoinHandle: is_finished() and the result");
    let joined = join_handle(PAUSE).await;
    assert!(!joined.finished_at_start && joined.finished_later);
    assert_eq!(joined.result.as_ref().ok(), Some(&42));

    println!("\n3. A panic inside a task");
    let panicked = panic_in_a_task().await;
    assert!(
        panicked.is_some(),
        "the panic must come back as a JoinError"
    );

    println!("\n4. abort(): Task.cancel()");
    let aborted = abort_a_task(PAUSE).await;
    assert!(aborted.cancelled, "{:?}", aborted.events);
    assert!(
        aborted.elapsed < Duration::from_secs(3600),
        "aborted before its hour of work"
    );

    println!("\n5. Awaiting a task's result twice");
    let shared = share_a_result(PAUSE).await;
    assert_eq!(shared.runs, 1);
    assert!(shared.values.iter().all(|v| v == &Ok(42)));
    println!("   three awaiters, one run, {:.2?} in all", shared.elapsed);
}

/// A log that several tasks append to. A std `Mutex`: it is held only for a push, never across
/// an `.await`.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, line: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }

    fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Python: `asyncio.create_task(work())` schedules `work` at once, while a bare `work()` creates a
/// coroutine that never runs. Same in Rust: `tokio::spawn` hands the future to the runtime, which
/// runs it whether or not anybody keeps the `JoinHandle`; the unspawned future waits to be
/// polled, forever. Returns the log: only the task's line.
async fn spawned_versus_lazy(pause: Duration) -> Vec<String> {
    let watch = Stopwatch::start();
    let log = Log::default();
    let record = |who: &'static str| {
        let log = log.clone();
        async move { log.push(watch.say(format!("{who}: ran"))) }
    };

    let lazy = record("plain future");
    // The JoinHandle is dropped on the spot: that detaches the task, it does not cancel it.
    // (Python's event loop keeps only a weak reference to a task: one nobody holds may be
    // garbage-collected mid-run. Tokio's runtime owns its tasks.)
    drop(tokio::spawn(record("spawned task")));
    watch.say(format!("main: sleeping {pause:?}, awaiting neither"));
    tokio::time::sleep(pause).await;
    drop(lazy);
    let lines = log.lines();
    watch.say(format!("main: the log holds {lines:?}"));
    lines
}

/// What [`join_handle`] observed.
#[derive(Debug)]
struct Joined {
    finished_at_start: bool,
    finished_later: bool,
    result: Result<u64, JoinError>,
}

/// Python: `task.done()`, then `await task`. Awaiting a `JoinHandle` gives a `Result`: `Ok` with
/// the task's value, or a `JoinError` if it panicked or was aborted (sections 3 and 4).
async fn join_handle(pause: Duration) -> Joined {
    let watch = Stopwatch::start();
    let handle = tokio::spawn(async move {
        tokio::time::sleep(pause).await;
        watch.say("task: returning 42");
        42
    });
    let finished_at_start = handle.is_finished();
    watch.say(format!("main: is_finished() = {finished_at_start}"));
    tokio::time::sleep(pause * 2).await;
    let finished_later = handle.is_finished();
    watch.say(format!("main: is_finished() = {finished_later}"));
    let result = handle.await;
    watch.say(format!("main: handle.await = {result:?}"));
    Joined {
        finished_at_start,
        finished_later,
        result,
    }
}

/// Python: an exception inside a task is stored and re-raised by `await task`. A panic inside a
/// tokio task unwinds that task only: the runtime and the other tasks go on, and the awaiter gets
/// a `JoinError` whose `is_panic()` is true, carrying the panic's payload. Returns the message.
async fn panic_in_a_task() -> Option<String> {
    let watch = Stopwatch::start();
    // DELIBERATELY WRONG: this task panics.
    let handle = tokio::spawn(async { panic!("boom") });
    let error = handle.await.err()?;
    watch.say(format!(
        "main: JoinError, is_panic() = {}",
        error.is_panic()
    ));
    let message = error.try_into_panic().ok().map(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    });
    watch.say(format!("main: the panic said {message:?}"));
    message
}

/// What [`abort_a_task`] observed.
#[derive(Debug)]
struct Aborted {
    events: Vec<String>,
    cancelled: bool,
    elapsed: Duration,
}

/// Pushes a line to the log when dropped: the closest Rust has to a `finally:` block.
struct Cleanup {
    log: Log,
    watch: Stopwatch,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.log.push(self.watch.say("task: cleanup ran (Drop)"));
    }
}

/// Python: `task.cancel()` raises CancelledError inside the task at its current `await`; the
/// task may catch it, run `finally:` blocks, even refuse. `abort()` is blunter: at its current
/// `.await` the task's future is dropped. No line after that `.await` runs, only destructors, and
/// the task cannot refuse. The awaiter gets a `JoinError` whose `is_cancelled()` is true.
async fn abort_a_task(pause: Duration) -> Aborted {
    let watch = Stopwatch::start();
    let log = Log::default();
    let task_log = log.clone();
    let handle = tokio::spawn(async move {
        let _cleanup = Cleanup {
            log: task_log.clone(),
            watch,
        };
        task_log.push(watch.say("task: working for an hour"));
        tokio::time::sleep(Duration::from_secs(3600)).await;
        task_log.push(watch.say("task: done (never printed)"));
    });
    tokio::time::sleep(pause).await;
    log.push(watch.say("main: abort()"));
    handle.abort();
    let result = handle.await;
    let cancelled = result.as_ref().is_err_and(JoinError::is_cancelled);
    log.push(watch.say(format!(
        "main: handle.await = {result:?}, is_cancelled() = {cancelled}"
    )));
    Aborted {
        events: log.lines(),
        cancelled,
        elapsed: watch.elapsed(),
    }
}

/// What [`share_a_result`] observed.
#[derive(Debug)]
struct SharedResult {
    values: Vec<Result<u64, String>>,
    runs: usize,
    elapsed: Duration,
}

/// A Python Task can be awaited again and again. A `JoinHandle` is consumed by `.await`, and is
/// not `Clone` (awaiting it twice: part 03's E0382). To hand one task's result to several
/// awaiters, make the handle `shared()`. Its output must be `Clone`, and `JoinError` is not: turn
/// the error into a `String` first.
async fn share_a_result(pause: Duration) -> SharedResult {
    let watch = Stopwatch::start();
    let runs = Arc::new(AtomicUsize::new(0));
    let task_runs = Arc::clone(&runs);
    let handle = tokio::spawn(async move {
        task_runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(pause).await;
        watch.say("task: returning 42");
        42_u64
    });
    let shared = handle.map(|r| r.map_err(|e| e.to_string())).shared();
    watch.say("main: one task, its JoinHandle made shared(); awaiters A and B wait on clones");
    let (a, b) = tokio::join!(shared.clone(), shared.clone());
    watch.say(format!("awaiter A got {a:?}, awaiter B got {b:?}"));
    let late = shared.await;
    watch.say(format!("a late awaiter got {late:?}"));
    SharedResult {
        values: vec![a, b, late],
        runs: runs.load(Ordering::SeqCst),
        elapsed: watch.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    #[tokio::test(start_paused = true)]
    async fn a_spawned_task_runs_unawaited_where_a_plain_future_does_not() {
        within(Duration::from_secs(10), "spawned_versus_lazy", async {
            let log = spawned_versus_lazy(PAUSE).await;
            // The task ran as soon as main yielded (at its sleep), and was never awaited; the
            // plain future, dropped unpolled, left no line.
            assert_eq!(log, ["[ 0.00s] spawned task: ran"]);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_join_handle_reports_finished_and_yields_the_value() {
        within(Duration::from_secs(10), "join_handle", async {
            let joined = join_handle(PAUSE).await;
            assert!(!joined.finished_at_start);
            assert!(joined.finished_later);
            assert_eq!(joined.result.ok(), Some(42));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_in_a_task_comes_back_as_a_join_error() {
        within(Duration::from_secs(10), "panic_in_a_task", async {
            assert_eq!(panic_in_a_task().await.as_deref(), Some("boom"));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn abort_drops_the_task_at_its_await_and_the_awaiter_sees_cancelled() {
        within(Duration::from_secs(10), "abort_a_task", async {
            let aborted = abort_a_task(PAUSE).await;
            assert!(aborted.cancelled);
            // Aborted at PAUSE, not after the task's hour of work.
            assert_eq!(aborted.elapsed, PAUSE);
            assert_eq!(aborted.events.len(), 4, "{:?}", aborted.events);
            assert_eq!(aborted.events[0], "[ 0.00s] task: working for an hour");
            assert_eq!(aborted.events[1], "[ 1.00s] main: abort()");
            assert_eq!(aborted.events[2], "[ 1.00s] task: cleanup ran (Drop)");
            assert!(
                aborted.events[3].contains("is_cancelled() = true"),
                "{:?}",
                aborted.events
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_shared_join_handle_gives_one_runs_result_to_every_awaiter() {
        within(Duration::from_secs(10), "share_a_result", async {
            let shared = share_a_result(PAUSE).await;
            assert_eq!(shared.runs, 1);
            assert_eq!(shared.values, [Ok(42), Ok(42), Ok(42)]);
            // The awaiters waited together for the one run: one PAUSE in all.
            assert_eq!(shared.elapsed, PAUSE);
        })
        .await;
    }
}
