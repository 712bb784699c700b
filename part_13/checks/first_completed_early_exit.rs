//! The checks of `first_completed_early_exit`: `cargo exercise check first_completed_early_exit`
//! runs them against part_13/exercises/first_completed_early_exit.rs. Edit that file, not this one:
//! the runner counts these tests, and one changed, ignored or missing is not a pass (`r` in `make
//! exercise` puts them back).

use super::*;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;
use workshop::testing::within;

/// A test replica: its name, how many seconds it works before it answers, its version.
type Spec = (&'static str, u64, u64);

/// One question: the replicas, what a good version is (in words, and as a test), and the first
/// good answer by time, with the second it comes at.
struct Case {
    replicas: &'static [Spec],
    good: (&'static str, fn(u64) -> bool),
    first: (&'static str, u64),
    at: u64,
}

const CASES: [Case; 3] = [
    // b answers first but is out of date; a comes first in the list but answers at 3 s.
    Case {
        replicas: &[("a", 3, 5), ("b", 1, 2), ("c", 2, 4), ("d", 4, 6)],
        good: ("3 or more", |version| version >= 3),
        first: ("c", 4),
        at: 2,
    },
    // g answers first, with an odd version; e is the first even one.
    Case {
        replicas: &[("e", 2, 8), ("f", 3, 4), ("g", 1, 7), ("h", 4, 2)],
        good: ("even", |version| version % 2 == 0),
        first: ("e", 8),
        at: 2,
    },
    // n has a good version too, but answers after p, the last in the list.
    Case {
        replicas: &[("m", 1, 1), ("n", 5, 10), ("o", 2, 2), ("p", 3, 12)],
        good: ("10 or more", |version| version >= 10),
        first: ("p", 12),
        at: 3,
    },
];

/// What a test replica noted itself: when it was first asked, how many steps of work it did,
/// when it answered, when it was dropped.
#[derive(Debug, Clone, Default)]
struct Note {
    started: Option<Duration>,
    steps: u32,
    answered: Option<Duration>,
    dropped: Option<Duration>,
}

/// The notes of one question's replicas, one per replica, on the question's own clock.
#[derive(Clone)]
struct Notes {
    start: Instant,
    replicas: Arc<Mutex<Vec<Note>>>,
}

impl Notes {
    fn note(&self, replica: usize, what: impl FnOnce(&mut Note, Duration)) {
        let at = self.start.elapsed();
        let mut replicas = self.replicas.lock().unwrap_or_else(PoisonError::into_inner);
        what(&mut replicas[replica], at);
    }

    fn read(&self) -> Vec<Note> {
        let replicas = self.replicas.lock().unwrap_or_else(PoisonError::into_inner);
        replicas.clone()
    }
}

/// Notes when the test replica is dropped, done or not.
struct Guard(Notes, usize);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.note(self.1, |note, at| note.dropped = Some(at));
    }
}

/// How long one step of a replica's work takes.
const STEP: Duration = Duration::from_millis(100);

async fn test_replica(notes: Notes, replica: usize, secs: u64, version: u64) -> u64 {
    let _guard = Guard(notes.clone(), replica);
    notes.note(replica, |note, at| note.started = Some(at));
    for _ in 0..secs * 10 {
        tokio::time::sleep(STEP).await;
        notes.note(replica, |note, _| note.steps += 1);
    }
    notes.note(replica, |note, at| note.answered = Some(at));
    version
}

/// What `first_good` returned and when; the replicas' notes then, and 10 s later.
struct Run {
    found: Option<(&'static str, u64)>,
    returned: Duration,
    then: Vec<Note>,
    later: Vec<Note>,
}

async fn run(specs: &[Spec], good: fn(u64) -> bool) -> Run {
    let notes = Notes {
        start: Instant::now(),
        replicas: Arc::new(Mutex::new(vec![Note::default(); specs.len()])),
    };
    let replicas = (0..)
        .zip(specs)
        .map(|(i, &(name, secs, version))| (name, test_replica(notes.clone(), i, secs, version)))
        .collect();
    let found = first_good(replicas, good).await;
    let (returned, then) = (notes.start.elapsed(), notes.read());
    tokio::time::sleep(Duration::from_secs(10)).await; // a replica left running shows up
    Run {
        found,
        returned,
        then,
        later: notes.read(),
    }
}

#[tokio::test(start_paused = true)]
async fn the_first_good_answer_comes_back_when_it_comes() {
    within(Duration::from_secs(120), "first_good", async {
        for case in CASES {
            let (replicas, (good, test), (name, _)) = (case.replicas, case.good, case.first);
            let Run {
                found, returned, ..
            } = run(replicas, test).await;
            assert_eq!(
                found,
                Some(case.first),
                "replicas {replicas:?} (name, seconds, version), a good version is {good}: \
                 {name} is the first to answer with one, at {} s. The first good answer by \
                 time: not the first answer, nor the first good replica in the list",
                case.at
            );
            assert_eq!(
                returned,
                Duration::from_secs(case.at),
                "replicas {replicas:?} (name, seconds, version), a good version is {good}: \
                 first_good returned at {returned:?}; {name}'s good answer came at {} s: \
                 return as soon as it comes, not once every replica has answered",
                case.at
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn every_replica_is_asked_at_once() {
    within(Duration::from_secs(120), "first_good", async {
        for case in CASES {
            let replicas = case.replicas;
            let Run { then, .. } = run(replicas, case.good.1).await;
            for (&(name, ..), note) in replicas.iter().zip(&then) {
                if note.started != Some(Duration::ZERO) {
                    panic!(
                        "replicas {replicas:?} (name, seconds, version): {name} was asked at \
                         {:?}: ask every replica at once, and take the answers as they come",
                        note.started
                    );
                }
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_other_replicas_stop_when_it_returns() {
    within(Duration::from_secs(120), "first_good", async {
        for case in CASES {
            let replicas = case.replicas;
            let Run {
                returned,
                then,
                later,
                ..
            } = run(replicas, case.good.1).await;
            for ((&(name, ..), then), later) in replicas.iter().zip(&then).zip(&later) {
                let more = later.steps - then.steps;
                assert_eq!(
                    more, 0,
                    "replicas {replicas:?} (name, seconds, version): {name} did {more} more \
                     steps of work after first_good returned at {returned:?}: stop the other \
                     replicas (a dropped future is cancelled; a spawned task must be aborted)"
                );
                assert!(
                    later.answered.is_some() || later.dropped.is_some(),
                    "replicas {replicas:?} (name, seconds, version): {name} never answered and \
                     was never dropped: stop it, do not keep it waiting"
                );
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn none_when_no_answer_is_good() {
    within(Duration::from_secs(120), "first_good", async {
        for case in CASES {
            let replicas = case.replicas;
            let last = replicas.iter().map(|&(_, secs, _)| secs).max().unwrap_or(0);
            let Run {
                found, returned, ..
            } = run(replicas, |version| version > 100).await;
            assert_eq!(
                found, None,
                "replicas {replicas:?} (name, seconds, version): no version is over 100"
            );
            assert_eq!(
                returned,
                Duration::from_secs(last),
                "replicas {replicas:?} (name, seconds, version): no answer was over 100, \
                 yet first_good returned at {returned:?}: wait for every replica's answer (the \
                 last at {last} s), and no longer"
            );
        }
    })
    .await;
}
