//! Part 03 — awaiting consumes a future. Python raises `RuntimeError: cannot reuse already
//! awaited coroutine` when a coroutine is awaited twice; Rust refuses to compile it.
//!
//! Shows: `.await` takes the future by value (the compile error is pinned in
//! `tests/ui/await_twice.stderr`); awaiting through `&mut` needs the future pinned
//! (`tests/ui/await_by_ref_unpinned.stderr`), and then a second poll panics at run time; polling a
//! finished future is unspecified, and `.fuse()` is the guard; `FutureExt::shared()` lets any
//! number of awaiters share one result.
//!
//! Run it: `make part_03` (or `cargo run -p part_03`).

use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt;
use futures::future::FusedFuture;
use workshop::Stopwatch;
use workshop::lesson::panic_message;

const PAUSE: Duration = Duration::from_secs(1);

#[tokio::main]
async fn main() {
    workshop::banner!();
    // One deliberate panic below: report it in one line, so the trace stays readable.
    workshop::lesson::report_panics_in_one_line();

    println!("1. Await once, keep the value");
    let once = await_once(PAUSE).await;
    assert_eq!((once.value, once.runs), (42, 1));
    assert!(once.elapsed >= PAUSE);

    println!("\n2. A second poll through a reference (deliberately wrong)");
    let (first, second) = poll_after_completion(PAUSE).await;
    assert_eq!(first, 42);
    assert!(
        second.is_err(),
        "a finished async fn must refuse a second poll"
    );

    println!("\n3. fuse(): a future that may be polled after Ready");
    let fused = fuse_it(PAUSE).await;
    assert_eq!((fused.first, fused.polled_again), (42, None));
    assert_eq!(fused.terminated, [false, true]);

    println!("\n4. shared(): one computation, many awaiters");
    let shared = await_shared(PAUSE).await;
    assert_eq!(shared.runs, 1, "the computation must run once");
    assert_eq!(shared.values, [42, 42, 42]);
    assert_eq!(shared.events.len(), 3);
    println!("   three awaiters, one run, {:.2?} in all", shared.elapsed);
}

/// The coroutine of the lesson: announces itself, works for `pause`, answers 42. It counts its
/// runs in `runs`, so a caller can see how many times the work was really done.
async fn compute(watch: Stopwatch, pause: Duration, runs: &AtomicUsize) -> u64 {
    runs.fetch_add(1, Ordering::SeqCst);
    watch.say("compute: started");
    tokio::time::sleep(pause).await;
    watch.say("compute: answering 42");
    42
}

/// What a run observed: the value(s) awaited, how often `compute` ran, how long it all took.
#[derive(Debug)]
struct Observed {
    value: u64,
    runs: usize,
    elapsed: Duration,
}

/// `.await` is `IntoFuture::into_future(self)`: it takes the future by value, so after the first
/// `.await` the variable is moved-from and a second `future.await` is a compile error
/// ("use of moved value", see tests/ui/await_twice.rs). The everyday fix is the Python one:
/// await once, keep the value, use it as often as you like.
async fn await_once(pause: Duration) -> Observed {
    let watch = Stopwatch::start();
    let runs = AtomicUsize::new(0);
    let future = compute(watch, pause, &runs);
    let value = future.await;
    // let again = future.await; // error[E0382]: use of moved value: `future`
    watch.say(format!(
        "awaited once: {value}; reuse the value, not the future"
    ));
    Observed {
        value,
        runs: runs.load(Ordering::SeqCst),
        elapsed: watch.elapsed(),
    }
}

/// DELIBERATELY WRONG. Awaiting `&mut future` does not consume it, but `&mut F` is a future only
/// if `F: Unpin`, and an async fn's future is not: without the `Box::pin` (or `pin!`) this is
/// E0277, "cannot be unpinned" (tests/ui/await_by_ref_unpinned.rs). Pinned, a second await
/// compiles, and the finished state machine panics: "`async fn` resumed after completion". This
/// is Python's RuntimeError, and why the compile errors are a kindness. Returns the first value
/// and the outcome of the second await (the panic message, caught).
async fn poll_after_completion(pause: Duration) -> (u64, Result<u64, String>) {
    let watch = Stopwatch::start();
    let runs = AtomicUsize::new(0);
    let mut future = Box::pin(compute(watch, pause, &runs));
    let first = (&mut future).await;
    watch.say(format!("first await through &mut: {first}"));
    let second = AssertUnwindSafe(&mut future)
        .catch_unwind()
        .await
        .map_err(|payload| panic_message(payload.as_ref()));
    watch.say(format!("second await through &mut: {second:?}"));
    (first, second)
}

