//! Part 05 — tasks: `tokio::spawn` is `asyncio.create_task`.
//!
//! Shows: a spawned task runs even if nobody awaits it (a plain future does not, part 02), and it
//! starts only when its spawner's `.await` returns `Pending`; its `JoinHandle` yields
//! `Result<T, JoinError>` and answers `is_finished()`; a panic inside a task becomes a `JoinError`
//! that `is_panic()`; `abort()` cancels it (`Task.cancel()`) at its next `.await`, so it cannot
//! stop a task that never gets there; and what `tokio::spawn` asks of a future, `Send + 'static`,
//! with three ways to give it.
//!
//! Run it: `make part_05` (or `cargo run -p part_05`).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use tokio::task::{JoinError, LocalSet};
use workshop::lesson::panic_message;
use workshop::{Stopwatch, Trace};

const PAUSE: Duration = Duration::from_secs(1);

// A current-thread runtime, like asyncio's one loop: when each task runs is then deterministic.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    workshop::banner!();
    workshop::lesson::report_panics_in_one_line(); // section 4 panics on purpose

    println!("1. A task runs without being awaited; a future does not");
    let log = spawned_versus_lazy(PAUSE).await;
    assert_eq!(log.len(), 1, "only the task ran: {log:?}");

    println!("\n2. A spawned task starts at an .await that returns Pending");
    let started = when_a_task_starts().await;
    assert!(started[1].ends_with("task finished: false"), "{started:?}");

    println!("\n3. The JoinHandle: is_finished() and the result");
    let joined = join_handle(PAUSE).await;
    assert!(!joined.finished_at_start && joined.finished_later);
    assert_eq!(joined.result.as_ref().ok(), Some(&42));

    println!("\n4. A panic inside a task");
    let message = panic_in_a_task().await;
    assert!(message.is_some(), "a JoinError carries the panic");

    println!("\n5. abort(): Task.cancel()");
    let aborted = abort_a_task(PAUSE).await;
    let never = aborted.events.iter().any(|e| e.contains("never printed"));
    assert!(aborted.cancelled && aborted.elapsed < Duration::from_secs(3600) && !never);

    println!("\n6. abort() cannot stop a task that does not reach an .await");
    let spun = abort_a_task_that_never_yields(true).await;
    assert!(spun.iter().any(|m| m.contains("still running")), "{spun:?}");

    println!("\n7. Send + 'static: three ways to spawn what holds a lock or an Rc");
    let fixes = send_fixes(PAUSE).await;
    assert_eq!(fixes.len(), 4);
}

/// Python: `asyncio.create_task(work())` schedules `work` at once, while a bare `work()` creates a
/// coroutine that never runs. Same in Rust: `tokio::spawn` hands the future to the runtime, which
/// runs it whether or not anybody keeps the `JoinHandle`; the unspawned future waits to be
/// polled, forever. Returns the trace: only the task's line.
async fn spawned_versus_lazy(pause: Duration) -> Vec<String> {
    let trace = Trace::start();
    let record = |who: &'static str| {
        let trace = trace.clone();
        async move { trace.say(format!("{who}: ran")) }
    };
    let lazy = record("plain future");
    // The JoinHandle is dropped on the spot: that detaches the task, it does not cancel it.
    // (Python's event loop keeps only a weak reference to a task: one nobody holds may be
    // garbage-collected mid-run. Tokio's runtime owns its tasks.)
    drop(tokio::spawn(record("spawned task")));
    tokio::time::sleep(pause).await;
    drop(lazy);
    let lines = trace.lines();
    let watch = trace.watch();
    watch.say(format!("main: awaited neither: {lines:?}"));
    lines
}

/// On a current-thread runtime (and in asyncio) a new task waits for its spawner to give the
/// thread back, which happens only at an `.await` that returns `Pending`. Awaiting a future that
/// is ready at once (an `async fn` that does not wait, `std::future::ready`) never yields: the
/// spawner runs on. `yield_now()` is Python's `await asyncio.sleep(0)`. Returns the trace.
async fn when_a_task_starts() -> Vec<String> {
    let trace = Trace::start();
    let task = tokio::spawn({
        let trace = trace.clone();
        async move { trace.say("task: started") }
    });
    trace.say("main: spawned the task");
    std::future::ready(()).await;
    async {}.await;
    let finished = task.is_finished();
    let awaited = "main: awaited two ready futures";
    trace.say(format!("{awaited}; task finished: {finished}"));
    tokio::task::yield_now().await; // Pending once: the runtime runs the task
    let finished = task.is_finished();
    trace.say(format!("main: after yield_now(), finished: {finished}"));
    trace.messages()
}

