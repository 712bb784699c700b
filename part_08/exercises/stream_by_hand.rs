//! Exercise (part 08): a Stream by hand.
//!
//! Write `poll_next` for `Countdown`, a stream that counts down from `from` to 1: the first
//! number at once, then one number per `tick`, then the end. Python:
//!
//! ```python
//! class Countdown:
//!     def __init__(self, start, tick):
//!         self.left, self.tick, self.first = start, tick, True
//!     def __aiter__(self):
//!         return self
//!     async def __anext__(self):
//!         if self.left == 0:
//!             raise StopAsyncIteration       # at once: no tick before the end
//!         if not self.first:
//!             await asyncio.sleep(self.tick)
//!         self.first = False
//!         self.left -= 1
//!         return self.left + 1
//! ```
//!
//! Part 08's `CountUp` is the model: `poll_next` cannot await, so it keeps its place in fields
//! and polls the `Sleep` it owns (pinned, through pin-project-lite's `project()`), answering
//! `Ready(Some(n))`, `Pending` while the timer runs, and `Ready(None)` at the end (the
//! `StopAsyncIteration`). After the end it keeps answering `Ready(None)` (it is fused). Also
//! write `size_hint`: exactly how many numbers are left.
//!
//! The tests, on tokio's paused clock: the numbers in order; when each one comes, also for a
//! consumer that takes its time before it asks (the first at once, however late the first poll;
//! each next one a tick after it was asked for); polls by hand with a waker of their own (a poll
//! half-way through a tick leaves the `Sleep`'s deadline alone, and the `Sleep` wakes that waker
//! when the tick is over); polls past the end; and `size_hint` along the way.
//!
//! Check it: `cargo exercise check stream_by_hand` (or save the file while `make exercise` runs).

use std::future::Future as _; // for `sleep.as_mut().poll(cx)`
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::{Stream, StreamExt};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

pin_project! {
    /// `from`, `from - 1`, ..., 1: the first at once, the next ones `tick` apart.
    pub struct Countdown {
        // The next number to yield; 0 once the countdown is over.
        left: u32,
        tick: Duration,
        state: State,
        // The one timer, reset before each tick. `Sleep` is !Unpin, so it is a `#[pin]` field:
        // `self.project()` hands it out as `Pin<&mut Sleep>`, ready to poll.
        #[pin]
        sleep: Sleep,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing yielded yet: the first number comes without a tick.
    First,
    /// Between numbers: the next poll starts the tick.
    Idle,
    /// Waiting for the tick; the timer holds our waker.
    Ticking,
}

impl Countdown {
    /// Starts no timer: like any stream, nothing happens before the first poll.
    pub fn new(from: u32, tick: Duration) -> Self {
        Self {
            left: from,
            tick,
            state: State::First,
            sleep: tokio::time::sleep(Duration::ZERO),
        }
    }
}

impl Stream for Countdown {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        // TODO: `let mut this = self.project();` then, by `this.state`: the first number at once;
        // between numbers, reset the sleep to `Instant::now() + tick` and poll it (`ready!`
        // returns Pending for you); `Ready(None)` as soon as nothing is left, and ever after.
        todo!("yield the next number, wait for the tick, or end")
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // TODO: (lower bound, upper bound) of the numbers left: here both are exact.
        todo!("how many numbers are left")
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let start = Instant::now();
    let mut countdown = std::pin::pin!(Countdown::new(3, Duration::from_millis(500)));
    while let Some(n) = countdown.next().await {
        println!("[{:.2}s] {n}", start.elapsed().as_secs_f64());
    }
    println!("[{:.2}s] liftoff", start.elapsed().as_secs_f64());
}

// The tests `cargo exercise check` runs: part_08/checks/stream_by_hand.rs.
#[cfg(test)]
#[path = "../checks/stream_by_hand.rs"]
mod checks;
