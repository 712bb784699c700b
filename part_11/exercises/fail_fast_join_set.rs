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
    // TODO: spawn one `job(trace.clone(), name, secs, fails)` per entry on a JoinSet, then take
    // the results as they come (`join_next`). On the first error (or panic): stop the other
    // tasks, wait until they are gone, and return the error.
    todo!("run the jobs as tasks of a JoinSet, and fail fast")
}

#[tokio::main]
async fn main() {
    let jobs = [("a", 1, false), ("b", 2, true), ("c", 3, false)];
    let result = run_all(Trace::start(), &jobs).await;
    println!("run_all returned {result:?}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    /// b fails first, at 2 s; c would fail at 3 s; d would save at 4 s.
    const JOBS: [(&str, u64, bool); 4] = [
        ("a", 1, false),
        ("b", 2, true),
        ("c", 3, true),
        ("d", 4, false),
    ];

    /// What `run_all` returned and when; what the jobs said until then, and after.
    struct Run {
        result: Result<Vec<u64>, String>,
        returned: Duration,
        before: Vec<String>,
        after: Vec<String>,
    }

    async fn run(jobs: &[(&'static str, u64, bool)]) -> Run {
        let trace = Trace::start();
        let result = run_all(trace.clone(), jobs).await;
        let (returned, said) = (trace.watch().elapsed(), trace.messages().len());
        tokio::time::sleep(Duration::from_secs(10)).await; // a job left running shows up
        let mut before = trace.messages();
        let after = before.split_off(said);
        Run {
            result,
            returned,
            before,
            after,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_error_comes_back_when_it_happens() {
        within(Duration::from_secs(60), "run_all", async {
            let Run {
                result, returned, ..
            } = run(&JOBS).await;
            assert_eq!(
                result,
                Err("b failed".to_string()),
                "b is the first job to fail, at 2 s: its error is what run_all returns"
            );
            assert_eq!(
                returned,
                Duration::from_secs(2),
                "run_all returned at {returned:?}; b failed at 2 s: return at the first error"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_others_are_stopped_and_cleaned_up_before_it_returns() {
        within(Duration::from_secs(60), "run_all", async {
            let Run {
                returned,
                before,
                after,
                ..
            } = run(&JOBS).await;
            let ran_on: Vec<_> = after
                .iter()
                .filter(|m| !m.ends_with("cleaned up"))
                .collect();
            assert!(
                ran_on.is_empty(),
                "after run_all returned at {returned:?}: {ran_on:?}: abort the other tasks"
            );
            for name in ["a", "b", "c", "d"] {
                assert!(
                    before.contains(&format!("{name}: cleaned up")),
                    "{name}'s clean-up had not run when run_all returned at {returned:?}: abort \
                     the others and wait until they are gone (JoinSet::shutdown)"
                );
            }
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn with_no_error_every_value_comes_back() {
        within(Duration::from_secs(60), "run_all", async {
            let jobs = [("a", 3, false), ("b", 1, false), ("c", 2, false)];
            let Run {
                result,
                returned,
                before,
                ..
            } = run(&jobs).await;
            assert_eq!(
                result,
                Ok(vec![1, 2, 3]),
                "with no error, every value, in the order the jobs finished"
            );
            assert_eq!(returned, Duration::from_secs(3), "once the slowest is done");
            assert_eq!(before.iter().filter(|m| m.contains("saved")).count(), 3);
        })
        .await;
    }
}