/// What [`join_handle`] observed.
#[derive(Debug)]
struct Joined {
    finished_at_start: bool,
    finished_later: bool,
    result: Result<u64, JoinError>,
}

/// Python: `task.done()`, then `await task`. Awaiting a `JoinHandle` gives a `Result`: `Ok` with
/// the task's value, or a `JoinError` if it panicked or was aborted (sections 3 and 4).
async fn join_handle(pause: Duration) -> Joined {
    let watch = Stopwatch::start();
    let handle = tokio::spawn(async move {
        tokio::time::sleep(pause).await;
        watch.say("task: returning 42");
        42
    });
    let finished_at_start = handle.is_finished();
    watch.say(format!("main: is_finished() = {finished_at_start}"));
    tokio::time::sleep(pause * 2).await;
    let finished_later = handle.is_finished();
    watch.say(format!("main: is_finished() = {finished_later}"));
    let result = handle.await;
    watch.say(format!("main: handle.await = {result:?}"));
    Joined {
        finished_at_start,
        finished_later,
        result,
    }
}

/// Python: an exception inside a task is stored and re-raised by `await task`. A panic inside a
/// tokio task unwinds that task only: the runtime and the other tasks go on, and the awaiter gets
/// a `JoinError` whose `is_panic()` is true, carrying the panic's payload. Returns the message.
async fn panic_in_a_task() -> Option<String> {
    let watch = Stopwatch::start();
    // DELIBERATELY WRONG: this task panics.
    let handle = tokio::spawn(async { panic!("boom") });
    let error = handle.await.err()?;
    let is_panic = error.is_panic();
    watch.say(format!("main: JoinError, is_panic() = {is_panic}"));
    let payload = error.try_into_panic().ok();
    let message = payload.map(|p| panic_message(p.as_ref()));
    watch.say(format!("main: the panic said {message:?}"));
    message
}

/// What [`abort_a_task`] observed.
#[derive(Debug)]
struct Aborted {
    events: Vec<String>,
    cancelled: bool,
    elapsed: Duration,
}

/// Says so in the trace when dropped: the closest Rust has to a `finally:` block.
struct Cleanup(Trace);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.say("task: cleanup ran (Drop)");
    }
}

/// Python: `task.cancel()` raises CancelledError inside the task at its current `await`; the
/// task may catch it, run `finally:` blocks, even refuse. `abort()` is blunter: at its current
/// `.await` the task's future is dropped. No line after that `.await` runs, only destructors, and
/// the task cannot refuse. The awaiter gets a `JoinError` whose `is_cancelled()` is true.
async fn abort_a_task(pause: Duration) -> Aborted {
    let trace = Trace::start();
    let handle = tokio::spawn({
        let trace = trace.clone();
        async move {
            let _cleanup = Cleanup(trace.clone());
            trace.say("task: working for an hour");
            tokio::time::sleep(Duration::from_secs(3600)).await;
            trace.say("task: done (never printed)");
        }
    });
    tokio::time::sleep(pause).await;
    trace.say("main: abort()");
    handle.abort();
    let result = handle.await;
    let cancelled = result.as_ref().is_err_and(JoinError::is_cancelled);
    trace.say(format!("main: {result:?}, is_cancelled() = {cancelled}"));
    Aborted {
        events: trace.lines(),
        cancelled,
        elapsed: trace.watch().elapsed(),
    }
}

