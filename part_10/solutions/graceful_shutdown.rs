//! Exercise (part 10): graceful shutdown with a token.
//!
//! Workers loop: each waits for its next item (a `GAP`, standing in for a queue), then does it.
//! `run_then_shut_down` must spawn one worker per entry of `works`, let them run for `run_for`,
//! then stop them gracefully: every worker finishes the item it is on (an item is never cut
//! short: think of a database write), starts no new one, says goodbye, and the function returns
//! as soon as all of them have, not before. A worker that is waiting for its next item leaves at
//! once.
//!
//! Follows part 10 (a `CancellationToken` each task watches, a `JoinSet` or `TaskTracker` to wait
//! on). Python mirrors it with an `asyncio.Event` for the stop, a `TaskGroup` for the workers, and
//! `asyncio.wait_for(stop.wait(), GAP)` in the loop, so that only the wait is interrupted.
//!
//! The tests give the workers `Work` of their own, which notes on tokio's paused clock when each
//! item starts and ends, whether one was cut short, and each goodbye. Stopping at several moments,
//! they check that the workers do their items one after another until the stop, that no item
//! starts after it and none is cut short, that a waiting worker leaves at once and a busy one as
//! soon as its item is done, that each says goodbye with the number of items it did, and that the
//! function returns at the last goodbye, with nothing running after that.
//!
//! Check it: `cargo exercise check graceful_shutdown` (or save the file while `make exercise`
//! runs).

use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use workshop::Trace;

/// How long a worker waits for its next item.
const GAP: Duration = Duration::from_millis(100);

/// What a worker works on.
trait Work: Send + Sync + 'static {
    /// Does item `n` (numbered from 1). Never to be cut short: once started, it runs to its end.
    fn do_item(&self, n: u32) -> impl Future<Output = ()> + Send;
    /// The worker's last word, once it has stopped: how many items it did.
    fn goodbye(&self, done: u32);
}

/// `main`'s work: items `each` long, told on a trace.
struct Traced {
    id: u32,
    each: Duration,
    trace: Trace,
}

impl Work for Traced {
    async fn do_item(&self, n: u32) {
        let (trace, id) = (&self.trace, self.id);
        trace.say(format!("worker {id}: starts item {n}"));
        tokio::time::sleep(self.each).await;
        trace.say(format!("worker {id}: finished item {n}"));
    }

    fn goodbye(&self, done: u32) {
        let (trace, id) = (&self.trace, self.id);
        trace.say(format!("worker {id}: goodbye, {done} items done"));
    }
}

/// Waits `GAP` for each item, then does it, until `stop` is cancelled; then says goodbye.
async fn worker(work: impl Work, stop: CancellationToken) {
    let mut done = 0;
    loop {
        // Only the wait races the token: an item, once started, runs to its end.
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            () = tokio::time::sleep(GAP) => {}
        }
        done += 1;
        work.do_item(done).await;
    }
    work.goodbye(done);
}

/// Spawns one worker per entry of `works`, lets them run for `run_for`, then stops them and
/// returns once every one has said goodbye.
async fn run_then_shut_down(works: Vec<impl Work>, run_for: Duration) {
    let stop = CancellationToken::new();
    let mut workers = JoinSet::new();
    for work in works {
        workers.spawn(worker(work, stop.clone()));
    }
    tokio::time::sleep(run_for).await;
    stop.cancel();
    workers.join_all().await;
}

#[tokio::main]
async fn main() {
    let (trace, ms) = (Trace::start(), Duration::from_millis);
    let works = (1..).zip([100, 200, 300]).map(|(id, each)| Traced {
        id,
        each: ms(each),
        trace: trace.clone(),
    });
    run_then_shut_down(works.collect(), ms(450)).await;
    trace.say("main: every worker has said goodbye");
}

// The tests `cargo exercise check` runs: part_10/checks/graceful_shutdown.rs.
#[cfg(test)]
#[path = "../checks/graceful_shutdown.rs"]
mod checks;
