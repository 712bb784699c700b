//! Part 09 — async generators (Python: PEP 525 async generators and async comprehensions).
//!
//! Part 08 wrote a Stream by hand, as a state machine. async-stream's `stream!` macro writes that
//! state machine from generator-like code with `yield`; `try_stream!` adds `?`. Python's async
//! comprehensions become `StreamExt` combinators (`map`, `filter`, `take`, `then`). Breaking out
//! early drops the generator, and the `Drop` guards in it run at once. tokio-stream adds
//! time-aware helpers (`merge`, and `timeout`, which reports a slow item but cancels nothing).
//!
//! Run it: `make part_09` (or `cargo run -p part_09`). Tests: `cargo test -p part_09`.

use std::future::ready;
use std::num::ParseIntError;
use std::pin::pin;
use std::time::Duration;

use async_stream::{stream, try_stream};
use futures::{Stream, StreamExt, TryStreamExt};
use tokio::time::sleep;
use workshop::{Stopwatch, Trace};

/// Python:
///
/// ```python
/// async def count_up(last, delay):
///     for i in range(last + 1):
///         await asyncio.sleep(delay)
///         yield i
/// ```
///
/// `stream!` turns the block into a Stream (a state machine like part 08's `CountUp`). The block
/// runs only when the stream is polled, and pauses at each `yield` until the next poll.
pub fn count_up(last: u32, delay: Duration) -> impl Stream<Item = u32> {
    stream! {
        for i in 0..=last {
            sleep(delay).await;
            yield i;
        }
    }
}

/// A generator that can fail: `try_stream!` yields `Ok(item)`, and `?` yields the `Err` and ends
/// the stream, like an exception raised inside a Python async generator ends the `async for`.
///
/// ```python
/// async def parse_all(lines, delay):
///     for line in lines:
///         await asyncio.sleep(delay)
///         yield int(line)        # ValueError: the generator is over
/// ```
pub fn parse_all(
    lines: Vec<&'static str>,
    delay: Duration,
) -> impl Stream<Item = Result<u32, ParseIntError>> {
    try_stream! {
        for line in lines {
            sleep(delay).await;
            let number: u32 = line.trim().parse()?;
            yield number;
        }
    }
}

/// 1. `async for i in count_up(...)`. A `stream!` stream is !Unpin (its state holds the sleep
///    in progress), so pin it before `.next()`.
pub async fn async_generator(last: u32, delay: Duration) -> (Vec<u32>, Duration) {
    let watch = Stopwatch::start();
    let mut numbers = pin!(count_up(last, delay));
    let mut seen = Vec::new();
    while let Some(i) = numbers.next().await {
        watch.say(format!("got {i}"));
        seen.push(i);
    }
    (seen, watch.elapsed())
}

/// 2. The fallible generator, consumed item by item, then with `try_collect` (which stops at the
///    first error, like a list comprehension over it would raise).
///    Returns each item (errors as text), the time that took, and what `try_collect` gave.
pub async fn fallible_generator(lines: Vec<&'static str>, delay: Duration) -> Parsed {
    let watch = Stopwatch::start();
    let mut parsed = pin!(parse_all(lines.clone(), delay));
    let mut items = Vec::new();
    while let Some(item) = parsed.next().await {
        let item = item.map_err(|e| e.to_string());
        watch.say(format!("got {item:?}"));
        items.push(item);
    }
    watch.say("the stream ended after the error: the lines after it were never read");
    let elapsed = watch.elapsed();

    let collected = parse_all(lines, delay)
        .try_collect::<Vec<u32>>()
        .await
        .map_err(|e| e.to_string());
    watch.say(format!("try_collect -> {collected:?}"));
    (items, elapsed, collected)
}

type Parsed = (Vec<Result<u32, String>>, Duration, Result<Vec<u32>, String>);

/// One comprehension, timed and printed next to its Python.
async fn timed(watch: Stopwatch, python: &str, values: impl Future<Output = Vec<u32>>) -> Timed {
    let start = watch.elapsed();
    let values = values.await;
    let elapsed = watch.elapsed() - start;
    let secs = elapsed.as_secs_f64();
    watch.say(format!("{python:<44} -> {values:?} in {secs:.2}s"));
    (values, elapsed)
}

type Timed = (Vec<u32>, Duration);