/// What [`fuse_it`] observed.
#[derive(Debug)]
struct Fused {
    first: u64,
    /// `is_terminated()` before and after the first `Ready`.
    terminated: [bool; 2],
    /// What polling it once more answered (`None`: `Pending`).
    polled_again: Option<u64>,
}

/// The rule behind that panic, from std's `Future::poll` docs: once a future has returned
/// `Ready`, polling it again may panic, block forever, or do anything else (short of undefined
/// behaviour). No future promises more. Code that may poll again, such as a `select!` loop, fuses
/// the future: `.fuse()` makes it a `FusedFuture` that answers `Pending` for ever after `Ready`,
/// and says so with `is_terminated()`.
async fn fuse_it(pause: Duration) -> Fused {
    let watch = Stopwatch::start();
    let runs = AtomicUsize::new(0);
    let mut fused = pin!(compute(watch, pause, &runs).fuse());
    let before = fused.is_terminated();
    let first = (&mut fused).await;
    let after = fused.is_terminated();
    // One more poll, without waiting (`now_or_never`): `Pending`, no panic. (An `.await` here would
    // wait for ever: a fused future never becomes ready again.)
    let polled_again = (&mut fused).now_or_never();
    watch.say(format!(
        "fused: {first}; is_terminated() {before} then {after}; polled again: {polled_again:?}"
    ));
    Fused {
        first,
        terminated: [before, after],
        polled_again,
    }
}

/// What [`await_shared`] observed: each awaiter's value, in the order the awaiters finished, and
/// their trace lines.
#[derive(Debug)]
struct SharedRun {
    values: Vec<u64>,
    events: Vec<String>,
    runs: usize,
    elapsed: Duration,
}

/// `FutureExt::shared()` wraps a future in a cloneable handle. The first clone polled drives the
/// computation; the others wait on the same result; once it is there, every clone (even one
/// awaited later) gets a copy. So the output must be `Clone`. This is what a Python Task gives for
/// free: `await task` as often as you like.
async fn await_shared(pause: Duration) -> SharedRun {
    let watch = Stopwatch::start();
    let runs = AtomicUsize::new(0);
    let shared = compute(watch, pause, &runs).shared();
    let mut events = Vec::new();

    // Two awaiters at once: they wait together for one computation, not one after the other.
    let (a, b) = tokio::join!(shared.clone(), shared.clone());
    events.push(watch.say(format!("awaiter A got {a}")));
    events.push(watch.say(format!("awaiter B got {b}")));
    // A late awaiter: the result is cached, nothing runs again.
    let late = shared.await;
    events.push(watch.say(format!("late awaiter got {late} (no second run)")));

    SharedRun {
        values: vec![a, b, late],
        events,
        runs: runs.load(Ordering::SeqCst),
        elapsed: watch.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    #[tokio::test(start_paused = true)]
    async fn awaiting_once_gives_the_value_after_one_run() {
        within(Duration::from_secs(10), "await_once", async {
            let seen = await_once(PAUSE).await;
            assert_eq!(seen.value, 42);
            assert_eq!(seen.runs, 1);
            assert_eq!(seen.elapsed, PAUSE);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_second_poll_of_a_finished_async_fn_panics() {
        within(Duration::from_secs(10), "poll_after_completion", async {
            let (first, second) = poll_after_completion(PAUSE).await;
            assert_eq!(first, 42);
            let message = second.expect_err("the second await must panic");
            assert_eq!(message, "`async fn` resumed after completion");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_fused_future_says_it_is_terminated_and_stays_pending() {
        within(Duration::from_secs(10), "fuse_it", async {
            let fused = fuse_it(PAUSE).await;
            assert_eq!(fused.first, 42);
            assert_eq!(fused.terminated, [false, true]);
            assert_eq!(fused.polled_again, None, "a fused future stays Pending");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_shared_future_runs_once_and_serves_every_awaiter() {
        within(Duration::from_secs(10), "await_shared", async {
            let seen = await_shared(PAUSE).await;
            assert_eq!(seen.runs, 1);
            assert_eq!(seen.values, [42, 42, 42]);
            // Concurrent awaiters share the wait: one PAUSE in all, not one each.
            assert_eq!(seen.elapsed, PAUSE);
            assert_eq!(
                seen.events,
                [
                    "[ 1.00s] awaiter A got 42",
                    "[ 1.00s] awaiter B got 42",
                    "[ 1.00s] late awaiter got 42 (no second run)",
                ]
            );
        })
        .await;
    }
}