/// `abort()` only marks the task: it is dropped when its poll returns, at an `.await` that is
/// `Pending`. A task that computes without awaiting holds its thread, and nothing stops it
/// meanwhile (nor in Python: `cancel()` is delivered at an `await` too). Here a plain thread calls
/// `abort()` while the task spins on this runtime's only thread; the task runs on, to its next
/// `.await`, and is dropped there; without one (`then_awaits` false), it runs to its end, `Ok`.
async fn abort_a_task_that_never_yields(then_awaits: bool) -> Vec<String> {
    let trace = Trace::start();
    let started = Arc::new(AtomicBool::new(false));
    let released = Arc::new(AtomicBool::new(false));
    let handle = tokio::spawn({
        let (trace, started, released) = (trace.clone(), started.clone(), released.clone());
        async move {
            trace.say("task: computing without an .await (deliberately holding the thread)");
            started.store(true, Ordering::SeqCst);
            // DELIBERATELY WRONG: a loop with no .await holds the runtime's only thread.
            while !released.load(Ordering::SeqCst) {
                std::hint::spin_loop();
            }
            trace.say("task: still running after abort(): it had no .await to stop at");
            if then_awaits {
                tokio::task::yield_now().await;
                trace.say("task: past its .await (never printed)");
            }
        }
    });
    let abort = handle.abort_handle();
    let other = trace.clone();
    // A plain thread: this runtime's one thread is busy running the task.
    drop(std::thread::spawn(move || {
        while !started.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        other.say("other thread: abort()");
        abort.abort();
        released.store(true, Ordering::SeqCst);
    }));
    let joined = handle.await;
    let (ok, cancelled) = (joined.is_ok(), joined.is_err_and(|e| e.is_cancelled()));
    trace.say(format!("main: Ok: {ok}, cancelled: {cancelled}"));
    trace.messages()
}

