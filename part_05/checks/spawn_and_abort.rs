//! The checks of `spawn_and_abort`: `cargo exercise check spawn_and_abort` runs them against
//! part_05/exercises/spawn_and_abort.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use futures::poll;
use std::pin::pin;
use tokio::time::sleep;
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(60);

/// Two deadlines, so that no count of ticks can be hard-coded: 3 ticks before 0.35 s, 5 before
/// 0.52 s.
const DEADLINES: [Duration; 2] = [Duration::from_millis(350), Duration::from_millis(520)];

/// When each line that `wanted` picks was logged.
fn times_of(trace: &Trace, wanted: impl Fn(&str) -> bool) -> Vec<Duration> {
    trace
        .events_with_time()
        .into_iter()
        .filter_map(|(at, line)| wanted(&line).then_some(at))
        .collect()
}

fn ticks(trace: &Trace) -> Vec<Duration> {
    times_of(trace, |line| line.starts_with("tick"))
}

fn cleanups(trace: &Trace) -> Vec<Duration> {
    times_of(trace, |line| line == "cleaned up")
}

/// What is wrong with the times "cleaned up" was logged, for a worker aborted at `deadline`.
fn cleanup_problem(cleanups: &[Duration], deadline: Duration) -> Option<&'static str> {
    match cleanups {
        [at] if *at == deadline => None,
        [] => Some(
            "was never logged: the worker must hold a Cleanup while it runs (aborting its task \
             drops the worker's future, and the Cleanup in it). Code after the loop is no \
             `finally:`: an aborted task runs no more of its code, only the Drop of what it \
             holds",
        ),
        [at] if at.is_zero() => Some(
            "was logged at the start: `let _ = Cleanup(..)` drops the guard at once; bind it to \
             a name that lives as long as the worker (`let _cleanup = …`)",
        ),
        _ => Some("must be logged once, when the task is aborted"),
    }
}

/// How many ticks a worker started at 0 logs up to `until` (one every `TICK`).
fn ticks_by(until: Duration) -> usize {
    (until.as_millis() / TICK.as_millis()) as usize
}

/// What `run_for(deadline)` gave and did, watched for a second after it returned.
struct Observed {
    outcome: Result<(), JoinError>,
    returned: Duration,
    ticks: Vec<Duration>,
    cleanups: Vec<Duration>,
    log: Vec<String>,
}

/// Awaits `run`, a started `run_for(deadline)`, saying in words what is wrong if it hangs.
async fn finish(
    run: impl Future<Output = Result<(), JoinError>>,
    deadline: Duration,
    trace: &Trace,
) -> Result<(), JoinError> {
    let patience = deadline * 10;
    let Ok(outcome) = tokio::time::timeout(patience, run).await else {
        panic!(
            "run_for({deadline:?}) had not returned {patience:?} later: awaiting the JoinHandle \
             of a task that was not aborted waits for the task to end, and the worker never \
             ends. A timeout around the JoinHandle stops the waiting, not the task: call \
             abort() on the handle, then await it. Log: {:?}",
            trace.lines()
        )
    };
    outcome
}

async fn observe(deadline: Duration) -> Observed {
    let trace = Trace::start();
    let outcome = finish(run_for(&trace, deadline), deadline, &trace).await;
    let returned = trace.watch().elapsed();
    sleep(Duration::from_secs(1)).await; // a worker still running ticks on
    Observed {
        outcome,
        returned,
        ticks: ticks(&trace),
        cleanups: cleanups(&trace),
        log: trace.lines(),
    }
}

#[tokio::test(start_paused = true)]
async fn the_worker_runs_as_a_task_of_its_own() {
    within(LIMIT, "run_for", async {
        for (deadline, elsewhere) in DEADLINES.into_iter().zip([250, 430]) {
            let elsewhere = Duration::from_millis(elsewhere);
            let trace = Trace::start();
            let mut run = pin!(run_for(&trace, deadline));
            // run_for starts: it spawns the worker, then waits for the deadline...
            assert!(
                poll!(&mut run).is_pending(),
                "run_for({deadline:?}) returned at once; it must wait until the deadline"
            );
            // ...while the test does something else, without polling run_for.
            sleep(elsewhere).await;
            let ticked = ticks(&trace).len();
            let expected = ticks_by(elsewhere);
            assert_eq!(
                ticked,
                expected,
                "run_for({deadline:?}) was started, then not polled for {elsewhere:?}, and in \
                 that time the worker ticked {ticked} times; on a task of its own it ticks \
                 {expected} times, whether or not anyone polls run_for. It ran inside run_for's \
                 own future instead (select!, join!, a timeout around worker(), or awaiting \
                 it), which runs only while run_for is polled: tokio::spawn hands the worker to \
                 the runtime, like asyncio.create_task. Log: {:?}",
                trace.lines()
            );
            let _ = finish(run, deadline, &trace).await;
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_worker_ticks_until_the_deadline_and_never_after() {
    within(LIMIT, "run_for", async {
        for deadline in DEADLINES {
            let seen = observe(deadline).await;
            let log = &seen.log;
            if let Some(late) = seen.ticks.iter().find(|at| **at > deadline) {
                panic!(
                    "the worker still ticked at {late:?}, after the deadline ({deadline:?}): \
                     it was never stopped. Dropping a JoinHandle (or a timeout around it) \
                     detaches the task, it does not cancel it: JoinHandle::abort does. Log: \
                     {log:?}"
                );
            }
            let expected = ticks_by(deadline);
            assert_eq!(
                seen.ticks.len(),
                expected,
                "with a deadline of {deadline:?} the worker must tick {expected} times, one \
                 every {TICK:?} from the start, then be stopped. Log: {log:?}"
            );
            assert_eq!(
                seen.returned, deadline,
                "run_for({deadline:?}) returned at {:?}: it must return at the deadline",
                seen.returned
            );
            if let Some(why) = cleanup_problem(&seen.cleanups, deadline) {
                panic!(
                    "run_for({deadline:?}) stopped the worker at the deadline; \"cleaned up\" \
                     {why}. Log: {log:?}"
                );
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_join_handle_reports_a_cancellation() {
    within(LIMIT, "run_for", async {
        for deadline in DEADLINES {
            let outcome = observe(deadline).await.outcome;
            assert!(
                outcome.as_ref().is_err_and(JoinError::is_cancelled),
                "run_for returned {outcome:?}: awaiting the JoinHandle of an aborted task gives \
                 a JoinError whose is_cancelled() is true; return that"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_worker_cleans_up_once_when_its_task_is_aborted() {
    within(LIMIT, "worker", async {
        for deadline in DEADLINES {
            let trace = Trace::start();
            let task = tokio::spawn(worker(trace.clone()));
            sleep(deadline).await;
            task.abort();
            let _ = task.await;
            let Some(why) = cleanup_problem(&cleanups(&trace), deadline) else {
                continue;
            };
            panic!(
                "the worker's task was aborted at {deadline:?}; \"cleaned up\" {why}. Log: {:?}",
                trace.lines()
            );
        }
    })
    .await;
}
