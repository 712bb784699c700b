//! The checks of `first_completed_early_exit`: `cargo exercise check first_completed_early_exit`
//! runs them against part_13/exercises/first_completed_early_exit.rs. Edit that file, not this one:
//! the runner counts these tests, and one changed, ignored or missing is not a pass (`r` in `make
//! exercise` puts them back).

use super::*;
use workshop::testing::within;

/// b answers first but is out of date; c is the first with version 3 or more, at 2 s.
const REPLICAS: [(&str, u64, u64); 4] = [("a", 3, 5), ("b", 1, 2), ("c", 2, 4), ("d", 4, 6)];

/// What `first_good` returned and when, and what the replicas said after it returned.
async fn run(good: fn(u64) -> bool) -> (Option<(&'static str, u64)>, Duration, Vec<String>) {
    let trace = Trace::start();
    let found = first_good(trace.clone(), &REPLICAS, good).await;
    let (returned, said) = (trace.watch().elapsed(), trace.messages().len());
    tokio::time::sleep(Duration::from_secs(10)).await; // a replica left running shows up
    (found, returned, trace.messages().split_off(said))
}

#[tokio::test(start_paused = true)]
async fn the_first_good_answer_comes_back_when_it_comes() {
    within(Duration::from_secs(60), "first_good", async {
        let (found, returned, _) = run(|version| version >= 3).await;
        assert_eq!(
            found,
            Some(("c", 4)),
            "c is the first to answer with version 3 or more, at 2 s (b answered before it, \
             with version 2; a comes first in the list, but answers at 3 s)"
        );
        assert_eq!(
            returned,
            Duration::from_secs(2),
            "first_good returned at {returned:?}; c's good answer came at 2 s: return as \
             soon as it comes, not once every replica has answered"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn no_other_replica_answers_after_it_returns() {
    within(Duration::from_secs(60), "first_good", async {
        let (_, returned, after) = run(|version| version >= 3).await;
        assert!(
            after.is_empty(),
            "after first_good returned at {returned:?}: {after:?}: stop the other replicas \
             (dropped futures are cancelled; spawned tasks must be aborted)"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn none_when_no_answer_is_good() {
    within(Duration::from_secs(60), "first_good", async {
        let (found, returned, _) = run(|version| version > 100).await;
        assert_eq!(found, None, "no replica has a version over 100");
        assert_eq!(
            returned,
            Duration::from_secs(4),
            "no answer was good: first_good must wait for every replica's answer (the \
             last at 4 s), and no longer"
        );
    })
    .await;
}
