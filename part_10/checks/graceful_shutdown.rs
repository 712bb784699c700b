//! The checks of `graceful_shutdown`: `cargo exercise check graceful_shutdown` runs them against
//! part_10/exercises/graceful_shutdown.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;
use workshop::testing::within;

/// The workers' item lengths (ms), and the moments to stop them at (ms). No stop falls on the end
/// of a wait or of an item, so what each worker was doing at the stop is never a tie.
const SCENARIOS: [(&[u64], &[u64]); 2] = [
    (&[100, 200, 300], &[50, 150, 450, 1050]),
    (&[250, 50], &[120, 620, 725]),
];

/// One item, as the test's work noted it: when it started, when it ended, when it was cut short.
#[derive(Debug, Clone)]
struct Item {
    n: u32,
    start: Duration,
    end: Option<Duration>,
    cut: Option<Duration>,
}

/// What one worker's work noted: its items, and every goodbye (when, and how many items it said).
#[derive(Debug, Clone, Default)]
struct Noted {
    items: Vec<Item>,
    goodbyes: Vec<(Duration, u32)>,
}

/// The notes of one run, one per worker, on the run's own clock.
#[derive(Clone)]
struct Notes {
    start: Instant,
    workers: Arc<Mutex<Vec<Noted>>>,
}

impl Notes {
    fn note(&self, worker: usize, what: impl FnOnce(&mut Noted, Duration)) {
        let at = self.start.elapsed();
        let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        what(&mut workers[worker], at);
    }

    fn read(&self) -> Vec<Noted> {
        let workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        workers.clone()
    }
}

/// The test's work: items `each` long, noted, and the goodbyes.
struct Probe {
    worker: usize,
    each: Duration,
    notes: Notes,
}

/// Notes that the item was cut short, if it is dropped before its end.
struct Unfinished(Notes, usize, u32);

impl Drop for Unfinished {
    fn drop(&mut self) {
        let n = self.2;
        self.0.note(self.1, |noted, at| {
            let item = noted.items.iter_mut().rev().find(|item| item.n == n);
            if let Some(item) = item.filter(|item| item.end.is_none()) {
                item.cut = Some(at);
            }
        });
    }
}

impl Work for Probe {
    async fn do_item(&self, n: u32) {
        let (notes, worker) = (self.notes.clone(), self.worker);
        notes.note(worker, |noted, start| {
            let (end, cut) = (None, None);
            noted.items.push(Item { n, start, end, cut });
        });
        let _unfinished = Unfinished(notes.clone(), worker, n);
        tokio::time::sleep(self.each).await;
        notes.note(worker, |noted, at| {
            if let Some(item) = noted.items.iter_mut().rev().find(|item| item.n == n) {
                item.end = Some(at);
            }
        });
    }

    fn goodbye(&self, done: u32) {
        self.notes
            .note(self.worker, |noted, at| noted.goodbyes.push((at, done)));
    }
}

/// One run: the stop, when `run_then_shut_down` returned, and the notes then and 5 s later.
struct Run {
    stop: Duration,
    returned: Duration,
    then: Vec<Noted>,
    later: Vec<Noted>,
}

async fn run(each_ms: &[u64], stop_ms: u64) -> Run {
    let notes = Notes {
        start: Instant::now(),
        workers: Arc::new(Mutex::new(vec![Noted::default(); each_ms.len()])),
    };
    let works = (0..)
        .zip(each_ms)
        .map(|(worker, &each)| Probe {
            worker,
            each: Duration::from_millis(each),
            notes: notes.clone(),
        })
        .collect();
    let stop = Duration::from_millis(stop_ms);
    run_then_shut_down(works, stop).await;
    let (returned, then) = (notes.start.elapsed(), notes.read());
    tokio::time::sleep(Duration::from_secs(5)).await; // anything left running shows up
    Run {
        stop,
        returned,
        then,
        later: notes.read(),
    }
}

/// When item `n` (from 1) of a worker whose items take `each` starts: after a `GAP` for each item
/// and the items before it.
fn starts_at(n: u32, each: Duration) -> Duration {
    GAP * n + each * (n - 1)
}

/// What a worker whose items take `each` should have done by a stop at `stop`: how many items it
/// started, and when it says goodbye (at the stop if it was waiting, else when its item ends).
fn expected(each: Duration, stop: Duration) -> (u32, Duration) {
    let started = (1..).take_while(|&n| starts_at(n, each) < stop).count() as u32;
    let busy_until = starts_at(started.max(1), each) + each;
    let goodbye = if started > 0 && busy_until > stop {
        busy_until
    } else {
        stop
    };
    (started, goodbye)
}

