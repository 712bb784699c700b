//! Part 06 — a Future by hand (Python: a class with `__await__`).
//!
//! What `.await` really does: the runtime calls `Future::poll` until it answers `Ready`. This part
//! writes futures by hand and watches every poll: one that yields once and wakes itself, one that
//! forgets to wake (and hangs), one composed of a sleep and another future (pinning), a pinned
//! future that keeps its progress across timeouts, and a value that runs again on every `.await`
//! (`IntoFuture`, Rust's `__await__`).
//!
//! Run it: `make part_06` (or `cargo run -p part_06`). Tests: `cargo test -p part_06`.

use std::fmt::Debug;
use std::future::{Future, IntoFuture};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::Sleep;
use workshop::Stopwatch;

/// The lines a [`Traced`] future printed, shared with whoever wants to look at them afterwards
/// (the future itself is consumed by `.await`, or lives in another task).
#[derive(Debug, Clone, Default)]
pub struct PollLog(Arc<Mutex<Vec<String>>>);

impl PollLog {
    fn push(&self, line: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }

    pub fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

pin_project! {
    /// Wraps any future and prints every poll and its answer: the runtime's side of `.await`.
    ///
    /// The wrapped future may be `!Unpin` (an `async` block, a `Sleep`), so the wrapper may only
    /// hand it out as `Pin<&mut F>`. `#[pin]` makes pin-project-lite write that projection (the
    /// safe version of "this field is pinned because its parent is").
    pub struct Traced<F> {
        #[pin]
        inner: F,
        name: &'static str,
        polls: u32,
        watch: Stopwatch,
        log: PollLog,
    }
}

impl<F> Traced<F> {
    pub fn new(name: &'static str, inner: F, watch: Stopwatch, log: PollLog) -> Self {
        Self {
            inner,
            name,
            polls: 0,
            watch,
            log,
        }
    }
}

impl<F: Future<Output: Debug>> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        *this.polls += 1;
        let answer = this.inner.poll(cx);
        let shown = match &answer {
            Poll::Pending => "Pending".to_string(),
            Poll::Ready(value) => format!("Ready({value:?})"),
        };
        let line = this
            .watch
            .say(format!("{}: poll #{} -> {shown}", this.name, this.polls));
        this.log.push(line);
        answer
    }
}

/// The Python class, by hand:
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
        // Python's event loop does this for a bare `yield`; Rust's runtime only polls on a wake.
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

/// Two futures in sequence, by hand. Python:
///
/// ```python
/// async def sleep_then_yield(delay):
///     await asyncio.sleep(delay)
///     return await YieldOnce()
/// ```
///
/// An `async fn` compiles to a struct much like this one: a field per future still to run, and a
/// note of how far it got.
pub struct SleepThenYield {
    // `Sleep` is !Unpin: once polled, tokio's timer knows it by its address: it must not move.
    // `Box::pin` puts it on the heap, where its address stays put however this struct moves, and
    // leaves this struct Unpin (so `poll` can use plain `&mut self` fields). Without allocating:
    // `#[pin] sleep: Sleep` and pin-project-lite, as `Traced` does.
    sleep: Pin<Box<Sleep>>,
    slept: bool,
    then: YieldOnce,
}

impl SleepThenYield {
    pub fn new(delay: Duration) -> Self {
        Self {
            sleep: Box::pin(tokio::time::sleep(delay)),
            slept: false,
            then: YieldOnce::default(),
        }
    }
}

impl Future for SleepThenYield {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if !self.slept {
            // `ready!` returns Pending right here while the sleep runs; the Sleep has handed our
            // waker to the timer, which keeps the contract for us.
            ready!(self.sleep.as_mut().poll(cx));
            self.slept = true;
        }
        // YieldOnce is Unpin, so `Pin::new` can pin a plain `&mut` to it: no Box, no macro.
        Pin::new(&mut self.then).poll(cx)
    }
}

