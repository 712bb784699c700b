//! Exercise (part 02): lazy until awaited.
//!
//! Calling an `async fn` runs none of its body: it returns a future, and the body runs when that
//! future is awaited, in the order you await. Python's coroutines are the same: calling `work(1)`
//! runs nothing, and one dropped unawaited only warns "coroutine 'work' was never awaited". Two
//! things to make true (lesson: part 02, "async fn and block_on"):
//!
//! 1. `queue(trace, n)` logs "queued n" at the moment it is called, and returns a future that,
//!    when awaited, works for a second and logs "ran n". As shipped it is an `async fn`, so even
//!    "queued n" waits for the `.await`. Split it: a plain `fn` that does the eager part, then
//!    returns an `async move` block with the rest.
//! 2. `run` queues jobs 1 and 2, says "main: queued both", then runs job 2, then job 1.
//!
//! The Python it mirrors: a `def queue(n)` (not `async def`) that logs at once and returns the
//! coroutine `work(n)`; then `one, two = queue(1), queue(2)`, `await two`, `await one`.
//!
//! The tests check the log reads "queued 1", "queued 2", "main: queued both", "ran 2", "ran 1";
//! that "queued n" comes at the call and "ran n" a second after the `.await`, never before.
//!
//! Check it: `cargo exercise check lazy_until_awaited` (or save the file while `make exercise`
//! runs).

use std::time::Duration;

use workshop::Trace;

/// How long a job works once it is awaited.
const WORK: Duration = Duration::from_secs(1);

/// Logs "queued {n}" now; the future it returns works for `WORK`, logs "ran {n}" and gives `n`.
// TODO: as an `async fn`, even "queued {n}" waits for the `.await`. Make it a plain `fn` that logs
// at once, then returns the rest as an `async move { … }` block: `-> impl Future<Output = u32>`.
async fn queue(trace: &Trace, n: u32) -> u32 {
    trace.say(format!("queued {n}"));
    tokio::time::sleep(WORK).await;
    trace.say(format!("ran {n}"));
    n
}

/// Queues jobs 1 and 2, says so, then runs job 2 and then job 1.
async fn run(trace: &Trace) {
    let one = queue(trace, 1);
    let two = queue(trace, 2);
    trace.say("main: queued both");
    // TODO: job 2 must run, and before job 1.
    one.await;
    let _ = two;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let trace = Trace::start();
    run(&trace).await;
    println!("the log: {:?}", trace.messages());
}

#[cfg(test)]
mod tests {
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
                at("queued 1") < at("main: queued both")
                    && at("queued 2") < at("main: queued both"),
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
}
