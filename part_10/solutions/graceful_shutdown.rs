//! Exercise (part 10): graceful shutdown with a token.
//!
//! Workers loop: each waits for its next item (a `GAP`, standing in for a queue), then does it.
//! `run_then_shut_down` must spawn one worker per entry of `work` (how long that worker's items
//! take), let them run for `run_for`, then stop them gracefully: every worker finishes the item it
//! is on (an item is never cut short: think of a database write), starts no new one, says goodbye,
//! and the function returns only once all of them have. A worker that is waiting for its next item
//! leaves at once.
//!
//! Follows part 10 (a `CancellationToken` each task watches, a `JoinSet` or `TaskTracker` to wait
//! on). Python mirrors it with an `asyncio.Event` for the stop, a `TaskGroup` for the workers, and
//! `asyncio.wait_for(stop.wait(), GAP)` in the loop, so that only the wait is interrupted.
//!
//! The tests stop the workers at several moments on tokio's paused clock and check that no item
//! starts after the stop, every item started finishes, every worker says goodbye before the
//! function returns, a waiting worker leaves at once, and shutdown takes at most one item's time.
//!
//! Check it: `cargo exercise check graceful_shutdown` (or save the file while `make exercise`
//! runs).

use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use workshop::Trace;

/// How long a worker waits for its next item.
const GAP: Duration = Duration::from_millis(100);

/// One item of work: `work` long, and never to be cut short.
async fn do_item(trace: &Trace, id: u32, n: u32, work: Duration) {
    trace.say(format!("worker {id}: starts item {n}"));
    tokio::time::sleep(work).await;
    trace.say(format!("worker {id}: finished item {n}"));
}

/// Waits `GAP` for each item, then does it, until `stop` is cancelled; then says goodbye.
async fn worker(id: u32, work: Duration, stop: CancellationToken, trace: Trace) {
    let mut done = 0;
    loop {
        // Only the wait races the token: an item, once started, runs to its end.
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            () = tokio::time::sleep(GAP) => {}
        }
        done += 1;
        do_item(&trace, id, done, work).await;
    }
    trace.say(format!("worker {id}: goodbye, {done} items done"));
}

/// Spawns one worker per entry of `work` (ids from 1), lets them run for `run_for`, then stops
/// them and returns once every one has said goodbye.
async fn run_then_shut_down(trace: Trace, work: &[Duration], run_for: Duration) {
    let stop = CancellationToken::new();
    let mut workers = JoinSet::new();
    for (id, &work) in (1..).zip(work) {
        workers.spawn(worker(id, work, stop.clone(), trace.clone()));
    }
    tokio::time::sleep(run_for).await;
    trace.say("main: stop");
    stop.cancel();
    workers.join_all().await;
}

#[tokio::main]
async fn main() {
    let ms = Duration::from_millis;
    run_then_shut_down(Trace::start(), &[ms(100), ms(200), ms(300)], ms(450)).await;
}

// The tests `cargo exercise check` runs: part_10/checks/graceful_shutdown.rs.
#[cfg(test)]
#[path = "../checks/graceful_shutdown.rs"]
mod checks;
