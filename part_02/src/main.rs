//! Part 02 — `async fn` and `block_on`: the Rust twins of a coroutine and
//! `loop.run_until_complete`.
//!
//! Shows: calling an `async fn` builds a future and runs none of its body (nothing prints); a
//! runtime's `block_on` drives it to the end: Start, one second's sleep, End. The `Runtime` is
//! the loop object: while in `block_on`, the calling thread runs the runtime's tasks too, but the
//! future given to `block_on` is polled as it is, not wrapped in a task.
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
    let ran = run_until_complete(&runtime, PAUSE);
    assert_eq!(ran.log.len(), 2, "Start and End: {:?}", ran.log);
    assert!(ran.elapsed >= PAUSE);
    assert!(!ran.main_is_a_task && ran.spawned_is_a_task && ran.spawned_ran_on_this_thread);
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

/// What [`run_until_complete`] observed.
#[derive(Debug)]
struct Ran {
    log: Vec<String>,
    elapsed: Duration,
    /// Whether the future given to `block_on` ran as a task (`tokio::task::try_id()` is `Some`).
    main_is_a_task: bool,
    /// The same, for a task spawned from inside it.
    spawned_is_a_task: bool,
    /// Whether that task ran on the thread that called `block_on`.
    spawned_ran_on_this_thread: bool,
}

/// Python: `loop.run_until_complete(coro)`. The `Runtime` is the loop object, and a current-thread
/// runtime's `block_on` drives the whole loop on the calling thread until the future completes:
/// the future, the tasks spawned on the runtime, the timers; the thread sleeps in the OS while
/// nothing is ready. One difference: `run_until_complete` wraps the coroutine in a Task, and
/// `block_on` polls the future itself, so inside it `tokio::task::try_id()` is `None`.
/// Returns the trace, how long the runtime's clock says it took, and what the two futures saw.
fn run_until_complete(runtime: &Runtime, pause: Duration) -> Ran {
    let mut log = Vec::new();
    let caller = std::thread::current().id();
    // The stopwatch reads the runtime's clock, so it is started inside: under a paused test
    // clock, the elapsed time is virtual and exact.
    let (elapsed, main_is_a_task, (spawned_is_a_task, spawned_on)) = runtime.block_on(async {
        let watch = Stopwatch::start();
        start_sleep_end(watch, pause, &mut log).await;
        let spawned = tokio::spawn(async move {
            let seen = (tokio::task::try_id().is_some(), std::thread::current().id());
            watch.say(format!("a spawned task: is a task = {}", seen.0));
            seen
        });
        let seen = spawned.await.expect("the spawned task does not panic");
        let main_is_a_task = tokio::task::try_id().is_some();
        watch.say(format!(
            "the future in block_on: is a task = {main_is_a_task}"
        ));
        (watch.elapsed(), main_is_a_task, seen)
    });
    let spawned_ran_on_this_thread = spawned_on == caller;
    println!(
        "block_on returned after {elapsed:.2?}; the task ran on this thread: {spawned_ran_on_this_thread}"
    );
    Ran {
        log,
        elapsed,
        main_is_a_task,
        spawned_is_a_task,
        spawned_ran_on_this_thread,
    }
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

    /// `let _ = …` compiles although the workspace denies `unused_must_use` (binding to `_` counts
    /// as a use), and drops the future unpolled: its body never runs. Only clippy objects.
    #[test]
    #[allow(clippy::let_underscore_future)] // the claim under test
    fn a_future_bound_to_underscore_compiles_and_never_runs() {
        let mut log = Vec::new();
        paused_runtime().block_on(async {
            let _ = start_sleep_end(Stopwatch::start(), PAUSE, &mut log);
            tokio::task::yield_now().await; // every chance to run it: there is nothing to run
        });
        assert_eq!(log, Vec::<String>::new(), "the body never ran");
    }

    #[test]
    fn block_on_runs_start_then_sleeps_then_end() {
        let ran = run_until_complete(&paused_runtime(), PAUSE);
        assert_eq!(ran.log, ["[ 0.00s] Start", "[ 1.00s] End"]);
        assert_eq!(ran.elapsed, PAUSE);
    }

    #[test]
    fn block_on_drives_the_runtimes_tasks_on_this_thread_without_being_a_task() {
        let ran = run_until_complete(&paused_runtime(), PAUSE);
        assert!(
            !ran.main_is_a_task,
            "run_until_complete would make it a Task"
        );
        assert!(ran.spawned_is_a_task);
        assert!(ran.spawned_ran_on_this_thread);
    }

    #[test]
    fn on_a_multi_thread_runtime_block_on_leaves_the_tasks_to_the_workers() {
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a multi-thread runtime builds");
        let caller = std::thread::current().id();
        let task = async { tokio::spawn(async { std::thread::current().id() }).await };
        let ran_on = runtime.block_on(within(Duration::from_secs(10), "a spawned task", task));
        assert_ne!(
            ran_on.expect("the task ends"),
            caller,
            "the task ran in block_on's thread"
        );
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
