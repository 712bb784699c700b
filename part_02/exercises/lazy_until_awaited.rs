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

// The tests `cargo exercise check` runs: part_02/checks/lazy_until_awaited.rs.
#[cfg(test)]
#[path = "../checks/lazy_until_awaited.rs"]
mod checks;