/// `tokio::spawn` may run a task on any worker thread, and the task may outlive its spawner, so
/// it asks `F: Send + 'static` of the future, on every runtime. A std `MutexGuard` or an `Rc` held
/// across an `.await` makes the future `!Send`: "future cannot be sent between threads safely";
/// borrowing a local is not `'static` (E0373). Both are in tests/ui. Three ways out, all three
/// spawned here. Returns the trace with the time of each line.
async fn send_fixes(pause: Duration) -> Vec<(Duration, String)> {
    let trace = Trace::start();
    // 1. A std Mutex, its guard dropped before the `.await`: the future holds no guard there.
    let counter = Arc::new(std::sync::Mutex::new(0));
    let scoped = tokio::spawn({
        let (counter, trace) = (Arc::clone(&counter), trace.clone());
        async move {
            let n = {
                let mut guard = counter.lock().unwrap_or_else(PoisonError::into_inner);
                *guard += 1;
                *guard
            }; // the guard is dropped here
            tokio::time::sleep(pause).await;
            trace.say(format!("1. std guard dropped before the .await: count {n}"));
        }
    });
    // 2. tokio's Mutex: its guard is `Send` and is meant to be held across `.await`.
    let shared = Arc::new(tokio::sync::Mutex::new(0));
    let held = tokio::spawn({
        let (shared, trace) = (Arc::clone(&shared), trace.clone());
        async move {
            let mut guard = shared.lock().await;
            tokio::time::sleep(pause).await;
            *guard += 1;
            trace.say(format!("2. tokio guard held across it: count {guard}"));
        }
    });
    // 3. Keep the task on this thread: `spawn_local` takes a `!Send` future, and runs it inside a
    //    `LocalSet` (here: while `run_until` is awaited).
    let local = LocalSet::new();
    local
        .run_until(async {
            let names = Rc::new(RefCell::new(vec!["a"]));
            let task = tokio::task::spawn_local({
                let names = Rc::clone(&names);
                async move {
                    tokio::time::sleep(pause).await; // the Rc is held across this .await
                    names.borrow_mut().push("b");
                }
            });
            // Half-way through the three sleeps: fix 1 holds no lock, fix 2 holds its own.
            tokio::time::sleep(pause / 2).await;
            let (free, held) = (counter.try_lock().is_ok(), shared.try_lock().is_err());
            let line = format!("mid-way: std Mutex free {free}, tokio Mutex held {held}");
            trace.say(line);
            let _ = task.await;
            let names = names.take();
            trace.say(format!("3. Rc held across it, in spawn_local: {names:?}"));
        })
        .await;
    let _ = tokio::join!(scoped, held);
    trace.events_with_time()
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    #[tokio::test(start_paused = true)]
    async fn a_spawned_task_runs_unawaited_where_a_plain_future_does_not() {
        within(Duration::from_secs(10), "spawned_versus_lazy", async {
            let log = spawned_versus_lazy(PAUSE).await;
            // The task ran as soon as main yielded (at its sleep), and was never awaited; the
            // plain future, dropped unpolled, left no line.
            assert_eq!(log, ["[ 0.00s] spawned task: ran"]);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_starts_only_when_its_spawner_awaits_something_pending() {
        within(Duration::from_secs(10), "when_a_task_starts", async {
            assert_eq!(
                when_a_task_starts().await,
                [
                    "main: spawned the task",
                    "main: awaited two ready futures; task finished: false",
                    "task: started",
                    "main: after yield_now(), finished: true",
                ]
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_join_handle_reports_finished_and_yields_the_value() {
        within(Duration::from_secs(10), "join_handle", async {
            let joined = join_handle(PAUSE).await;
            assert!(!joined.finished_at_start);
            assert!(joined.finished_later);
            assert_eq!(joined.result.ok(), Some(42));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_in_a_task_comes_back_as_a_join_error() {
        within(Duration::from_secs(10), "panic_in_a_task", async {
            assert_eq!(panic_in_a_task().await.as_deref(), Some("boom"));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn abort_drops_the_task_at_its_await_and_the_awaiter_sees_cancelled() {
        within(Duration::from_secs(10), "abort_a_task", async {
            let aborted = abort_a_task(PAUSE).await;
            assert!(aborted.cancelled);
            // Aborted at PAUSE, not after the task's hour of work.
            assert_eq!(aborted.elapsed, PAUSE);
            assert_eq!(aborted.events.len(), 4, "{:?}", aborted.events);
            assert_eq!(aborted.events[0], "[ 0.00s] task: working for an hour");
            assert_eq!(aborted.events[1], "[ 1.00s] main: abort()");
            assert_eq!(aborted.events[2], "[ 1.00s] task: cleanup ran (Drop)");
            assert!(
                aborted.events[3].contains("is_cancelled() = true"),
                "{:?}",
                aborted.events
            );
        })
        .await;
    }

    // A current-thread runtime, as in main: the task holds its only thread while it spins.
    #[tokio::test]
    async fn abort_waits_for_the_tasks_next_await() {
        within(
            Duration::from_secs(10),
            "abort_a_task_that_never_yields",
            async {
                assert_eq!(
                    abort_a_task_that_never_yields(true).await,
                    [
                        "task: computing without an .await (deliberately holding the thread)",
                        "other thread: abort()",
                        "task: still running after abort(): it had no .await to stop at",
                        "main: Ok: false, cancelled: true",
                    ]
                );
            },
        )
        .await;
    }

    // The same, for a task with no .await at all: abort() finds no place to drop it.
    #[tokio::test]
    async fn an_aborted_task_with_no_await_runs_to_its_end() {
        within(Duration::from_secs(10), "a task with no .await", async {
            let trace = abort_a_task_that_never_yields(false).await;
            assert_eq!(
                trace[1..],
                [
                    "other thread: abort()",
                    "task: still running after abort(): it had no .await to stop at",
                    "main: Ok: true, cancelled: false"
                ]
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn three_ways_to_spawn_what_holds_a_lock_or_an_rc() {
        within(Duration::from_secs(10), "send_fixes", async {
            let mut events = send_fixes(PAUSE).await;
            // Half-way through the sleeps, fix 1 had dropped its std guard before its .await,
            // and fix 2 held its tokio guard across its own.
            let mid_way = (
                PAUSE / 2,
                "mid-way: std Mutex free true, tokio Mutex held true".into(),
            );
            assert_eq!(events.first(), Some(&mid_way), "{events:?}");
            events.remove(0);
            // The three ran side by side: each line at PAUSE (their order within it is not
            // part of the claim).
            assert!(events.iter().all(|(at, _)| *at == PAUSE), "{events:?}");
            events.sort();
            let lines: Vec<&str> = events.iter().map(|(_, line)| line.as_str()).collect();
            assert_eq!(
                lines,
                [
                    "1. std guard dropped before the .await: count 1",
                    "2. tokio guard held across it: count 1",
                    "3. Rc held across it, in spawn_local: [\"a\", \"b\"]",
                ]
            );
        })
        .await;
    }
}