/// A value that runs again every time it is awaited, like a Python class whose `__await__` starts
/// the work afresh. `.await` calls `IntoFuture::into_future` first; `Ping` is `Copy`, so awaiting
/// it copies it, and it is still there to await again.
///
/// ```python
/// class Ping:
///     def __await__(self):
///         return sleep_then_yield(self.delay).__await__()
/// ```
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

/// 1. Await the hand-written future and watch the runtime poll it: Pending, then Ready(1).
pub async fn yield_once_by_hand() -> (u32, Vec<String>) {
    let watch = Stopwatch::start();
    let log = PollLog::default();
    let value = Traced::new("yield_once", YieldOnce::default(), watch, log.clone()).await;
    watch.say(format!("`.await` gave {value}"));
    (value, log.lines())
}

/// What became of the future that forgot to wake.
#[derive(Debug)]
pub struct Forgotten {
    /// Its value, had it ever finished.
    pub value: Option<u32>,
    /// Every poll it received.
    pub polls: Vec<String>,
    /// How long we waited before giving up.
    pub waited: Duration,
}

/// 2. The forgetful future in a task of its own: polled once, then never again. We give up after
///    `limit` and abort the task. (Inside a `timeout` in *this* task it would be rescued by the
///    timer's wake: see the tests. A bug that only shows up alone.)
pub async fn forgetting_the_waker(limit: Duration) -> Forgotten {
    let watch = Stopwatch::start();
    let log = PollLog::default();
    let mut task = tokio::spawn(Traced::new(
        "forgetful",
        ForgetfulYield::default(),
        watch,
        log.clone(),
    ));
    let value = match tokio::time::timeout(limit, &mut task).await {
        Ok(Ok(value)) => Some(value),
        Ok(Err(join_error)) => {
            watch.say(format!("the task failed: {join_error}"));
            None
        }
        Err(_elapsed) => {
            watch.say(format!(
                "still Pending after {limit:?}: nobody will wake it, so nobody polls it; aborting"
            ));
            task.abort();
            None
        }
    };
    Forgotten {
        value,
        polls: log.lines(),
        waited: watch.elapsed(),
    }
}

/// 3. A future made of a sleep and a `YieldOnce`: three polls (start the sleep, the timer's wake,
///    YieldOnce's own wake), and the time is the sleep's.
pub async fn composed_future(delay: Duration) -> (u32, Vec<String>, Duration) {
    let watch = Stopwatch::start();
    let log = PollLog::default();
    let future = Traced::new(
        "sleep_then_yield",
        SleepThenYield::new(delay),
        watch,
        log.clone(),
    );
    let value = future.await;
    (value, log.lines(), watch.elapsed())
}

/// 4. Poll one future *by reference* across several timeouts: it keeps its progress.
///
/// `timeout(d, fut)` would move `fut` in and drop it on timeout (Python's `wait_for` cancels it
/// too, unless shielded). Passing `job.as_mut()` lends it instead, and lending a future to be
/// polled requires it pinned: `pin!` fixes it in this stack frame for the rest of the function.
pub async fn keep_polling_a_pinned_future(
    patience: Duration,
    work: Duration,
) -> (u32, Vec<String>, Duration) {
    let watch = Stopwatch::start();
    let job = async move {
        tokio::time::sleep(work).await;
        42
    };
    // An `async` block is !Unpin (it may hold references into itself across an await).
    // Without this line, `timeout(patience, &mut job)` does not compile: "cannot be unpinned"
    // (see tests/ui/unpinned_by_reference.rs).
    let mut job = pin!(job);
    let mut events = Vec::new();
    let value = loop {
        match tokio::time::timeout(patience, job.as_mut()).await {
            Ok(value) => break value,
            Err(_elapsed) => events.push(watch.say("not ready yet; keep the same future")),
        }
    };
    events.push(watch.say(format!("ready: {value} (the sleep was never restarted)")));
    (value, events, watch.elapsed())
}

