//! The checks of `gather_with_deadline`: `cargo exercise check gather_with_deadline` runs them
//! against part_11/exercises/gather_with_deadline.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

use super::*;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;
use workshop::testing::within;

/// A test job: its name, how many seconds it works, the value it saves (unrelated to its length).
type Spec = (&'static str, u64, u64);

/// One gather: its jobs, its limit in ms, and what it should keep: the jobs that finish in time
/// (in finishing order) and those cancelled.
struct Case {
    jobs: &'static [Spec],
    limit_ms: u64,
    finished: &'static [(&'static str, u64)],
    cancelled: &'static [&'static str],
}

/// Gathers that meet their deadline, each with jobs left to cancel.
const CASES: [Case; 3] = [
    Case {
        jobs: &[("a", 1, 30), ("b", 3, 10), ("c", 2, 40), ("d", 5, 20)],
        limit_ms: 2500,
        finished: &[("a", 30), ("c", 40)],
        cancelled: &["b", "d"],
    },
    // r finishes first but comes last in the list, and its value is the larger one.
    Case {
        jobs: &[("p", 3, 1), ("q", 4, 2), ("r", 1, 3)],
        limit_ms: 3500,
        finished: &[("r", 3), ("p", 1)],
        cancelled: &["q"],
    },
    Case {
        jobs: &[("x", 1, 5), ("y", 2, 6)],
        limit_ms: 500,
        finished: &[],
        cancelled: &["x", "y"],
    },
];

/// What a test job noted itself: when it started, when it saved, when it was dropped.
#[derive(Debug, Clone, Default)]
struct Note {
    started: Option<Duration>,
    saved: Option<Duration>,
    dropped: Option<Duration>,
}

/// The notes of one gather's jobs, one per job, on the gather's own clock.
#[derive(Clone)]
struct Notes {
    start: Instant,
    jobs: Arc<Mutex<Vec<Note>>>,
}

impl Notes {
    fn note(&self, job: usize, what: impl FnOnce(&mut Note, Duration)) {
        let at = self.start.elapsed();
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        what(&mut jobs[job], at);
    }

    fn read(&self) -> Vec<Note> {
        let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        jobs.clone()
    }
}

/// Notes when the test job is dropped, finished or not.
struct Guard(Notes, usize);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.note(self.1, |note, at| note.dropped = Some(at));
    }
}

async fn test_job(notes: Notes, job: usize, secs: u64, value: u64) -> u64 {
    let _guard = Guard(notes.clone(), job);
    notes.note(job, |note, at| note.started = Some(at));
    tokio::time::sleep(Duration::from_secs(secs)).await;
    notes.note(job, |note, at| note.saved = Some(at));
    value
}

/// What the gather returned and when, and the jobs' notes 10 s later.
struct Run {
    gathered: Gathered,
    returned: Duration,
    notes: Vec<Note>,
}

async fn run(specs: &[Spec], limit: Duration) -> Run {
    let notes = Notes {
        start: Instant::now(),
        jobs: Arc::new(Mutex::new(vec![Note::default(); specs.len()])),
    };
    let jobs = (0..)
        .zip(specs)
        .map(|(i, &(name, secs, value))| (name, test_job(notes.clone(), i, secs, value)))
        .collect();
    let gathered = gather_with_deadline(jobs, limit).await;
    let returned = notes.start.elapsed();
    tokio::time::sleep(Duration::from_secs(10)).await; // a job left running shows up
    Run {
        gathered,
        returned,
        notes: notes.read(),
    }
}

