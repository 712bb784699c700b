//! Part 06 — a Future by hand (Python: a class with `__await__`).
//!
//! What `.await` really does. The runtime polls only a task's outermost future (or `block_on`'s,
//! which is no task): once when it is spawned, then each time its waker was woken. An `.await`
//! inside is a plain call: the enclosing future's `poll` calls the inner future's `poll`, and a
//! `Pending` travels back up (Python: a bare `yield` travels up through every `await` to the Task).
//! This part writes futures by hand and watches every poll: one that yields once and wakes
//! itself, one that forgets to wake (and hangs), an `async fn` written out as the enum of states
//! the compiler makes of it, a pinned future that keeps its progress across timeouts, and a value
//! that runs again on every `.await` (`IntoFuture`).
//!
//! Run it: `make part_06` (or `cargo run -p part_06`). Tests: `cargo test -p part_06`.

use std::cell::Cell;
use std::fmt::Debug;
use std::future::{Future, IntoFuture};
use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::Sleep;
use workshop::Trace;

thread_local! {
    /// How many `Traced` polls are on this thread's call stack right now: a poll is a plain
    /// function call, so a poll made from inside another poll runs one level deeper.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

pin_project! {
    /// Wraps any future and prints every poll, on the way in and with its answer on the way out,
    /// indented by how deeply it is nested in other traced polls.
    ///
    /// The wrapped future may be `!Unpin` (an `async` block, a `Sleep`), so the wrapper may only
    /// hand it out as `Pin<&mut F>`. `#[pin]` makes pin-project-lite write that projection (the
    /// safe version of "this field is pinned because its parent is").
    pub struct Traced<F> {
        #[pin]
        inner: F,
        name: &'static str,
        polls: u32,
        trace: Trace,
    }
}

impl<F> Traced<F> {
    pub fn new(name: &'static str, inner: F, trace: &Trace) -> Self {
        let trace = trace.clone();
        Self {
            inner,
            name,
            polls: 0,
            trace,
        }
    }
}

impl<F: Future<Output: Debug>> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        *this.polls += 1;
        let depth = DEPTH.replace(DEPTH.get() + 1);
        let indent = "  ".repeat(depth);
        let (name, polls, trace) = (this.name, this.polls, this.trace);
        trace.say(format!("{indent}{name}: poll #{polls}"));
        let answer = this.inner.poll(cx); // an inner `.await` polls from in here, one level deeper
        DEPTH.set(depth);
        trace.say(format!("{indent}{name}: poll #{polls} -> {answer:?}")); // Pending or Ready(v)
        answer
    }
}

/// The Python class, by hand. `await asyncio.sleep(0)` is this (a bare `yield` inside), and so is
/// tokio's `tokio::task::yield_now()`, with one difference: yield_now does not wake at once but
/// hands its waker to the scheduler, which wakes it after the other ready tasks have run and the
/// I/O and timer driver has been polled.
///
/// ```python
/// class YieldOnce:
///     def __await__(self):
///         yield          # back to the event loop once
///         return 1
/// ```
#[derive(Debug, Default)]
pub struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.yielded {
            return Poll::Ready(1);
        }
        self.yielded = true;
        // The waker contract: answering Pending promises that someone will call `wake()` when
        // polling again is worth it. Here that someone is us, at once: "poll me again soon".
        // Python's Task does this for a bare `yield`; Rust's runtime only polls on a wake.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// DELIBERATELY WRONG: `YieldOnce` without the wake. It answers Pending and arranges nothing, so
/// the runtime has no reason to ever poll it again.
#[derive(Debug, Default)]
pub struct ForgetfulYield {
    yielded: bool,
}

impl Future for ForgetfulYield {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<u32> {
        if self.yielded {
            return Poll::Ready(1);
        }
        self.yielded = true;
        Poll::Pending // the bug: no `cx.waker().wake_by_ref()`, no waker handed to anyone
    }
}

