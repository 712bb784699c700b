//! Exercise (part 11): fail fast with a JoinSet, like a TaskGroup.
//!
//! `run_all` must run every job at once, each as a task of a `JoinSet`, and take their values as
//! they finish. The first job that fails ends it all: the other jobs are aborted, `run_all` waits
//! until they are gone (each job's clean-up, a `Drop` guard, has run), and returns that error. A
//! job that panics has failed too: its panic comes back as an error, it does not crash `run_all`.
//! With no error, `run_all` returns every value, in the order the jobs finished.
//!
//! Follows part 11 (section 3: a JoinSet as a TaskGroup). Python mirrors it with
//! `async with asyncio.TaskGroup() as tg:` and one `tg.create_task(job)` per job: the first
//! exception cancels the siblings, waits for them (their `finally:` blocks run), and is raised.
//!
//! The tests give `run_all` jobs of their own, which note on tokio's paused clock when they start
//! and on which task, when they end, and when their clean-up runs. They check that every job
//! starts at once on a task of its own; that the first error (or panic) comes back when it
//! happens; that by then every other job has been cleaned up, and none does anything after; and
//! that with no error every value comes back, in finishing order.
//!
//! Check it: `cargo exercise check fail_fast_join_set` (or save the file while `make exercise`
//! runs).

use std::time::Duration;

use workshop::Trace;

/// A job's clean-up: runs when the job is dropped, whether it ended or was aborted midway.
struct CleanUp(Trace, &'static str);

impl Drop for CleanUp {
    fn drop(&mut self) {
        self.0.say(format!("{}: cleaned up", self.1));
    }
}

/// Works `secs` seconds, then fails, or saves its value (its side effect) and returns it.
async fn job(trace: Trace, name: &'static str, secs: u64, fails: bool) -> Result<u64, String> {
    let _clean_up = CleanUp(trace.clone(), name);
    tokio::time::sleep(Duration::from_secs(secs)).await;
    if fails {
        trace.say(format!("{name}: failed"));
        return Err(format!("{name} failed"));
    }
    trace.say(format!("{name}: saved {secs}"));
    Ok(secs)
}

/// Runs every job as a task: every value in finishing order, or the first error once the other
/// tasks are gone.
async fn run_all<F>(jobs: Vec<F>) -> Result<Vec<u64>, String>
where
    F: Future<Output = Result<u64, String>> + Send + 'static,
{
    // TODO: spawn every job on a JoinSet, then take the results as they come (`join_next`). On
    // the first error (or panic): stop the other tasks, wait until they are gone, and return the
    // error.
    todo!("run the jobs as tasks of a JoinSet, and fail fast")
}

#[tokio::main]
async fn main() {
    let trace = Trace::start();
    let jobs = vec![
        job(trace.clone(), "a", 1, false),
        job(trace.clone(), "b", 2, true),
        job(trace.clone(), "c", 3, false),
    ];
    let result = run_all(jobs).await;
    println!("run_all returned {result:?}");
}

// The tests `cargo exercise check` runs: part_11/checks/fail_fast_join_set.rs.
#[cfg(test)]
#[path = "../checks/fail_fast_join_set.rs"]
mod checks;
