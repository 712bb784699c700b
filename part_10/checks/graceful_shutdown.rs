//! The checks of `graceful_shutdown`: `cargo exercise check graceful_shutdown` runs them against
//! part_10/exercises/graceful_shutdown.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

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
