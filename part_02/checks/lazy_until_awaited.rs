//! The checks of `lazy_until_awaited`: `cargo exercise check lazy_until_awaited` runs them against
//! part_02/exercises/lazy_until_awaited.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use workshop::testing::within;

const SECOND: Duration = Duration::from_secs(1);

/// The work `Jobs` noted, as ("job n starts", at) pairs.
fn notes(jobs: &Jobs) -> Vec<(String, Duration)> {
    jobs.notes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// `what` happened at `at`.
fn note(what: String, at: Duration) -> (String, Duration) {
    (what, at)
}

/// When job `n` started and ended its work, if `Jobs` noted it.
fn when(notes: &[(String, Duration)], n: u32, what: &str) -> Option<Duration> {
    let event = format!("job {n} {what}");
    notes.iter().find(|(e, _)| *e == event).map(|(_, at)| *at)
}

#[tokio::test(start_paused = true)]
async fn queue_logs_at_the_call_and_works_only_when_awaited() {
    within(Duration::from_secs(60), "queue(&jobs, n)", async {
        for (n, idle) in [(7, 5 * SECOND), (3, 2 * SECOND)] {
            let jobs = Jobs::default();
            let job = queue(&jobs, n);
            let log = jobs.trace.messages();
            assert_eq!(
                log,
                [format!("queued {n}")],
                "calling queue(&jobs, {n}) must log \"queued {n}\" at once; an async fn's body \
                 (its first line too) waits for the .await, so make queue a plain fn that logs, \
                 then returns an async block"
            );
            let worked = notes(&jobs);
            assert!(
                worked.is_empty(),
                "calling queue(&jobs, {n}) started job {n}'s work at the call ({worked:?}): the \
                 work belongs in the future queue returns, to start when it is awaited"
            );
            // Time passes while nobody awaits the job: its work must not start meanwhile.
            tokio::time::sleep(idle).await;
            let worked = notes(&jobs);
            assert!(
                worked.is_empty(),
                "job {n}'s work started while nobody awaited its future ({worked:?}): a future \
                 does nothing until it is awaited"
            );
            let value = job.await;
            assert_eq!(value, n, "awaiting queue(&jobs, {n}) must give {n}");
            let worked = notes(&jobs);
            assert_eq!(
                worked,
                [
                    note(format!("job {n} starts"), idle),
                    note(format!("job {n} ends"), idle + WORK)
                ],
                "job {n} was awaited at {idle:?}: its work (jobs.work({n})) must start then, \
                 once, and end WORK (1s) later. Jobs noted {worked:?}"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn run_queues_both_then_runs_job_2_before_job_1() {
    within(Duration::from_secs(60), "run", async {
        let jobs = Jobs::default();
        run(&jobs).await;
        let worked = notes(&jobs);
        for n in [2, 1] {
            assert!(
                when(&worked, n, "ends").is_some(),
                "job {n} never did its work: a future does nothing until it is awaited, and \
                 `let _ = future;` drops it unrun (Python: \"coroutine was never awaited\"). \
                 Jobs noted {worked:?}"
            );
        }
        let started = |n| when(&worked, n, "starts").unwrap_or_default();
        let ended = |n| when(&worked, n, "ends").unwrap_or_default();
        assert!(
            !(started(1) < ended(2) && started(2) < ended(1)),
            "jobs 1 and 2 worked at the same time (Jobs noted {worked:?}): join!/select! poll \
             both at once, as asyncio.gather does. Await job 2, then job 1: one after the other"
        );
        assert!(
            ended(2) <= started(1),
            "job 1 worked before job 2 (Jobs noted {worked:?}): futures run in the order they \
             are awaited, so await job 2 first"
        );
        assert_eq!(
            worked,
            [
                note("job 2 starts".into(), Duration::ZERO),
                note("job 2 ends".into(), WORK),
                note("job 1 starts".into(), WORK),
                note("job 1 ends".into(), 2 * WORK),
            ],
            "job 2 must work from 0s to 1s, then job 1 from 1s to 2s, each once"
        );
        let log = jobs.trace.messages();
        let at = |line: &str| log.iter().position(|m| m == line);
        assert!(
            at("queued 1") < at("main: queued both") && at("queued 2") < at("main: queued both"),
            "both jobs must be queued (logged) when queue() is called, before \"main: queued \
             both\"; an async fn logs only when awaited. Log: {log:?}"
        );
        assert_eq!(
            log,
            [
                "queued 1",
                "queued 2",
                "main: queued both",
                "ran 2",
                "ran 1"
            ],
            "the log must read: queued 1, queued 2, main: queued both, ran 2, ran 1"
        );
    })
    .await;
}