#[tokio::test(start_paused = true)]
async fn until_the_stop_each_worker_does_item_after_item() {
    within(Duration::from_secs(120), "run_then_shut_down", async {
        for (each_ms, stops) in SCENARIOS {
            for &stop_ms in stops {
                let Run { stop, later, .. } = run(each_ms, stop_ms).await;
                for (id, (noted, &each)) in (1..).zip(later.iter().zip(each_ms)) {
                    let each = Duration::from_millis(each);
                    let (started, _) = expected(each, stop);
                    let before: Vec<&Item> = noted
                        .items
                        .iter()
                        .filter(|item| item.start < stop)
                        .collect();
                    for (n, item) in (1..).zip(&before) {
                        let at = starts_at(n, each);
                        assert!(
                            item.n == n && item.start == at,
                            "worker {id} (items of {each:?}): its item {} started at {:?}; \
                             waiting GAP (100 ms) before each item, item {n} starts at {at:?} \
                             (number the items from 1)",
                            item.n,
                            item.start
                        );
                    }
                    assert_eq!(
                        before.len() as u32,
                        started,
                        "worker {id} (items of {each:?}), stopped at {stop:?}: it started {} \
                         items by then; waiting GAP (100 ms) before each item, it starts \
                         {started}: do items until the stop",
                        before.len()
                    );
                }
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn no_item_starts_after_the_stop_and_none_is_cut_short() {
    within(Duration::from_secs(120), "run_then_shut_down", async {
        for (each_ms, stops) in SCENARIOS {
            for &stop_ms in stops {
                let Run { stop, later, .. } = run(each_ms, stop_ms).await;
                for (id, noted) in (1..).zip(&later) {
                    for item in &noted.items {
                        let (n, start) = (item.n, item.start);
                        if let Some(cut) = item.cut {
                            panic!(
                                "worker {id} started item {n} at {start:?} and it was cut \
                                 short at {cut:?} (stop at {stop:?}): only the wait for the \
                                 next item may race the token, never the item (abort() cuts \
                                 it short too)"
                            );
                        }
                        assert!(
                            start < stop,
                            "worker {id} started item {n} at {start:?}, after the stop at \
                             {stop:?}: once the token is cancelled, start no new item"
                        );
                    }
                }
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_waiting_worker_leaves_at_once_a_busy_one_after_its_item() {
    within(Duration::from_secs(120), "run_then_shut_down", async {
        for (each_ms, stops) in SCENARIOS {
            for &stop_ms in stops {
                let Run { stop, later, .. } = run(each_ms, stop_ms).await;
                for (id, (noted, &each)) in (1..).zip(later.iter().zip(each_ms)) {
                    let each = Duration::from_millis(each);
                    let (_, leaves) = expected(each, stop);
                    let &[(at, said)] = noted.goodbyes.as_slice() else {
                        panic!(
                            "worker {id} said goodbye {} times (stop at {stop:?}): once, when \
                             it leaves its loop. A worker dropped first (by abort(), or with \
                             its JoinSet) never does: cancel the token, and let it leave",
                            noted.goodbyes.len()
                        )
                    };
                    let busy = leaves > stop;
                    assert_eq!(
                        at,
                        leaves,
                        "worker {id} (items of {each:?}) said goodbye at {at:?}; it was {} \
                         when the stop came at {stop:?}, so it leaves at {leaves:?}: {}",
                        if busy {
                            "on an item"
                        } else {
                            "waiting for its next item"
                        },
                        if busy {
                            "as soon as that item is finished"
                        } else {
                            "a waiting worker leaves at once (select! on stop.cancelled())"
                        }
                    );
                    let done = noted.items.iter().filter(|item| item.end.is_some()).count();
                    assert_eq!(
                        said as usize, done,
                        "worker {id} said goodbye with {said} items done; it finished {done}"
                    );
                }
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn it_returns_at_the_last_goodbye_and_nothing_runs_after() {
    within(Duration::from_secs(120), "run_then_shut_down", async {
        for (each_ms, stops) in SCENARIOS {
            for &stop_ms in stops {
                let Run {
                    stop,
                    returned,
                    then,
                    later,
                } = run(each_ms, stop_ms).await;
                for (id, (then, later)) in (1..).zip(then.iter().zip(&later)) {
                    if let Some(&(at, _)) = later.goodbyes.get(then.goodbyes.len()) {
                        panic!(
                            "run_then_shut_down returned at {returned:?} (stop at {stop:?}), \
                             and worker {id} said goodbye at {at:?}, after that: wait for \
                             every worker before returning (JoinSet::join_all, or \
                             TaskTracker::close then wait)"
                        );
                    }
                    if let Some(item) = later.items.get(then.items.len()) {
                        panic!(
                            "run_then_shut_down returned at {returned:?} (stop at {stop:?}), \
                             and worker {id} started item {} at {:?}, after that: stop every \
                             worker, and wait for it",
                            item.n, item.start
                        );
                    }
                }
                let last = then
                    .iter()
                    .flat_map(|noted| &noted.goodbyes)
                    .map(|g| g.0)
                    .max();
                let last = last.unwrap_or(stop);
                assert_eq!(
                    returned, last,
                    "the stop came at {stop:?}, the last worker said goodbye at {last:?}, and \
                     run_then_shut_down returned at {returned:?}: return as soon as every \
                     worker has left, by waiting for the workers themselves (not for a fixed \
                     time)"
                );
            }
        }
    })
    .await;
}
