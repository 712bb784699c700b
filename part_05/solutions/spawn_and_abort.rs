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
//! `finally:` is a value's `Drop`. The tests, on tokio's paused clock and with two deadlines,
//! check that the worker keeps ticking while `run_for` is started but not polled (a task of its
//! own runs whether or not anyone awaits it), that it ticks until the deadline and never after,
//! that `run_for` returns a cancellation at the deadline, and that an aborted worker logs
//! "cleaned up" exactly once, when it is aborted.
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

// The tests `cargo exercise check` runs: part_05/checks/spawn_and_abort.rs.
#[cfg(test)]
#[path = "../checks/spawn_and_abort.rs"]
mod checks;
