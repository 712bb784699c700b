//! The checks of `lazy_until_awaited`: `cargo exercise check lazy_until_awaited` runs them against
//! part_02/exercises/lazy_until_awaited.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use workshop::testing::within;

#[tokio::test(start_paused = true)]
async fn queue_logs_at_the_call_and_works_only_when_awaited() {
    within(Duration::from_secs(30), "queue(&trace, 7)", async {
        let trace = Trace::start();
        let job = queue(&trace, 7);
        assert_eq!(
            trace.messages(),
            ["queued 7"],
            "calling queue(&trace, 7) must log \"queued 7\" at once; an async fn's body waits \
             for the .await, so make queue a plain fn that logs, then returns an async block"
        );
        // Five seconds pass while nobody awaits the job: it must not run meanwhile.
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(
            !trace.messages().contains(&"ran 7".to_owned()),
            "job 7 ran before it was awaited: the work (sleep, then \"ran 7\") belongs in the \
             future queue returns, not in a task started at the call"
        );
        let value = job.await;
        assert_eq!(value, 7, "awaiting queue(&trace, 7) must give 7");
        let ran = trace
            .events_with_time()
            .into_iter()
            .find(|(_, message)| message == "ran 7")
            .map(|(at, _)| at);
        assert_eq!(
            ran,
            Some(Duration::from_secs(6)),
            "\"ran 7\" must come WORK (1s) after the .await that began at 5s"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn run_queues_both_then_runs_job_2_before_job_1() {
    within(Duration::from_secs(30), "run", async {
        let trace = Trace::start();
        run(&trace).await;
        let log = trace.messages();
        let at = |line: &str| log.iter().position(|m| m == line);
        for n in [1, 2] {
            assert!(
                at(&format!("ran {n}")).is_some(),
                "job {n} never ran: a future does nothing until it is awaited (Python: \
                 \"coroutine was never awaited\"). Log: {log:?}"
            );
        }
        assert!(
            at("ran 2") < at("ran 1"),
            "job 1 ran before job 2: futures run in the order they are awaited. Log: {log:?}"
        );
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
