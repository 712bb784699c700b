//! Exercise (part 13): the first good answer, then stop.
//!
//! `first_good` must ask every replica at once and return the first answer that `good` accepts,
//! with the name of the replica that gave it, as soon as it comes in: not the first answer, not
//! the first replica in the list. Then the other replicas are stopped: none of them answers after
//! `first_good` has returned. If no answer is good, it returns `None` once all have answered.
//!
//! Follows part 13 (`FuturesUnordered`, or `JoinSet::join_next`: results in completion order).
//! Python mirrors it with `for fut in asyncio.as_completed(aws):`, `r = await fut`, and a `break`
//! once `r` is good, then `task.cancel()` for the rest (`as_completed` leaves them running).
//!
//! The tests check, on tokio's paused clock, the answer and when it came back (at the good
//! answer's time, not after the slowest replica), that no other replica answers after that, and
//! `None` when nothing is good.
//!
//! Check it: `cargo exercise check first_completed_early_exit` (or save the file while
//! `make exercise` runs).

use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use workshop::Trace;

/// Asks one replica: after `secs` seconds it answers its `version`, and says so (its side effect).
async fn ask(trace: Trace, name: &'static str, secs: u64, version: u64) -> (&'static str, u64) {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    trace.say(format!("{name}: answered {version}"));
    (name, version)
}

/// Asks every `(name, secs, version)` replica at once: the first answer that is `good`, by time.
async fn first_good(
    trace: Trace,
    replicas: &[(&'static str, u64, u64)],
    good: impl Fn(u64) -> bool,
) -> Option<(&'static str, u64)> {
    let mut pending: FuturesUnordered<_> = replicas
        .iter()
        .map(|&(name, secs, version)| ask(trace.clone(), name, secs, version))
        .collect();
    while let Some((name, version)) = pending.next().await {
        if good(version) {
            return Some((name, version)); // the others are dropped with `pending`: cancelled
        }
    }
    None
}

#[tokio::main]
async fn main() {
    let replicas = [("a", 3, 5), ("b", 1, 2), ("c", 2, 4)];
    let found = first_good(Trace::start(), &replicas, |version| version >= 3).await;
    println!("first up-to-date replica: {found:?}");
}

#[cfg(test)]
mod tests {
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
}