/// 3. Python's async comprehensions as combinators. Each consumes a fresh generator: like a
///    Python async generator, a stream can only be consumed once.
pub async fn comprehensions(last: u32, delay: Duration) -> Vec<Timed> {
    let watch = Stopwatch::start();
    let generator = || count_up(last, delay);
    let mut results = Vec::new();
    let tens = generator().map(|i| i * 10).collect();
    results.push(timed(watch, "[i * 10 async for i in count_up()]", tens).await);
    // futures' `filter` takes a closure returning a future (it may await); `ready` wraps a bool.
    let evens = generator().filter(|i| ready(i % 2 == 0)).collect();
    results.push(timed(watch, "[i async for i in count_up() if i % 2 == 0]", evens).await);
    // `take(3)` stops polling after three items: the sleeps for the rest never happen. The
    // generator is dropped with the `Take` (Python: break out of the async for; section 4).
    let first3 = generator().take(3).collect();
    results.push(timed(watch, "first 3 of count_up(), then break", first3).await);
    // An await inside the comprehension: `then`. (`map(double)` would give a stream of futures
    // that nobody awaits: tests/ui/async_map_needs_then.rs.)
    let twice = generator().then(double).collect();
    results.push(timed(watch, "[await double(i) async for i in count_up()]", twice).await);
    results
}

/// An async function to call from a comprehension.
async fn double(i: u32) -> u32 {
    tokio::task::yield_now().await;
    i * 2
}

/// A guard that says when it is dropped: a generator's `finally`, for synchronous cleanup.
struct Finally(Trace);

impl Drop for Finally {
    fn drop(&mut self) {
        self.0
            .say("generator dropped: its Drop guard ran (its `finally`)");
    }
}

/// `count_up` with a guard inside. Python:
///
/// ```python
/// async def guarded_count_up(last, delay):
///     try:
///         for i in range(last + 1):
///             await asyncio.sleep(delay)
///             yield i
///     finally:
///         print("finally")  # at aclose(), or in a task the loop starts after GC
/// ```
pub fn guarded_count_up(last: u32, delay: Duration, trace: Trace) -> impl Stream<Item = u32> {
    stream! {
        let _finally = Finally(trace); // lives in the generator's state, dropped with it
        for i in 0..=last {
            sleep(delay).await;
            yield i;
        }
    }
}

/// 4. Breaking out early stops polling the generator: the rest of its body never runs. Dropping
///    it runs every `Drop` in its state, at once, before the next line of the caller. Python
///    runs `finally` later: at `aclose()`, or in a task the loop starts once the generator is
///    garbage collected (`contextlib.aclosing` makes it prompt).
pub async fn breaking_early(delay: Duration) -> (Vec<String>, Duration) {
    let trace = Trace::start();
    let mut numbers = Box::pin(guarded_count_up(10, delay, trace.clone()));
    while let Some(i) = numbers.next().await {
        trace.say(format!("got {i}"));
        if i == 2 {
            trace.say("break");
            break;
        }
    }
    drop(numbers); // what the end of the scope would do
    trace.say("after the loop");
    (trace.messages(), trace.watch().elapsed())
}

/// 5. tokio-stream's time-aware helpers. tokio-stream has a `StreamExt` of its own, with
///    methods of the same names as futures' (`map`, `next`...): import one trait per module, or
///    the calls are ambiguous.
pub mod with_tokio_stream {
    use std::time::Duration;

    use async_stream::stream;
    use futures::Stream;
    use tokio::time::sleep;
    use tokio_stream::StreamExt;
    use workshop::{Stopwatch, Trace};

    use super::count_up;

    /// Item `i` comes `gaps[i]` after the one before.
    fn slower_and_slower(gaps: Vec<Duration>) -> impl Stream<Item = u32> {
        stream! {
            for (i, gap) in (0u32..).zip(gaps) {
                sleep(gap).await;
                yield i;
            }
        }
    }

    /// `merge`: two generators consumed at once, items in the order they arrive. Python needs
    /// a queue and two tasks (or aiostream) for this.
    pub async fn merged(fast: Duration, slow: Duration) -> (Vec<String>, Duration) {
        let watch = Stopwatch::start();
        let fast = count_up(5, fast).map(|i| format!("fast {i}"));
        let slow = count_up(1, slow).map(|i| format!("slow {i}"));
        let mut merged = std::pin::pin!(fast.merge(slow));
        let mut seen = Vec::new();
        while let Some(item) = merged.next().await {
            watch.say(&item);
            seen.push(item);
        }
        (seen, watch.elapsed())
    }

