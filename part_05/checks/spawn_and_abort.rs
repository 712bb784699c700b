//! The checks of `spawn_and_abort`: `cargo exercise check spawn_and_abort` runs them against
//! part_05/exercises/spawn_and_abort.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use workshop::testing::within;

const DEADLINE: Duration = Duration::from_millis(350);

/// Runs `run_for(DEADLINE)`, then watches a second more. Returns what run_for gave, when it
/// returned, when the worker ticked, and the log as printed.
async fn observe() -> (Result<(), JoinError>, Duration, Vec<Duration>, Vec<String>) {
    let trace = Trace::start();
    let outcome = run_for(&trace, DEADLINE).await;
    let returned = trace.watch().elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await; // a worker still running ticks on
    let ticks = trace
        .events_with_time()
        .into_iter()
        .filter_map(|(at, line)| line.starts_with("tick").then_some(at))
        .collect();
    (outcome, returned, ticks, trace.lines())
}

#[tokio::test(start_paused = true)]
async fn the_worker_ticks_until_the_deadline_and_never_after() {
    within(Duration::from_secs(10), "run_for", async {
        let (_, returned, ticks, log) = observe().await;
        if let Some(late) = ticks.iter().find(|at| **at > DEADLINE) {
            panic!(
                "the worker still ticked at {late:?}, after the deadline ({DEADLINE:?}): it \
                 was never stopped. Dropping a JoinHandle (or a timeout around it) detaches \
                 the task, it does not cancel it: JoinHandle::abort does. Log: {log:?}"
            );
        }
        assert_eq!(
            ticks.len(),
            3,
            "the worker must tick at 0.1s, 0.2s and 0.3s, then stop at 0.35s. Log: {log:?}"
        );
        assert_eq!(returned, DEADLINE, "run_for must return at the deadline");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_join_handle_reports_a_cancellation() {
    within(Duration::from_secs(10), "run_for", async {
        let (outcome, ..) = observe().await;
        assert!(
            outcome.as_ref().is_err_and(JoinError::is_cancelled),
            "run_for returned {outcome:?}: awaiting the JoinHandle of an aborted task gives a \
             JoinError whose is_cancelled() is true; return that"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_worker_cleans_up_once_when_its_task_is_aborted() {
    within(Duration::from_secs(10), "worker", async {
        let trace = Trace::start();
        let task = tokio::spawn(worker(trace.clone()));
        tokio::time::sleep(DEADLINE).await;
        task.abort();
        let _ = task.await;
        let cleanups: Vec<Duration> = trace
            .events_with_time()
            .into_iter()
            .filter_map(|(at, line)| (line == "cleaned up").then_some(at))
            .collect();
        let why = match cleanups[..] {
            [at] if at == DEADLINE => return,
            [] => {
                "was never logged: the worker must hold a Cleanup while it runs (aborting \
                 its task drops the worker's future, and the Cleanup in it)"
            }
            [at] if at.is_zero() => {
                "was logged at the start: `let _ = Cleanup(..)` drops the guard at once; \
                 bind it to a name that lives as long as the worker (`let _cleanup = …`)"
            }
            _ => "must be logged once, when the task is aborted",
        };
        panic!("\"cleaned up\" {why}. Log: {:?}", trace.lines());
    })
    .await;
}