/// An `async fn` written out by hand. Python:
///
/// ```python
/// async def sleep_then_yield(delay):
///     await asyncio.sleep(delay)
///     return await YieldOnce()
/// ```
///
/// The compiler turns that `async fn` into an enum like this one: one variant per state, each
/// holding only what lives in that state (rustc calls them Unresumed, Suspend0, ..., Returned).
pub enum SleepThenYield {
    /// Created, never polled: only the arguments. Nothing has run yet (futures are lazy).
    Unresumed { delay: Duration },
    /// Stopped at the first `.await`. `Sleep` is !Unpin: once polled, tokio's timer knows it by
    /// its address. `Box::pin` keeps that address put however this enum moves, and leaves the
    /// enum Unpin (so `poll` may replace `*self`). The compiler's enum pins it in place instead.
    Sleeping(Pin<Box<Sleep>>),
    /// Stopped at the second `.await`.
    Yielding(YieldOnce),
    /// Done. Polling again is a bug: an `async fn` panics ("`async fn` resumed after completion").
    Returned,
}

impl SleepThenYield {
    pub fn new(delay: Duration) -> Self {
        Self::Unresumed { delay }
    }
}

impl Future for SleepThenYield {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        loop {
            match &mut *self {
                // The first poll runs the body up to its first `.await`: the sleep starts now.
                Self::Unresumed { delay } => {
                    *self = Self::Sleeping(Box::pin(tokio::time::sleep(*delay)));
                }
                // `ready!` returns Pending right here while the sleep runs; the Sleep has handed
                // our waker to the timer, which keeps the contract for us.
                Self::Sleeping(sleep) => {
                    ready!(sleep.as_mut().poll(cx));
                    *self = Self::Yielding(YieldOnce::default());
                }
                // YieldOnce is Unpin, so `Pin::new` can pin a plain `&mut` to it.
                Self::Yielding(then) => {
                    let value = ready!(Pin::new(then).poll(cx));
                    *self = Self::Returned;
                    return Poll::Ready(value);
                }
                Self::Returned => panic!("SleepThenYield polled after it returned Ready"),
            }
        }
    }
}

/// A value that runs again every time it is awaited, like a Python class whose `__await__` returns
/// `sleep_then_yield(self.delay).__await__()`. `.await` calls `IntoFuture::into_future` first;
/// `Ping` is `Copy`, so awaiting it copies it, and it is still there to await again.
#[derive(Debug, Clone, Copy)]
pub struct Ping {
    pub delay: Duration,
}

impl IntoFuture for Ping {
    type Output = u32;
    type IntoFuture = SleepThenYield;

    fn into_future(self) -> SleepThenYield {
        SleepThenYield::new(self.delay)
    }
}

/// The body of the task in section 1: an `async fn` that awaits a YieldOnce.
async fn awaits_yield_once(trace: Trace) -> u32 {
    Traced::new("YieldOnce", YieldOnce::default(), &trace).await
}

/// 1. A task whose `async fn` awaits YieldOnce. The runtime polls the task's future twice; each
///    time, that poll polls YieldOnce from inside (indented). YieldOnce's wake reaches the task.
pub async fn yield_once_in_a_task() -> (u32, Vec<String>) {
    let trace = Trace::start();
    let task = Traced::new("task", awaits_yield_once(trace.clone()), &trace);
    let value = tokio::spawn(task).await.expect("the task panicked");
    trace.say(format!("the task's output: {value}"));
    (value, trace.messages())
}

/// 2. The forgetful future in a task of its own: polled once, then never again. We give up after
///    `limit` and abort the task. (Inside a `timeout` in *this* task it would be rescued by the
///    timer's wake: see the tests. A bug that only shows up alone.)
pub async fn forgetting_the_waker(limit: Duration) -> (Option<u32>, Vec<String>, Duration) {
    let trace = Trace::start();
    let mut task = tokio::spawn(Traced::new("forgetful", ForgetfulYield::default(), &trace));
    let value = match tokio::time::timeout(limit, &mut task).await {
        Ok(joined) => Some(joined.expect("the task panicked")),
        Err(_elapsed) => {
            trace.say(format!("after {limit:?}: still Pending, never woken"));
            task.abort();
            None
        }
    };
    (value, trace.messages(), trace.watch().elapsed())
}

