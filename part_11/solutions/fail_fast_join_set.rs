//! Exercise (part 11): fail fast with a JoinSet, like a TaskGroup.
//!
//! `run_all` must run every job at once, as tasks of a `JoinSet`, and take their values as they
//! finish. The first job that fails ends it all: the other jobs are aborted, `run_all` waits until
//! they are gone (each job's clean-up, a `Drop` guard, has run), and returns that error. With no
//! error it returns every value, in the order the jobs finished. A task that panicked is an error
//! too.
//!
//! Follows part 11 (section 3: a JoinSet as a TaskGroup). Python mirrors it with
//! `async with asyncio.TaskGroup() as tg:` and one `tg.create_task(job(...))` per job: the first
//! exception cancels the siblings, waits for them (their `finally:` blocks run), and is raised.
//!
//! The tests check, on tokio's paused clock, that the error comes back when the first job fails,
//! that the other jobs do nothing more after that, that their clean-up ran before `run_all`
//! returned, and that with no error every value comes back.
//!
//! Check it: `cargo exercise check fail_fast_join_set` (or save the file while `make exercise`
//! runs).

use std::time::Duration;

use tokio::task::JoinSet;
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

/// Runs every `(name, secs, fails)` job as a task: every value in finishing order, or the first
/// error once the other tasks are gone.
async fn run_all(trace: Trace, jobs: &[(&'static str, u64, bool)]) -> Result<Vec<u64>, String> {
    let mut tasks = JoinSet::new();
    for &(name, secs, fails) in jobs {
        tasks.spawn(job(trace.clone(), name, secs, fails));
    }
    let mut values = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let error = match joined {
            Ok(Ok(value)) => {
                values.push(value);
                continue;
            }
            Ok(Err(failed)) => failed,
            Err(panicked) => panicked.to_string(),
        };
        // Abort the others, and wait until each is dropped: its clean-up has run.
        tasks.shutdown().await;
        return Err(error);
    }
    Ok(values)
}

#[tokio::main]
async fn main() {
    let jobs = [("a", 1, false), ("b", 2, true), ("c", 3, false)];
    let result = run_all(Trace::start(), &jobs).await;
    println!("run_all returned {result:?}");
}

// The tests `cargo exercise check` runs: part_11/checks/fail_fast_join_set.rs.
#[cfg(test)]
#[path = "../checks/fail_fast_join_set.rs"]
mod checks;
