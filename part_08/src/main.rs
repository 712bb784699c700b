//! Part 08 — async iterators are Streams (Python: `__aiter__` / `__anext__` /
//! `StopAsyncIteration`).
//!
//! A `futures::Stream` written by hand: `poll_next` is `__anext__`, `Poll::Ready(Some(x))` is
//! "here is the next item", `Poll::Ready(None)` is `StopAsyncIteration`, and `Poll::Pending` is
//! "not yet, I will wake you". The stream yields 0..=10 with a 0.1 s sleep before each item; it
//! is consumed with `while let Some(x) = stream.next().await`, Rust's `async for`.
//!
//! Run it: `make part_08` (or `cargo run -p part_08`). Tests: `cargo test -p part_08`.

use std::future::Future as _; // for `sleep.as_mut().poll(cx)`
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::{Stream, StreamExt};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};
use workshop::Stopwatch;

pin_project! {
    /// Counts from 0 to `last`, sleeping `delay` before each number. Python:
    ///
    /// ```python
    /// class CountUp:
    ///     def __init__(self, last, delay):
    ///         self.next, self.last, self.delay = 0, last, delay
    ///     def __aiter__(self):
    ///         return self
    ///     async def __anext__(self):
    ///         if self.next > self.last:
    ///             raise StopAsyncIteration
    ///         await asyncio.sleep(self.delay)
    ///         self.next += 1
    ///         return self.next - 1
    /// ```
    ///
    /// Python's `__anext__` is a coroutine that keeps its place between awaits by itself. Rust's
    /// `poll_next` is a plain function called again and again, so the place is kept in fields:
    /// a small state machine (`Idle` -> `Sleeping` -> item -> `Idle` ... -> `Done`).
    pub struct CountUp {
        next: u32,
        last: u32,
        delay: Duration,
        state: State,
        // The one timer, reused for every item (`Sleep::reset`). `Sleep` is !Unpin, so it is a
        // `#[pin]` field and this struct is !Unpin too: pin it before calling `.next()`.
        #[pin]
        sleep: Sleep,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between items: the next poll starts the sleep.
    Idle,
    /// Waiting for the timer; the timer holds our waker.
    Sleeping,
    /// Past `last`: every poll answers `Ready(None)` from now on.
    Done,
}

impl CountUp {
    /// Creating it starts nothing: the first sleep begins at the first poll (streams are lazy).
    pub fn new(last: u32, delay: Duration) -> Self {
        Self {
            next: 0,
            last,
            delay,
            state: State::Idle,
            sleep: tokio::time::sleep(Duration::ZERO),
        }
    }
}

impl Stream for CountUp {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        let mut this = self.project();
        loop {
            match *this.state {
                State::Done => return Poll::Ready(None), // raise StopAsyncIteration
                State::Idle if *this.next > *this.last => *this.state = State::Done,
                State::Idle => {
                    this.sleep.as_mut().reset(Instant::now() + *this.delay);
                    *this.state = State::Sleeping;
                }
                State::Sleeping => {
                    // Pending here returns at once; the timer wakes the task when it fires.
                    ready!(this.sleep.as_mut().poll(cx));
                    *this.state = State::Idle;
                    let item = *this.next;
                    *this.next += 1;
                    return Poll::Ready(Some(item));
                }
            }
        }
    }

    /// How many items are left (here exactly): a hint, never enforced. Adapters pass it on (`map`
    /// keeps it, `take(n)` caps it, `filter` keeps only the upper bound), and a consumer may use it
    /// to reserve room: tokio-stream's `collect` sizes its Vec by the lower bound. futures'
    /// `collect` does not read it: it starts from an empty collection and extends it item by item.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = match self.state {
            State::Done => 0,
            _ => (self.last + 1).saturating_sub(self.next) as usize,
        };
        (left, Some(left))
    }
}

/// 1. `async for x in CountUp(10, 0.1)`: `while let Some(x) = stream.next().await`.
pub async fn async_for(last: u32, delay: Duration) -> (Vec<u32>, Duration) {
    let watch = Stopwatch::start();
    // `.next()` needs `Unpin` (it polls the stream through `&mut`); CountUp holds a Sleep, so
    // pin it first. `pin!` keeps it on the stack; `Box::pin` would put it on the heap.
    let mut stream = std::pin::pin!(CountUp::new(last, delay));
    let mut seen = Vec::new();
    while let Some(x) = stream.next().await {
        watch.say(format!("got {x}"));
        seen.push(x);
    }
    watch.say("None: the stream is over (StopAsyncIteration)");
    (seen, watch.elapsed())
}

/// 2. After the end, `poll_next` keeps answering `Ready(None)` (this one does; the Stream
///    contract does not require it: `.fuse()` makes any stream behave so).
pub async fn after_the_end() -> Vec<Option<u32>> {
    let watch = Stopwatch::start();
    let mut stream = Box::pin(CountUp::new(1, Duration::from_millis(100)));
    let mut answers = Vec::new();
    for _ in 0..4 {
        let answer = stream.next().await;
        watch.say(format!(
            "next() -> {answer:?}, size_hint {:?}",
            stream.size_hint()
        ));
        answers.push(answer);
    }
    answers
}

