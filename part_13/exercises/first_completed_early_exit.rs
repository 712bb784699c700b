//! Exercise (part 13): the first good answer, then stop.
//!
//! `first_good` must ask every replica at once and return the first answer that `good` accepts,
//! with the name of the replica that gave it, as soon as it comes in: not the first answer, not
//! the first replica in the list. Then the other replicas are stopped: none of them does any more
//! work after `first_good` has returned. If no answer is good, it returns `None` once all have
//! answered.
//!
//! Follows part 13 (`FuturesUnordered`, or `JoinSet::join_next`: results in completion order).
//! Python mirrors it with `for fut in asyncio.as_completed(aws):`, `r = await fut`, and a `break`
//! once `r` is good, then `task.cancel()` for the rest (`as_completed` leaves them running).
//!
//! The tests give it replicas of their own, which count on tokio's paused clock the work they do
//! (a step every 100 ms), and note when they start, answer and are dropped. With several sets of
//! replicas, they check the answer and when it came back (at the good answer's time, not after
//! the slowest replica); that every replica was asked at once; that none does any work after
//! `first_good` has returned; and `None` when nothing is good.
//!
//! Check it: `cargo exercise check first_completed_early_exit` (or save the file while
//! `make exercise` runs).

use std::time::Duration;

use workshop::Trace;

/// Asks one replica: after `secs` seconds it answers its `version`, and says so (its side effect).
async fn ask(trace: Trace, name: &'static str, secs: u64, version: u64) -> u64 {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    trace.say(format!("{name}: answered {version}"));
    version
}

/// Asks every `(name, answer)` replica at once: the first answer that is `good`, by time.
async fn first_good<F>(
    replicas: Vec<(&'static str, F)>,
    good: impl Fn(u64) -> bool,
) -> Option<(&'static str, u64)>
where
    F: Future<Output = u64> + Send + 'static,
{
    // TODO: ask every replica at once, take the answers in the order they come, and return the
    // first good one; the replicas that have not answered by then must stop.
    todo!("the first good answer, in completion order")
}

#[tokio::main]
async fn main() {
    let trace = Trace::start();
    let replicas = vec![
        ("a", ask(trace.clone(), "a", 3, 5)),
        ("b", ask(trace.clone(), "b", 1, 2)),
        ("c", ask(trace.clone(), "c", 2, 4)),
    ];
    let found = first_good(replicas, |version| version >= 3).await;
    println!("first up-to-date replica: {found:?}");
}

// The tests `cargo exercise check` runs: part_13/checks/first_completed_early_exit.rs.
#[cfg(test)]
#[path = "../checks/first_completed_early_exit.rs"]
mod checks;
