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

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    const WORK: [u64; 3] = [100, 200, 300]; // ms
    /// Moments to stop at (ms): before the first items, during them, later. None is the end of a
    /// wait, so what each worker was doing at the stop is never a tie.
    const STOPS: [u64; 4] = [50, 150, 450, 1050];

    /// A worker's items: when each started, and when it ended if it did.
    type Items = Vec<(Duration, Option<Duration>)>;

    /// One run: each worker's items (start, end if it ended) and goodbye; when the stop came,
    /// when `run_then_shut_down` returned, and what was said after it had.
    struct Run {
        workers: Vec<(Items, Option<Duration>)>,
        stop: Duration,
        returned: Duration,
        late: Vec<String>,
    }

    async fn run(stop_ms: u64) -> Run {
        let (trace, stop) = (Trace::start(), Duration::from_millis(stop_ms));
        run_then_shut_down(trace.clone(), &WORK.map(Duration::from_millis), stop).await;
        let (returned, said) = (trace.watch().elapsed(), trace.messages().len());
        tokio::time::sleep(Duration::from_secs(5)).await; // anything left running shows up
        let mut events = trace.events_with_time();
        let late = events.split_off(said).into_iter().map(|e| e.1).collect();
        // "worker 1: goodbye" finds "worker 1: goodbye, 2 items done"; items are exact.
        let at = |what: &str| {
            let found = events
                .iter()
                .find(|(_, m)| m == what || m.starts_with(&format!("{what},")));
            found.map(|e| e.0)
        };
        let workers = (1..=WORK.len())
            .map(|id| {
                let items = (1..)
                    .map_while(|n| {
                        let start = at(&format!("worker {id}: starts item {n}"))?;
                        Some((start, at(&format!("worker {id}: finished item {n}"))))
                    })
                    .collect();
                (items, at(&format!("worker {id}: goodbye")))
            })
            .collect();
        Run {
            workers,
            stop,
            returned,
            late,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_item_starts_after_the_stop_and_none_is_cut_short() {
        within(Duration::from_secs(60), "shutdown", async {
            for stop_ms in STOPS {
                let Run { workers, stop, .. } = run(stop_ms).await;
                for (id, (items, _)) in (1..).zip(&workers) {
                    for (n, &(start, end)) in (1..).zip(items) {
                        assert!(
                            start < stop,
                            "worker {id} started item {n} at {start:?}, after the stop at {stop:?}"
                        );
                        assert!(
                            end.is_some(),
                            "worker {id} started item {n} but never finished it (stop at \
                             {stop:?}): only the wait for the next item may race the token"
                        );
                    }
                }
            }
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn every_worker_says_goodbye_and_the_shutdown_waits_for_all() {
        within(Duration::from_secs(60), "shutdown", async {
            for stop_ms in STOPS {
                let Run {
                    workers,
                    stop,
                    returned,
                    late,
                } = run(stop_ms).await;
                assert!(
                    late.is_empty(),
                    "run_then_shut_down returned at {returned:?}, and then: {late:?}: wait for \
                     every worker before returning"
                );
                for (id, (_, goodbye)) in (1..).zip(&workers) {
                    assert!(
                        goodbye.is_some(),
                        "worker {id} never said goodbye (stop at {stop:?}): it was dropped first, \
                         by abort() or with its JoinSet; cancel the token, and wait for it"
                    );
                }
            }
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_worker_leaves_at_once_and_shutdown_takes_one_item_at_most() {
        within(Duration::from_secs(60), "shutdown", async {
            for stop_ms in STOPS {
                let Run {
                    workers,
                    stop,
                    returned,
                    ..
                } = run(stop_ms).await;
                for (id, (items, goodbye)) in (1..).zip(&workers) {
                    let Some(goodbye) = *goodbye else {
                        continue; // every_worker_says_goodbye_… reports that
                    };
                    match items.last() {
                        Some(&(_, Some(end))) if end > stop => assert_eq!(
                            goodbye, end,
                            "worker {id} was on an item when the stop came at {stop:?}: it should \
                             say goodbye as soon as that item is finished, at {end:?}"
                        ),
                        _ => assert_eq!(
                            goodbye, stop,
                            "worker {id} was waiting for its next item when the stop came at \
                             {stop:?}: that wait must end at once (select! on stop.cancelled())"
                        ),
                    }
                }
                let (took, longest) = (returned.saturating_sub(stop), Duration::from_millis(300));
                assert!(
                    took <= longest,
                    "shutdown took {took:?} after the stop; the longest item is {longest:?}"
                );
            }
        })
        .await;
    }
}
