//! Part 02 — `async fn` and `block_on`: the Rust twins of a coroutine and
//! `loop.run_until_complete`.
//!
//! Shows: calling an `async fn` builds a future and runs none of its body (nothing prints); a
//! runtime's `block_on` drives it to the end: Start, one second's sleep, End.
//!
//! Run it: `make part_02` (or `cargo run -p part_02`).

use std::error::Error;
use std::time::Duration;

use tokio::runtime::{Builder, Runtime};
use workshop::Stopwatch;

const PAUSE: Duration = Duration::from_secs(1);

// A plain `fn main`, like the Python original: build the loop, then hand it a coroutine.
fn main() -> Result<(), Box<dyn Error>> {
    workshop::banner!();
    let runtime = Builder::new_current_thread().enable_all().build()?;

    println!("1. Calling an async fn");
    let log = creating_is_not_running(PAUSE);
    assert!(log.is_empty(), "the body must not have run: {log:?}");

    println!("\n2. block_on drives it");
    let (log, elapsed) = run_until_complete(&runtime, PAUSE);
    assert_eq!(log.len(), 2, "Start and End: {log:?}");
    assert!(elapsed >= PAUSE);
    Ok(())
}

/// The coroutine of the lesson. It writes its trace into `log` (and prints it), so a caller can
/// see afterwards which lines of the body ran.
async fn start_sleep_end(watch: Stopwatch, pause: Duration, log: &mut Vec<String>) {
    log.push(watch.say("Start"));
    tokio::time::sleep(pause).await;
    log.push(watch.say("End"));
}

/// Python: `coro = start_sleep_end()` creates a coroutine object and prints nothing. Rust is the
/// same: the call returns a future, a value describing the work, and runs none of the body.
/// Returns the trace the body wrote: nothing.
fn creating_is_not_running(pause: Duration) -> Vec<String> {
    let watch = Stopwatch::start();
    let mut log = Vec::new();
    // Bound to a name: a bare `start_sleep_end(..);` statement is refused by the compiler here
    // ("unused implementer of `Future` that must be used": this workspace turns that warning into
    // an error; see tests/ui/unused_future.rs).
    let future = start_sleep_end(watch, pause, &mut log);
    watch.say(format!(
        "called start_sleep_end(): got a future ({} bytes of state), nothing printed",
        size_of_val(&future)
    ));
    // Dropping it without polling: the body never runs. (In Python an un-awaited coroutine
    // warns "coroutine was never awaited" at garbage collection; Rust warns at compile time.)
    drop(future);
    watch.say(format!(
        "dropped it unpolled: its log holds {} line(s)",
        log.len()
    ));
    log
}

/// Python: `loop.run_until_complete(coro)`. `block_on` polls the future on this thread until it
/// completes, parking the thread while the future waits (here: on the timer). Returns the trace
/// and how long the runtime's clock says it took.
fn run_until_complete(runtime: &Runtime, pause: Duration) -> (Vec<String>, Duration) {
    let mut log = Vec::new();
    // The stopwatch reads the runtime's clock, so it is started inside: under a paused test
    // clock, the elapsed time is virtual and exact.
    let elapsed = runtime.block_on(async {
        let watch = Stopwatch::start();
        start_sleep_end(watch, pause, &mut log).await;
        watch.elapsed()
    });
    println!("block_on returned after {elapsed:.2?}");
    (log, elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    /// A current-thread runtime whose clock starts paused: sleeps advance virtual time at once.
    fn paused_runtime() -> Runtime {
        Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("a current-thread runtime builds")
    }

    #[test]
    fn creating_the_future_runs_none_of_its_body() {
        assert_eq!(creating_is_not_running(PAUSE), Vec::<String>::new());
    }

    #[test]
    fn block_on_runs_start_then_sleeps_then_end() {
        let (log, elapsed) = run_until_complete(&paused_runtime(), PAUSE);
        assert_eq!(log, ["[ 0.00s] Start", "[ 1.00s] End"]);
        assert_eq!(elapsed, PAUSE);
    }

    #[tokio::test(start_paused = true)]
    async fn the_body_runs_only_while_polled() {
        within(
            Duration::from_secs(5),
            "start_sleep_end polled by hand",
            async {
                let watch = Stopwatch::start();
                let mut log = Vec::new();
                // A test task that polls only when told to: the "runtime" is this test body.
                let mut future = tokio_test::task::spawn(start_sleep_end(watch, PAUSE, &mut log));
                // One poll runs the body up to the first `.await` that is not ready: "Start", then
                // the sleep answers "not yet" and the future returns Pending.
                assert!(future.poll().is_pending());
                // The timer fires at 1s and wakes the task, but waking is only a note to the
                // runtime: nothing runs until someone polls again.
                tokio::time::advance(Duration::from_secs(3)).await;
                assert!(future.is_woken());
                assert!(future.poll().is_ready());
                drop(future);
                // So "End" carries the time of the second poll, not the time the sleep ran out.
                assert_eq!(log, ["[ 0.00s] Start", "[ 3.00s] End"]);
            },
        )
        .await;
    }
}
