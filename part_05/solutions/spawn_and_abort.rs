//! Exercise (part 05): spawn, then abort, with cleanup.
//!
//! `worker` ticks for ever. `run_for(trace, deadline)` must run it as a task of its own, let it
//! tick until `deadline`, then cancel it, and return what awaiting the task's `JoinHandle` gave.
//! The worker must clean up when cancelled: it holds a `Cleanup` guard, whose `Drop` logs
//! "cleaned up", for as long as it runs.
//!
//! Lesson: part 05 ("tasks"). The Python it mirrors (`worker` has a `try: … finally:` that prints
//! "cleaned up"):
//!
//! ```python
//! task = asyncio.create_task(worker())
//! await asyncio.sleep(deadline)
//! task.cancel()
//! await task        # raises CancelledError
//! ```
//!
//! `tokio::spawn` is `create_task`; `JoinHandle::abort` is `cancel()` (the task is dropped at its
//! current `.await`); awaiting the handle gives a `JoinError` whose `is_cancelled()` is true; and
//! `finally:` is a value's `Drop`. The tests, on tokio's paused clock, check that the worker ticks
//! until the deadline and never after, that `run_for` returns a cancellation at the deadline, and
//! that an aborted worker logs "cleaned up" exactly once, when it is aborted.
//!
//! Check it: `cargo exercise check spawn_and_abort` (or save the file while `make exercise` runs).

use std::time::Duration;

use tokio::task::JoinError;
use workshop::Trace;

/// How often the worker ticks.
const TICK: Duration = Duration::from_millis(100);

/// Logs "cleaned up" when dropped: Rust's `finally:`.
struct Cleanup(Trace);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.say("cleaned up");
    }
}

/// Logs "tick 1", "tick 2", … one every `TICK`, for ever.
async fn worker(trace: Trace) {
    let _cleanup = Cleanup(trace.clone());
    for n in 1.. {
        tokio::time::sleep(TICK).await;
        trace.say(format!("tick {n}"));
    }
}

/// Runs `worker` as a task until `deadline`, then cancels it. Returns what its JoinHandle gave.
async fn run_for(trace: &Trace, deadline: Duration) -> Result<(), JoinError> {
    let task = tokio::spawn(worker(trace.clone()));
    tokio::time::sleep(deadline).await;
    task.abort();
    task.await
}

#[tokio::main]
async fn main() {
    let outcome = run_for(&Trace::start(), Duration::from_millis(350)).await;
    println!("the worker's JoinHandle gave {outcome:?}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    const DEADLINE: Duration = Duration::from_millis(350);

    /// Runs `run_for(DEADLINE)`, then watches a second more. Returns what run_for gave, when it
    /// returned, when the worker ticked, and the log as printed.
    async fn observe() -> (Result<(), JoinError>, Duration, Vec<Duration>, Vec<String>) {
        let trace = Trace::start();
        let outcome = run_for(&trace, DEADLINE).await;
        let returned = trace.watch().elapsed();
        tokio::time::sleep(Duration::from_secs(1)).await; // a worker still running ticks on
        let ticks = trace
            .events_with_time()
            .into_iter()
            .filter_map(|(at, line)| line.starts_with("tick").then_some(at))
            .collect();
        (outcome, returned, ticks, trace.lines())
    }

    #[tokio::test(start_paused = true)]
    async fn the_worker_ticks_until_the_deadline_and_never_after() {
        within(Duration::from_secs(10), "run_for", async {
            let (_, returned, ticks, log) = observe().await;
            if let Some(late) = ticks.iter().find(|at| **at > DEADLINE) {
                panic!(
                    "the worker still ticked at {late:?}, after the deadline ({DEADLINE:?}): it \
                     was never stopped. Dropping a JoinHandle (or a timeout around it) detaches \
                     the task, it does not cancel it: JoinHandle::abort does. Log: {log:?}"
                );
            }
            assert_eq!(
                ticks.len(),
                3,
                "the worker must tick at 0.1s, 0.2s and 0.3s, then stop at 0.35s. Log: {log:?}"
            );
            assert_eq!(returned, DEADLINE, "run_for must return at the deadline");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_join_handle_reports_a_cancellation() {
        within(Duration::from_secs(10), "run_for", async {
            let (outcome, ..) = observe().await;
            assert!(
                outcome.as_ref().is_err_and(JoinError::is_cancelled),
                "run_for returned {outcome:?}: awaiting the JoinHandle of an aborted task gives a \
                 JoinError whose is_cancelled() is true; return that"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_worker_cleans_up_once_when_its_task_is_aborted() {
        within(Duration::from_secs(10), "worker", async {
            let trace = Trace::start();
            let task = tokio::spawn(worker(trace.clone()));
            tokio::time::sleep(DEADLINE).await;
            task.abort();
            let _ = task.await;
            let cleanups: Vec<Duration> = trace
                .events_with_time()
                .into_iter()
                .filter_map(|(at, line)| (line == "cleaned up").then_some(at))
                .collect();
            let why = match cleanups[..] {
                [at] if at == DEADLINE => return,
                [] => {
                    "was never logged: the worker must hold a Cleanup while it runs (aborting \
                     its task drops the worker's future, and the Cleanup in it)"
                }
                [at] if at.is_zero() => {
                    "was logged at the start: `let _ = Cleanup(..)` drops the guard at once; \
                     bind it to a name that lives as long as the worker (`let _cleanup = …`)"
                }
                _ => "must be logged once, when the task is aborted",
            };
            panic!("\"cleaned up\" {why}. Log: {:?}", trace.lines());
        })
        .await;
    }
}