/// 3. Streams are lazy: nothing happens until someone polls. The stream is created, we do other
///    work for `idle`, and the first item still comes `delay` after the first `.next()`.
pub async fn streams_are_lazy(idle: Duration, delay: Duration) -> Duration {
    let watch = Stopwatch::start();
    let mut stream = Box::pin(CountUp::new(10, delay));
    watch.say("stream created");
    tokio::time::sleep(idle).await;
    watch.say("first .next()");
    let first = stream.next().await;
    watch.say(format!("got {first:?}"));
    watch.elapsed()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    workshop::banner!();

    println!("── 1. while let Some(x) = stream.next().await   (Python: async for x in ...)");
    async_for(10, Duration::from_millis(100)).await;

    println!("\n── 2. Polling past the end: Ready(None), again and again");
    after_the_end().await;

    println!("\n── 3. Lazy: created at 0.00s, first polled at 0.50s");
    streams_are_lazy(Duration::from_millis(500), Duration::from_millis(100)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::advance;
    use tokio_test::{assert_pending, assert_ready_eq, task};
    use workshop::testing::within;

    const LIMIT: Duration = Duration::from_secs(30);

    #[tokio::test(start_paused = true)]
    async fn yields_0_to_10_with_a_tenth_of_a_second_before_each() {
        within(LIMIT, "async_for", async {
            let (seen, elapsed) = async_for(10, Duration::from_millis(100)).await;
            assert_eq!(seen, (0..=10).collect::<Vec<_>>());
            assert_eq!(elapsed, Duration::from_millis(1100));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn poll_next_step_by_step() {
        within(LIMIT, "CountUp polled by hand", async {
            let delay = Duration::from_millis(100);
            let mut stream = task::spawn(CountUp::new(1, delay));
            assert_pending!(stream.poll_next()); // starts the first sleep
            advance(delay / 2).await;
            assert!(!stream.is_woken());
            advance(delay / 2).await;
            assert!(stream.is_woken(), "the timer wakes the task");
            assert_ready_eq!(stream.poll_next(), Some(0));
            assert_pending!(stream.poll_next()); // the next sleep
            advance(delay).await;
            assert_ready_eq!(stream.poll_next(), Some(1));
            // StopAsyncIteration, at once: no sleep before the end.
            assert_ready_eq!(stream.poll_next(), None);
            assert_ready_eq!(stream.poll_next(), None);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn keeps_answering_none_after_the_end() {
        within(LIMIT, "after_the_end", async {
            assert_eq!(after_the_end().await, [Some(0), Some(1), None, None]);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn size_hint_counts_down_to_zero() {
        within(LIMIT, "size_hint", async {
            let mut stream = Box::pin(CountUp::new(2, Duration::from_millis(1)));
            let mut hints = vec![stream.size_hint()];
            while stream.next().await.is_some() {
                hints.push(stream.size_hint());
            }
            hints.push(stream.size_hint());
            assert_eq!(
                hints,
                [
                    (3, Some(3)),
                    (2, Some(2)),
                    (1, Some(1)),
                    (0, Some(0)),
                    (0, Some(0))
                ]
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn adapters_pass_the_size_hint_on() {
        within(LIMIT, "size_hint through adapters", async {
            let count_up = || CountUp::new(10, Duration::from_millis(1));
            assert_eq!(count_up().size_hint(), (11, Some(11)));
            assert_eq!(count_up().map(|x| x * 2).size_hint(), (11, Some(11)));
            assert_eq!(count_up().take(3).size_hint(), (3, Some(3)));
            let evens = count_up().filter(|x| std::future::ready(x % 2 == 0));
            assert_eq!(
                evens.size_hint(),
                (0, Some(11)),
                "filter knows only the upper bound"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_tokio_sleep_fixes_its_deadline_when_created_not_when_polled() {
        within(LIMIT, "sleep created before it is awaited", async {
            let start = Instant::now();
            let sleep = tokio::time::sleep(Duration::from_millis(500));
            advance(Duration::from_millis(500)).await; // nobody polls the sleep meanwhile
            sleep.await;
            assert_eq!(
                start.elapsed(),
                Duration::from_millis(500),
                "it did not start over"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_runs_until_the_first_poll() {
        within(LIMIT, "streams_are_lazy", async {
            let idle = Duration::from_millis(500);
            let delay = Duration::from_millis(100);
            // A timer armed at creation would fire during the idle time: first item at 0.5 s.
            assert_eq!(streams_are_lazy(idle, delay).await, idle + delay);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn combinators_work_on_a_hand_written_stream() {
        within(LIMIT, "CountUp with StreamExt", async {
            let start = Instant::now();
            let squares: Vec<u32> = CountUp::new(4, Duration::from_millis(100))
                .map(|x| x * x)
                .collect()
                .await;
            assert_eq!(squares, [0, 1, 4, 9, 16]);
            assert_eq!(start.elapsed(), Duration::from_millis(500));
        })
        .await;
    }
}
