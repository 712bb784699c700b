//! The checks of `fail_fast_join_set`: `cargo exercise check fail_fast_join_set` runs them against
//! part_11/exercises/fail_fast_join_set.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};

use futures::FutureExt;
use tokio::task::Id;
use tokio::time::Instant;
use workshop::testing::within;

/// How a test job ends, unless it is stopped first.
#[derive(Debug, Clone, Copy)]
enum End {
    Saves(u64),
    Fails,
    Panics,
}
use End::{Fails, Panics, Saves};

/// A test job: its name, how many seconds it works, how it ends.
type Spec = (&'static str, u64, End);

/// b fails first, at 2 s; c would fail at 3 s; d would save at 4 s.
const B_FAILS: [Spec; 4] = [
    ("a", 1, Saves(7)),
    ("b", 2, Fails),
    ("c", 3, Fails),
    ("d", 4, Saves(9)),
];
/// a comes first in the list but fails last: d is the first to fail, at 3 s.
const D_FAILS: [Spec; 4] = [
    ("a", 4, Fails),
    ("b", 1, Saves(5)),
    ("c", 5, Saves(6)),
    ("d", 3, Fails),
];
/// p panics at 2 s; c would fail at 3 s.
const P_PANICS: [Spec; 4] = [
    ("a", 1, Saves(3)),
    ("p", 2, Panics),
    ("c", 3, Fails),
    ("d", 4, Saves(8)),
];

/// What a test job noted itself: when it started and on which task, when it ended (saved, failed
/// or panicked), when its clean-up ran.
#[derive(Debug, Clone, Default)]
struct Note {
    started: Option<(Duration, Option<Id>)>,
    ended: Option<Duration>,
    cleaned: Option<Duration>,
}

/// The notes of one run's jobs, one per job, on the run's own clock.
#[derive(Clone)]
struct Notes {
    start: Instant,
    jobs: Arc<Mutex<Vec<Note>>>,
}

impl Notes {
    fn new(jobs: usize) -> Self {
        let jobs = Arc::new(Mutex::new(vec![Note::default(); jobs]));
        Self {
            start: Instant::now(),
            jobs,
        }
    }

    fn note(&self, job: usize, what: impl FnOnce(&mut Note, Duration)) {
        let at = self.start.elapsed();
        what(
            &mut self.jobs.lock().unwrap_or_else(PoisonError::into_inner)[job],
            at,
        );
    }

    fn read(&self) -> Vec<Note> {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The test job's clean-up.
struct Guard(Notes, usize);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.note(self.1, |note, at| note.cleaned = Some(at));
    }
}

async fn test_job(notes: Notes, job: usize, (name, secs, end): Spec) -> Result<u64, String> {
    let _guard = Guard(notes.clone(), job);
    notes.note(job, |note, at| {
        note.started = Some((at, tokio::task::try_id()))
    });
    tokio::time::sleep(Duration::from_secs(secs)).await;
    notes.note(job, |note, at| note.ended = Some(at));
    match end {
        Saves(value) => Ok(value),
        Fails => Err(format!("{name} failed")),
        Panics => panic!("job {name} panics{JOB_PANIC}"),
    }
}

/// What `run_all` returned (or its panic) and when; the notes as they were then, and 10 s later.
struct Run {
    result: Result<Result<Vec<u64>, String>, String>,
    returned: Duration,
    then: Vec<Note>,
    later: Vec<Note>,
}

async fn run(specs: &[Spec]) -> Run {
    let notes = Notes::new(specs.len());
    let jobs = (0..)
        .zip(specs)
        .map(|(i, &spec)| test_job(notes.clone(), i, spec))
        .collect();
    let result = AssertUnwindSafe(run_all(jobs)).catch_unwind().await;
    let (returned, then) = (notes.start.elapsed(), notes.read());
    tokio::time::sleep(Duration::from_secs(10)).await; // a job left running shows up
    let result = result.map_err(|panic| {
        let text = panic.downcast_ref::<&str>().map(|s| s.to_string());
        text.or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    });
    Run {
        result,
        returned,
        then,
        later: notes.read(),
    }
}

/// The end of a test job's panic message.
const JOB_PANIC: &str = " (on purpose: a test job)";

/// What `run_all` returned, or a message for the panic that went through it.
fn outcome(result: Result<Result<Vec<u64>, String>, String>) -> Result<Vec<u64>, String> {
    result.unwrap_or_else(|panic| match panic.strip_suffix(JOB_PANIC) {
        Some(job) => panic!(
            "run_all panicked, the panic of a job went through it ({job}): a job that panics \
             must come back as an Err. Run each job as a task: join_next hands its panic over \
             as a JoinError"
        ),
        None => panic!("run_all panicked: {panic}"),
    })
}

#[tokio::test(start_paused = true)]
async fn every_job_starts_at_once_on_a_task_of_its_own() {
    within(Duration::from_secs(60), "run_all", async {
        let specs = [
            ("a", 2, Saves(20)),
            ("b", 1, Saves(10)),
            ("c", 3, Saves(30)),
        ];
        let Run { result, then, .. } = run(&specs).await;
        outcome(result).ok();
        let mut tasks: Vec<(&str, Id)> = Vec::new();
        for (&(name, ..), note) in specs.iter().zip(&then) {
            let Some((at, task)) = note.started else {
                panic!("job {name} never started: run every job")
            };
            assert_eq!(
                at,
                Duration::ZERO,
                "job {name} started at {at:?}: spawn every job at once, before waiting for any"
            );
            let Some(task) = task.filter(|&id| Some(id) != tokio::task::try_id()) else {
                panic!(
                    "job {name} ran on run_all's own task, not on a task of its own: spawn each \
                     job on the JoinSet (futures awaited inside run_all, by join_all or \
                     try_join_all, are not tasks)"
                )
            };
            if let Some((other, _)) = tasks.iter().find(|&&(_, id)| id == task) {
                panic!(
                    "jobs {other} and {name} ran on the same task: spawn each job as a task of \
                     its own"
                );
            }
            tasks.push((name, task));
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_first_error_comes_back_when_it_happens() {
    within(Duration::from_secs(60), "run_all", async {
        for (specs, first, at) in [(B_FAILS, "b", 2), (D_FAILS, "d", 3)] {
            let Run {
                result, returned, ..
            } = run(&specs).await;
            assert_eq!(
                outcome(result),
                Err(format!("{first} failed")),
                "jobs {specs:?}: {first} is the first to fail, at {at} s: its error is what \
                 run_all returns (the first to fail in time, not in the list)"
            );
            assert_eq!(
                returned,
                Duration::from_secs(at),
                "jobs {specs:?}: run_all returned at {returned:?}; {first} failed at {at} s: \
                 return at the first error"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_others_are_cleaned_up_before_it_returns_and_do_nothing_after() {
    within(Duration::from_secs(60), "run_all", async {
        for specs in [B_FAILS, D_FAILS, P_PANICS] {
            let Run {
                result,
                returned,
                then,
                later,
            } = run(&specs).await;
            match result {
                Err(panic) if panic.ends_with(JOB_PANIC) => continue, // a_panic_is_an_error_too
                result => outcome(result).ok(),
            };
            for ((&(name, ..), then), later) in specs.iter().zip(&then).zip(&later) {
                if let (None, Some(at)) = (then.ended, later.ended) {
                    panic!(
                        "jobs {specs:?}: {name} ran on after run_all returned at {returned:?}, \
                         and ended at {at:?}: the first error must abort the other jobs (a \
                         JoinSet's shutdown), not leave them running"
                    );
                }
                let Some(cleaned) = later.cleaned else {
                    panic!(
                        "jobs {specs:?}: {name}'s clean-up never ran: it was neither finished \
                         nor aborted"
                    )
                };
                assert!(
                    then.cleaned.is_some(),
                    "jobs {specs:?}: {name}'s clean-up ran after run_all had returned at \
                     {returned:?} (at {cleaned:?}, but later): wait until the aborted tasks are \
                     gone before returning; shutdown().await aborts and waits, abort_all() or \
                     dropping the JoinSet does not wait"
                );
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_an_error_too() {
    within(Duration::from_secs(60), "run_all", async {
        let Run {
            result, returned, ..
        } = run(&P_PANICS).await;
        let result = outcome(result);
        assert!(
            result.is_err(),
            "jobs {P_PANICS:?}: p panicked at 2 s, yet run_all returned {result:?}: a panicked \
             task is an error (join_next gives Err(JoinError)), and the first error ends it all"
        );
        assert_eq!(
            returned,
            Duration::from_secs(2),
            "jobs {P_PANICS:?}: run_all returned at {returned:?}; p panicked at 2 s: return \
             at the first error, a panic included"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn with_no_error_every_value_comes_back_in_finishing_order() {
    within(Duration::from_secs(60), "run_all", async {
        let cases = [
            (
                [("a", 3, Saves(1)), ("b", 1, Saves(2)), ("c", 2, Saves(3))],
                [2, 3, 1],
                3,
            ),
            (
                [
                    ("x", 2, Saves(40)),
                    ("y", 4, Saves(10)),
                    ("z", 1, Saves(20)),
                ],
                [20, 40, 10],
                4,
            ),
        ];
        for (specs, values, slowest) in cases {
            let Run {
                result, returned, ..
            } = run(&specs).await;
            assert_eq!(
                outcome(result),
                Ok(values.to_vec()),
                "jobs {specs:?}: with no error, every value, in the order the jobs finished"
            );
            assert_eq!(
                returned,
                Duration::from_secs(slowest),
                "jobs {specs:?}: run_all returned at {returned:?}; the slowest job was done at \
                 {slowest} s"
            );
        }
    })
    .await;
}
