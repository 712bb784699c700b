//! Exercise (part 11): gather under one deadline.
//!
//! `gather_with_deadline` must run every job at once under one deadline, `limit` from now. At the
//! deadline, the jobs still running are cancelled, really stopped: they never save anything. It
//! returns the `(name, value)` of each job that finished in time, in the order they finished, and
//! the names of the cancelled ones, in input order. If every job is done before the deadline, it
//! returns then, without waiting for the deadline.
//!
//! Follows part 11 (section 4: one deadline for a whole gather). Python mirrors it with
//! `done, pending = await asyncio.wait(tasks, timeout=limit)` and `task.cancel()` for each pending
//! task; `async with asyncio.timeout(limit):` around a `gather` would keep nothing.
//!
//! The tests give it jobs of their own, which note on tokio's paused clock when they start, when
//! they save (their values have nothing to do with their lengths) and when they are dropped. With
//! several deadlines, they check the values kept, in finishing order, and the names cancelled;
//! that every job starts at once and the gather returns at the deadline, not before nor after;
//! that a cancelled job never saves and is dropped; and that it returns as soon as all are done.
//!
//! Check it: `cargo exercise check gather_with_deadline` (or save the file while `make exercise`
//! runs).

use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{Instant, timeout_at};
use workshop::Trace;

/// What a gather kept by its deadline.
#[derive(Debug, PartialEq, Eq)]
struct Gathered {
    /// The jobs that finished in time, in the order they finished.
    finished: Vec<(&'static str, u64)>,
    /// The jobs cancelled at the deadline, in input order.
    cancelled: Vec<&'static str>,
}

/// Works `secs` seconds, then saves its value (its side effect) and returns it.
async fn job(trace: Trace, name: &'static str, secs: u64) -> u64 {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    trace.say(format!("{name}: saved {secs}"));
    secs
}

/// Runs every `(name, job)` at once; cancels those still running `limit` from now.
async fn gather_with_deadline<F>(jobs: Vec<(&'static str, F)>, limit: Duration) -> Gathered
where
    F: Future<Output = u64> + Send + 'static,
{
    let deadline = Instant::now() + limit;
    let names: Vec<&'static str> = jobs.iter().map(|&(name, _)| name).collect();
    let mut tasks = JoinSet::new();
    for (name, job) in jobs {
        tasks.spawn(async move { (name, job.await) });
    }
    let mut finished = Vec::new();
    // join_next is cancel safe: a timeout around it loses no result.
    while let Ok(Some(joined)) = timeout_at(deadline, tasks.join_next()).await {
        finished.extend(joined.ok());
    }
    tasks.shutdown().await; // the deadline: abort what is left, and wait until it is gone
    let cancelled = names
        .into_iter()
        .filter(|name| !finished.iter().any(|(done, _)| done == name))
        .collect();
    Gathered {
        finished,
        cancelled,
    }
}

#[tokio::main]
async fn main() {
    let trace = Trace::start();
    let jobs = vec![
        ("a", job(trace.clone(), "a", 1)),
        ("b", job(trace.clone(), "b", 3)),
        ("c", job(trace.clone(), "c", 2)),
    ];
    let gathered = gather_with_deadline(jobs, Duration::from_millis(2500)).await;
    println!("{gathered:?}");
}

// The tests `cargo exercise check` runs: part_11/checks/gather_with_deadline.rs.
#[cfg(test)]
#[path = "../checks/gather_with_deadline.rs"]
mod checks;