/// 3. The hand-written `async fn`: three polls (start the sleep, the timer's wake, YieldOnce's own
///    wake), and the time is the sleep's.
pub async fn composed_future(delay: Duration) -> (u32, Vec<String>, Duration) {
    let trace = Trace::start();
    let value = Traced::new("sleep_then_yield", SleepThenYield::new(delay), &trace).await;
    (value, trace.lines(), trace.watch().elapsed())
}

/// 4. Poll one future *by reference* across several timeouts: it keeps its progress.
///
/// `timeout(d, fut)` would move `fut` in and drop it on timeout (Python's `wait_for` cancels it
/// too, unless shielded). Passing `job.as_mut()` lends it instead, and lending a future to be
/// polled requires it pinned: `pin!` fixes it in this stack frame for the rest of the function.
pub async fn keep_polling_a_pinned_future(patience: Duration, work: Duration) -> (u32, Trace) {
    let trace = Trace::start();
    let job = async move {
        tokio::time::sleep(work).await;
        42
    };
    // An `async` block is !Unpin (it may hold references into itself across an await): without
    // this line, `timeout(patience, &mut job)` does not compile (tests/ui/unpinned_by_reference).
    let mut job = pin!(job);
    let value = loop {
        match tokio::time::timeout(patience, job.as_mut()).await {
            Ok(value) => break value,
            Err(_elapsed) => trace.say("not ready yet; keep the same future"),
        };
    };
    trace.say(format!("ready: {value} (the sleep was never restarted)"));
    (value, trace)
}

/// 5. Await the same `Ping` `times` times: each `.await` runs it afresh. (A plain future is
///    consumed by `.await`: awaiting it twice does not compile, see tests/ui/await_twice.rs.)
pub async fn awaiting_a_reusable_value(ping: Ping, times: usize) -> (Vec<u32>, Duration) {
    let trace = Trace::start();
    let mut values = Vec::new();
    for round in 1..=times {
        let value = ping.await; // `ping` is Copy: into_future gets a copy, `ping` stays usable
        trace.say(format!("await #{round} of the same Ping -> {value}"));
        values.push(value);
    }
    (values, trace.watch().elapsed())
}