/// 5. Await the same `Ping` `times` times: each `.await` runs it afresh. (A plain future is
///    consumed by `.await`: awaiting it twice does not compile, see tests/ui/await_twice.rs.)
pub async fn awaiting_a_reusable_value(ping: Ping, times: usize) -> (Vec<u32>, Duration) {
    let watch = Stopwatch::start();
    let mut values = Vec::new();
    for round in 1..=times {
        let value = ping.await; // `ping` is Copy: into_future gets a copy, `ping` stays usable
        watch.say(format!("await #{round} of the same Ping -> {value}"));
        values.push(value);
    }
    (values, watch.elapsed())
}

// One thread, like asyncio's event loop.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    workshop::banner!();

    println!("── 1. YieldOnce: Pending once (waking itself), then Ready(1)");
    yield_once_by_hand().await;

    println!("\n── 2. DELIBERATELY WRONG: Pending without arranging a wake");
    forgetting_the_waker(Duration::from_millis(300)).await;

    println!("\n── 3. A composed future: sleep 0.5 s, then YieldOnce");
    composed_future(Duration::from_millis(500)).await;

    println!("\n── 4. A pinned future polled by reference: timeouts every 0.2 s, work of 0.5 s");
    keep_polling_a_pinned_future(Duration::from_millis(200), Duration::from_millis(500)).await;

    println!("\n── 5. IntoFuture: the same value awaited three times runs three times");
    let ping = Ping {
        delay: Duration::from_millis(200),
    };
    awaiting_a_reusable_value(ping, 3).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::{Instant, advance};
    use tokio_test::{assert_pending, assert_ready_eq, task};
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

    #[test]
    fn forgetful_future_answers_pending_without_a_wake() {
        let mut future = task::spawn(ForgetfulYield::default());
        assert_pending!(future.poll());
        assert!(!future.is_woken(), "nothing arranged a wake");
        // Only a poll nobody asked for would finish it.
        assert_ready_eq!(future.poll(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn awaiting_yield_once_takes_two_polls_and_no_time() {
        within(LIMIT, "yield_once_by_hand", async {
            let (value, polls) = yield_once_by_hand().await;
            assert_eq!(value, 1);
            assert_eq!(
                polls,
                [
                    "[ 0.00s] yield_once: poll #1 -> Pending",
                    "[ 0.00s] yield_once: poll #2 -> Ready(1)",
                ]
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn forgetful_future_hangs_in_a_task_of_its_own() {
        within(LIMIT, "forgetting_the_waker", async {
            let limit = Duration::from_secs(5);
            let forgotten = forgetting_the_waker(limit).await;
            assert_eq!(forgotten.value, None);
            assert_eq!(
                forgotten.polls,
                ["[ 0.00s] forgetful: poll #1 -> Pending"],
                "polled once, never again"
            );
            assert_eq!(forgotten.waited, limit);
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
            assert_pending!(future.poll()); // the sleep starts
            advance(delay - Duration::from_millis(1)).await;
            assert!(!future.is_woken(), "woken before the sleep was over");
            advance(Duration::from_millis(1)).await;
            assert!(future.is_woken(), "the timer keeps the contract");
            assert_pending!(future.poll()); // the sleep is over; YieldOnce yields
            assert!(future.is_woken(), "YieldOnce woke itself");
            assert_ready_eq!(future.poll(), 1);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn composed_future_takes_three_polls_and_the_sleeps_time() {
        within(LIMIT, "composed_future", async {
            let (value, polls, elapsed) = composed_future(Duration::from_millis(750)).await;
            assert_eq!(value, 1);
            assert_eq!(
                polls,
                [
                    "[ 0.00s] sleep_then_yield: poll #1 -> Pending",
                    "[ 0.75s] sleep_then_yield: poll #2 -> Pending",
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
            let (value, events, elapsed) =
                keep_polling_a_pinned_future(Duration::from_millis(200), work).await;
            assert_eq!(value, 42);
            assert_eq!(
                events,
                [
                    "[ 0.20s] not ready yet; keep the same future",
                    "[ 0.40s] not ready yet; keep the same future",
                    "[ 0.50s] ready: 42 (the sleep was never restarted)",
                ]
            );
            // Restarted on each timeout, it would never finish; resumed, it takes `work`.
            assert_eq!(elapsed, work);
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