    /// `timeout`: an `Err(Elapsed)` item when the next item takes longer than `limit`;
    /// `take_while` stops at the first one, and dropping the stream stops the generator.
    pub async fn slowing_down(gaps: Vec<Duration>, limit: Duration) -> (Vec<u32>, Duration) {
        let watch = Stopwatch::start();
        let within_limit = slower_and_slower(gaps)
            .timeout(limit)
            .take_while(Result::is_ok);
        let mut within_limit = std::pin::pin!(within_limit);
        let mut seen = Vec::new();
        while let Some(Ok(i)) = within_limit.next().await {
            watch.say(format!("got {i}"));
            seen.push(i);
        }
        watch.say(format!("the next item took longer than {limit:?}: stop"));
        (seen, watch.elapsed())
    }

    /// `timeout` alone cancels nothing. `Err(Elapsed)` is an item, not the end; the generator
    /// keeps running, and the late item still comes through after it (one `Elapsed` per gap: the
    /// timer restarts when an item arrives). Python's `asyncio.timeout` around `anext(agen)`
    /// cancels the pending `__anext__`: the CancelledError ends the generator (its `finally`
    /// runs), and the next `anext` raises StopAsyncIteration.
    pub async fn late_items_still_arrive(gaps: Vec<Duration>, limit: Duration) -> Trace {
        let trace = Trace::start();
        let mut items = std::pin::pin!(slower_and_slower(gaps).timeout(limit));
        while let Some(item) = items.next().await {
            match item {
                Ok(i) => trace.say(format!("got {i}")),
                Err(elapsed) => trace.say(format!("Err({elapsed}) after {limit:?}; keep going")),
            };
        }
        trace.say("None: the stream is over");
        trace
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    workshop::banner!();
    let tenth = Duration::from_millis(100);

    println!("── 1. stream!: an async generator, 0..=10 with 0.1 s before each");
    async_generator(10, tenth).await;

    println!("\n── 2. try_stream! and `?`: the first error ends the generator");
    let _printed_above = fallible_generator(vec!["1", "2", "three", "4"], tenth).await;

    println!("\n── 3. Async comprehensions over count_up() = 0..=5, 0.1 s each");
    comprehensions(5, tenth).await;

    println!("\n── 4. Breaking out after 3 items: the generator's Drop guard runs at once");
    breaking_early(tenth).await;

    println!("\n── 5a. tokio-stream merge: fast (every 0.1 s) and slow (every 0.35 s) together");
    with_tokio_stream::merged(tenth, Duration::from_millis(350)).await;

    println!("\n── 5b. tokio-stream timeout: gaps of 0.1, 0.2, 0.4, 0.8 s; give up after 0.3 s");
    let gaps = [100, 200, 400, 800].map(Duration::from_millis).to_vec();
    let limit = Duration::from_millis(300);
    with_tokio_stream::slowing_down(gaps.clone(), limit).await;

    println!("\n── 5c. The same without take_while: the late items still arrive");
    with_tokio_stream::late_items_still_arrive(gaps, limit).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    const LIMIT: Duration = Duration::from_secs(30);
    const TENTH: Duration = Duration::from_millis(100);

    #[tokio::test(start_paused = true)]
    async fn stream_macro_yields_0_to_10_in_1_1_seconds() {
        within(LIMIT, "async_generator", async {
            let (seen, elapsed) = async_generator(10, TENTH).await;
            assert_eq!(seen, (0..=10).collect::<Vec<_>>());
            assert_eq!(elapsed, Duration::from_millis(1100));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn try_stream_ends_at_the_first_error() {
        within(LIMIT, "fallible_generator", async {
            let (items, elapsed, collected) =
                fallible_generator(vec!["1", " 2 ", "three", "4"], TENTH).await;
            assert_eq!(items.len(), 3, "{items:?}");
            assert_eq!(items[..2], [Ok(1), Ok(2)]);
            let error = items[2].as_ref().expect_err("third line is not a number");
            assert!(error.contains("invalid digit"), "{error}");
            // "4" was never read: three sleeps, not four.
            assert_eq!(elapsed, TENTH * 3);
            assert_eq!(collected, Err(error.clone()));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn try_collect_gathers_everything_when_nothing_fails() {
        within(LIMIT, "parse_all", async {
            let numbers: Result<Vec<u32>, _> =
                parse_all(vec!["7", "8", "9"], TENTH).try_collect().await;
            assert_eq!(numbers, Ok(vec![7, 8, 9]));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn comprehensions_give_the_values_and_take_stops_early() {
        within(LIMIT, "comprehensions", async {
            let results = comprehensions(5, TENTH).await;
            let values: Vec<&[u32]> = results
                .iter()
                .map(|(values, _)| values.as_slice())
                .collect();
            assert_eq!(
                values,
                [
                    &[0, 10, 20, 30, 40, 50][..],
                    &[0, 2, 4],
                    &[0, 1, 2],
                    &[0, 2, 4, 6, 8, 10],
                ]
            );
            let elapsed: Vec<Duration> = results.iter().map(|(_, elapsed)| *elapsed).collect();
            // The whole generator (6 × 0.1 s), except take(3): 3 × 0.1 s, the rest never ran.
            assert_eq!(elapsed, [TENTH * 6, TENTH * 6, TENTH * 3, TENTH * 6]);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn take_stops_polling_and_the_generator_is_dropped_with_the_take() {
        within(LIMIT, "take(3) of a guarded generator", async {
            let trace = Trace::start();
            let mut first3 = Box::pin(guarded_count_up(10, TENTH, trace.clone()).take(3));
            let mut got = Vec::new();
            while let Some(i) = first3.next().await {
                got.push(i);
            }
            assert_eq!(got, [0, 1, 2]);
            assert_eq!(
                trace.watch().elapsed(),
                TENTH * 3,
                "the rest was never polled"
            );
            // Done, but not dropped: the generator lives on inside the `Take`...
            assert_eq!(trace.messages(), Vec::<String>::new());
            // ...until the `Take` goes.
            drop(first3);
            let dropped = "generator dropped: its Drop guard ran (its `finally`)";
            assert_eq!(trace.messages(), [dropped]);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn breaking_early_runs_the_generators_drop_guard_at_once() {
        within(LIMIT, "breaking_early", async {
            let (messages, elapsed) = breaking_early(TENTH).await;
            assert_eq!(
                messages,
                [
                    "got 0",
                    "got 1",
                    "got 2",
                    "break",
                    "generator dropped: its Drop guard ran (its `finally`)",
                    "after the loop",
                ]
            );
            assert_eq!(elapsed, TENTH * 3, "the rest of the generator never ran");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn merge_interleaves_by_arrival_and_takes_the_longer_time() {
        within(LIMIT, "merged", async {
            let (seen, elapsed) =
                with_tokio_stream::merged(TENTH, Duration::from_millis(350)).await;
            assert_eq!(
                seen,
                [
                    "fast 0", "fast 1", "fast 2", "slow 0", "fast 3", "fast 4", "fast 5", "slow 1",
                ]
            );
            // Side by side: the slow one's 0.7 s, not 0.6 s + 0.7 s.
            assert_eq!(elapsed, Duration::from_millis(700));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn timeout_stops_at_the_first_slow_item() {
        within(LIMIT, "slowing_down", async {
            let gaps = [100, 200, 400, 800].map(Duration::from_millis).to_vec();
            let limit = Duration::from_millis(300);
            let (seen, elapsed) = with_tokio_stream::slowing_down(gaps, limit).await;
            assert_eq!(seen, [0, 1]);
            // Item 1 at 0.3 s, then 0.3 s of waiting for item 2: 0.6 s.
            assert_eq!(elapsed, Duration::from_millis(600));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn timeout_cancels_nothing_the_late_item_still_comes_through() {
        within(LIMIT, "late_items_still_arrive", async {
            let gaps = [100, 200, 400, 800].map(Duration::from_millis).to_vec();
            let limit = Duration::from_millis(300);
            let trace = with_tokio_stream::late_items_still_arrive(gaps, limit).await;
            let events: Vec<(u128, String)> = trace
                .events_with_time()
                .into_iter()
                .map(|(at, message)| (at.as_millis(), message))
                .collect();
            let elapsed = "Err(deadline has elapsed) after 300ms; keep going";
            assert_eq!(
                events,
                [
                    (100, "got 0".to_string()),
                    (300, "got 1".to_string()),
                    (600, elapsed.to_string()),
                    (700, "got 2".to_string()), // late, but not lost: 0.3 s + its 0.4 s gap
                    (1000, elapsed.to_string()),
                    (1500, "got 3".to_string()),
                    (1500, "None: the stream is over".to_string()),
                ]
            );
        })
        .await;
    }
}