#[tokio::test(start_paused = true)]
async fn keeps_what_finished_in_finishing_order_and_names_what_was_cancelled() {
    within(Duration::from_secs(120), "gather_with_deadline", async {
        for case in CASES {
            let (jobs, limit) = (case.jobs, Duration::from_millis(case.limit_ms));
            let Run { gathered, .. } = run(jobs, limit).await;
            if gathered.finished.is_empty() && !case.finished.is_empty() {
                panic!(
                    "jobs {jobs:?} (name, seconds, value) with a deadline of {limit:?}: \
                     {:?} finished in time, yet nothing was kept: a timeout around the whole \
                     gather loses them; keep each result as it comes (timeout_at around \
                     join_next)",
                    case.finished
                );
            }
            assert_eq!(
                gathered.finished, case.finished,
                "jobs {jobs:?} (name, seconds, value) with a deadline of {limit:?}: keep the \
                 (name, value) of each job that finished in time, in the order they finished \
                 (not in the list's order, nor sorted by value)"
            );
            assert_eq!(
                gathered.cancelled, case.cancelled,
                "jobs {jobs:?} (name, seconds, value) with a deadline of {limit:?}: these were \
                 still running at the deadline, and were cancelled (list them in input order)"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn every_job_starts_at_once_and_it_returns_at_the_deadline() {
    within(Duration::from_secs(120), "gather_with_deadline", async {
        for case in CASES {
            let (jobs, limit) = (case.jobs, Duration::from_millis(case.limit_ms));
            let Run {
                returned, notes, ..
            } = run(jobs, limit).await;
            for (&(name, ..), note) in jobs.iter().zip(&notes) {
                assert_eq!(
                    note.started,
                    Some(Duration::ZERO),
                    "jobs {jobs:?} (name, seconds, value): job {name} started at {:?}: start \
                     every job at once",
                    note.started
                );
            }
            let slowest = jobs.iter().map(|&(_, secs, _)| secs).max().unwrap_or(0);
            assert_eq!(
                returned, limit,
                "jobs {jobs:?} (name, seconds, value): the gather returned at {returned:?}; \
                 the deadline was {limit:?} from the start (the slowest job takes {slowest} s): \
                 one deadline for the whole gather, fixed once (timeout_at), not a new timeout \
                 for each result"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_job_is_stopped_and_never_saves() {
    within(Duration::from_secs(120), "gather_with_deadline", async {
        for case in CASES {
            let (jobs, limit) = (case.jobs, Duration::from_millis(case.limit_ms));
            let Run {
                returned, notes, ..
            } = run(jobs, limit).await;
            for (&(name, secs, _), note) in jobs.iter().zip(&notes) {
                if Duration::from_secs(secs) < limit {
                    continue;
                }
                if let Some(at) = note.saved {
                    panic!(
                        "jobs {jobs:?} (name, seconds, value) with a deadline of {limit:?}: job \
                         {name} saved its value at {at:?} (the gather returned at \
                         {returned:?}): a job still running at the deadline must be stopped \
                         (JoinSet::shutdown or abort_all), not left running in the background"
                    );
                }
                assert!(
                    note.dropped.is_some(),
                    "jobs {jobs:?} (name, seconds, value) with a deadline of {limit:?}: job \
                     {name} was never dropped: cancel it (abort its task, or drop its future)"
                );
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn returns_as_soon_as_all_are_done_before_the_deadline() {
    within(Duration::from_secs(120), "gather_with_deadline", async {
        let cases = [
            Case {
                jobs: &[("a", 2, 5), ("b", 1, 6)],
                limit_ms: 5000,
                finished: &[("b", 6), ("a", 5)],
                cancelled: &[],
            },
            Case {
                jobs: &[("x", 3, 1), ("y", 1, 3), ("z", 2, 2)],
                limit_ms: 10_000,
                finished: &[("y", 3), ("z", 2), ("x", 1)],
                cancelled: &[],
            },
        ];
        for case in cases {
            let (jobs, limit) = (case.jobs, Duration::from_millis(case.limit_ms));
            let Run {
                gathered, returned, ..
            } = run(jobs, limit).await;
            let expected = Gathered {
                finished: case.finished.to_vec(),
                cancelled: vec![],
            };
            assert_eq!(
                gathered, expected,
                "jobs {jobs:?} (name, seconds, value): every job finished before the deadline \
                 ({limit:?}), in this order"
            );
            let slowest = jobs.iter().map(|&(_, secs, _)| secs).max().unwrap_or(0);
            assert_eq!(
                returned,
                Duration::from_secs(slowest),
                "jobs {jobs:?} (name, seconds, value): every job was done at {slowest} s, yet \
                 the gather returned at {returned:?}: do not wait for the deadline ({limit:?}) \
                 once nothing is left to wait for"
            );
        }
    })
    .await;
}