// One thread, like asyncio's event loop.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    workshop::banner!();

    println!("── 1. A task awaiting YieldOnce: the runtime polls the task, it polls YieldOnce");
    yield_once_in_a_task().await;

    println!("\n── 2. DELIBERATELY WRONG: Pending without arranging a wake");
    forgetting_the_waker(Duration::from_millis(300)).await;

    println!("\n── 3. An async fn by hand: sleep 0.5 s, then YieldOnce");
    composed_future(Duration::from_millis(500)).await;

    println!("\n── 4. A pinned future polled by reference: timeouts every 0.2 s, work of 0.5 s");
    keep_polling_a_pinned_future(Duration::from_millis(200), Duration::from_millis(500)).await;

    println!("\n── 5. IntoFuture: the same value awaited three times runs three times");
    let delay = Duration::from_millis(200);
    awaiting_a_reusable_value(Ping { delay }, 3).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::{Instant, advance};
    use tokio_test::{assert_pending, assert_ready, assert_ready_eq, task};
    use workshop::testing::within;

    const LIMIT: Duration = Duration::from_secs(30);

    #[test]
    fn yield_once_is_pending_once_and_wakes_itself_then_ready_1() {
        let mut future = task::spawn(YieldOnce::default());
        assert!(!future.is_woken());
        assert_pending!(future.poll());
        assert!(future.is_woken(), "Pending must come with a wake");
        assert_ready_eq!(future.poll(), 1);
    }

    #[tokio::test]
    async fn yield_now_defers_its_wake_until_the_scheduler_has_run() {
        within(LIMIT, "yield_now polled by hand", async {
            let mut ours = task::spawn(YieldOnce::default());
            let mut tokios = task::spawn(tokio::task::yield_now());
            assert_pending!(ours.poll());
            assert_pending!(tokios.poll());
            assert!(ours.is_woken(), "YieldOnce wakes at once");
            assert!(
                !tokios.is_woken(),
                "yield_now hands its waker to the scheduler"
            );
            // Back to the scheduler: it runs what is ready, polls the driver, then wakes the
            // deferred wakers (ours among them).
            tokio::task::yield_now().await;
            assert!(tokios.is_woken(), "the scheduler woke it");
            assert_ready!(tokios.poll());
        })
        .await;
    }

    /// A timer task and a task that holds the thread (a real, blocking 10 ms) until the timer is
    /// due, then yields: with `yield_now()` (`deferred`) or with YieldOnce. Returns who ran first
    /// afterwards. Real clock: the blocking sleep moves only the real one.
    async fn who_runs_first_after_a_yield(deferred: bool) -> Vec<String> {
        let trace = Trace::start();
        let timer = tokio::spawn({
            let trace = trace.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                trace.say("timer task: woken by the timer driver");
            }
        });
        let yielder = tokio::spawn({
            let trace = trace.clone();
            async move {
                #[allow(clippy::disallowed_methods)] // deliberately blocking: the timer comes due
                std::thread::sleep(Duration::from_millis(10));
                if deferred {
                    tokio::task::yield_now().await;
                } else {
                    YieldOnce::default().await;
                }
                trace.say("yielder: resumed");
            }
        });
        let (timer, yielder) = tokio::join!(timer, yielder);
        timer.and(yielder).expect("neither task panics");
        trace.messages()
    }

    #[tokio::test]
    async fn yield_now_resumes_only_after_the_driver_has_fired_the_due_timer() {
        within(LIMIT, "who runs first after a yield", async {
            // yield_now: the scheduler polls the driver (the due timer wakes its task) before it
            // wakes the yielder, so the timer task runs first.
            assert_eq!(
                who_runs_first_after_a_yield(true).await,
                ["timer task: woken by the timer driver", "yielder: resumed"]
            );
            // YieldOnce wakes at once: the yielder is queued again, and runs before the driver is
            // even polled.
            assert_eq!(
                who_runs_first_after_a_yield(false).await,
                ["yielder: resumed", "timer task: woken by the timer driver"]
            );
        })
        .await;
    }

    #[test]
    fn forgetful_future_answers_pending_without_a_wake() {
        let mut future = task::spawn(ForgetfulYield::default());
        assert_pending!(future.poll());
        assert!(!future.is_woken(), "nothing arranged a wake");
        // Only a poll nobody asked for would finish it.
        assert_ready_eq!(future.poll(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_runtime_polls_the_task_and_the_task_polls_what_it_awaits() {
        within(LIMIT, "yield_once_in_a_task", async {
            let (value, messages) = yield_once_in_a_task().await;
            assert_eq!(value, 1);
            // Each YieldOnce poll starts and ends inside a poll of the task (one level deeper),
            // and the task is polled exactly as often as YieldOnce: once per wake.
            assert_eq!(
                messages,
                [
                    "task: poll #1",
                    "  YieldOnce: poll #1",
                    "  YieldOnce: poll #1 -> Pending",
                    "task: poll #1 -> Pending",
                    "task: poll #2",
                    "  YieldOnce: poll #2",
                    "  YieldOnce: poll #2 -> Ready(1)",
                    "task: poll #2 -> Ready(1)",
                    "the task's output: 1",
                ]
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn forgetful_future_hangs_in_a_task_of_its_own() {
        within(LIMIT, "forgetting_the_waker", async {
            let limit = Duration::from_secs(5);
            let (value, messages, waited) = forgetting_the_waker(limit).await;
            assert_eq!(value, None);
            assert_eq!(
                messages[..2],
                ["forgetful: poll #1", "forgetful: poll #1 -> Pending"],
                "polled once"
            );
            assert_eq!(messages.len(), 3, "never polled again: {messages:#?}");
            assert_eq!(waited, limit);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_neighbours_wake_hides_the_missing_wake() {
        within(LIMIT, "forgetful future inside timeout", async {
            // In the same task as the timer, the timer's wake polls the forgetful future again:
            // it "works", exactly at the deadline.
            let start = Instant::now();
            let limit = Duration::from_secs(3);
            let outcome = tokio::time::timeout(limit, ForgetfulYield::default()).await;
            assert_eq!(outcome.ok(), Some(1));
            assert_eq!(start.elapsed(), limit);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn composed_future_step_by_step() {
        within(LIMIT, "SleepThenYield polled by hand", async {
            let delay = Duration::from_millis(500);
            let mut future = task::spawn(SleepThenYield::new(delay));
            // Lazy, as an async fn is: the sleep starts at the first poll, not at creation.
            advance(Duration::from_secs(10)).await;
            assert_pending!(future.poll()); // the sleep starts
            advance(delay - Duration::from_millis(1)).await;
            assert!(!future.is_woken(), "woken before the sleep was over");
            advance(Duration::from_millis(1)).await;
            assert!(future.is_woken(), "the timer keeps the contract");
            assert_pending!(future.poll()); // the sleep is over; YieldOnce yields
            assert!(future.is_woken(), "YieldOnce woke itself");
            assert_ready_eq!(future.poll(), 1);
            assert!(matches!(*future, SleepThenYield::Returned));
        })
        .await;
    }

    #[test]
    #[should_panic(expected = "polled after it returned Ready")]
    fn polling_after_ready_panics_as_an_async_fn_does() {
        let mut future = task::spawn(SleepThenYield::Yielding(YieldOnce { yielded: true }));
        assert_ready_eq!(future.poll(), 1);
        let _ = future.poll();
    }

    #[tokio::test(start_paused = true)]
    async fn composed_future_takes_three_polls_and_the_sleeps_time() {
        within(LIMIT, "composed_future", async {
            let (value, lines, elapsed) = composed_future(Duration::from_millis(750)).await;
            assert_eq!(value, 1);
            assert_eq!(
                lines,
                [
                    "[ 0.00s] sleep_then_yield: poll #1",
                    "[ 0.00s] sleep_then_yield: poll #1 -> Pending",
                    "[ 0.75s] sleep_then_yield: poll #2",
                    "[ 0.75s] sleep_then_yield: poll #2 -> Pending",
                    "[ 0.75s] sleep_then_yield: poll #3",
                    "[ 0.75s] sleep_then_yield: poll #3 -> Ready(1)",
                ]
            );
            assert_eq!(elapsed, Duration::from_millis(750));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn pinned_future_keeps_its_progress_across_timeouts() {
        within(LIMIT, "keep_polling_a_pinned_future", async {
            let work = Duration::from_millis(500);
            let (value, trace) =
                keep_polling_a_pinned_future(Duration::from_millis(200), work).await;
            assert_eq!(value, 42);
            assert_eq!(
                trace.lines(),
                [
                    "[ 0.20s] not ready yet; keep the same future",
                    "[ 0.40s] not ready yet; keep the same future",
                    "[ 0.50s] ready: 42 (the sleep was never restarted)",
                ]
            );
            // Restarted on each timeout, it would never finish; resumed, it takes `work`.
            assert_eq!(trace.watch().elapsed(), work);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn into_future_runs_again_on_every_await() {
        within(LIMIT, "awaiting_a_reusable_value", async {
            let delay = Duration::from_millis(300);
            let (values, elapsed) = awaiting_a_reusable_value(Ping { delay }, 3).await;
            assert_eq!(values, [1, 1, 1]);
            assert_eq!(elapsed, delay * 3, "each await slept again");
        })
        .await;
    }
}
