//! The checks of `stream_by_hand`: `cargo exercise check stream_by_hand` runs them against
//! part_08/exercises/stream_by_hand.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::task::{ArcWake, waker};

use super::*;
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(60);

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// A waker the test owns: it counts the wake-ups it receives.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl ArcWake for Wakes {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn collects_the_numbers_in_order() {
    within(LIMIT, "Countdown::new(...).collect()", async {
        for (from, tick) in [(3, ms(1000)), (5, ms(250)), (1, ms(700))] {
            let numbers: Vec<u32> = Countdown::new(from, tick).collect().await;
            let expected: Vec<u32> = (1..=from).rev().collect();
            assert_eq!(
                numbers, expected,
                "a countdown from {from} yields {expected:?} and then Ready(None)"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_first_at_once_then_one_per_tick_and_the_end_at_once() {
    within(LIMIT, "Countdown polled with next()", async {
        for (from, tick) in [(3, ms(1000)), (4, ms(250))] {
            let start = Instant::now();
            let mut countdown = Box::pin(Countdown::new(from, tick));
            let mut seen = Vec::new();
            while let Some(n) = countdown.next().await {
                seen.push((n, start.elapsed()));
            }
            let expected: Vec<(u32, Duration)> = (0..from).map(|i| (from - i, tick * i)).collect();
            assert_eq!(
                seen, expected,
                "(number, when it came) for a countdown from {from}, one every {tick:?}: the \
                 first at once, then one per tick (reset the Sleep to now + tick before each \
                 wait, and poll it)"
            );
            let end = start.elapsed();
            let last = tick * (from - 1);
            assert_eq!(
                end, last,
                "Ready(None) came at {end:?}; the last number came at {last:?}: the end must \
                 come at once after the last number, with no tick before it"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn each_tick_starts_when_the_next_number_is_asked_for() {
    within(LIMIT, "Countdown read by a slow consumer", async {
        // (from, tick, how long the consumer waits before it asks for each number)
        let cases = [
            (3, ms(1000), vec![ms(5000), ms(2500), ms(500)]),
            (4, ms(300), vec![ms(0), ms(1000), ms(100), ms(700)]),
        ];
        for (from, tick, waits) in cases {
            let start = Instant::now();
            let mut countdown = Box::pin(Countdown::new(from, tick));
            for (i, &wait) in waits.iter().enumerate() {
                tokio::time::sleep(wait).await;
                let asked = start.elapsed();
                let n = countdown.next().await;
                let came = start.elapsed();
                let expected = if i == 0 { asked } else { asked + tick };
                assert_eq!(
                    (n, came),
                    (Some(from - i as u32), expected),
                    "a countdown from {from} (tick {tick:?}), read by a consumer that waits \
                     {waits:?} before each next(): number {} was asked for at {asked:?} and must \
                     come {}. (number, when it came): start each tick when the next number is \
                     asked for (in poll_next), not when the last one was yielded, nor on a fixed \
                     schedule from the start; and start no timer before the first poll",
                    from - i as u32,
                    if i == 0 {
                        "at once, however long after new() the first poll comes".to_string()
                    } else {
                        format!("one tick after it was asked for, at {expected:?}")
                    }
                );
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_poll_during_the_tick_keeps_its_deadline_and_the_timer_wakes_the_task() {
    within(LIMIT, "Countdown polled by hand", async {
        for tick in [ms(1000), ms(400)] {
            let wakes = Arc::new(Wakes::default());
            let waker = waker(wakes.clone());
            let mut cx = Context::from_waker(&waker);
            let mut countdown = Box::pin(Countdown::new(2, tick));
            let start = Instant::now();
            let first = countdown.as_mut().poll_next(&mut cx);
            assert_eq!(first, Poll::Ready(Some(2)), "the first number, at once");
            let asked = Instant::now();
            let waiting = countdown.as_mut().poll_next(&mut cx);
            assert_eq!(
                waiting,
                Poll::Pending,
                "the second number was asked for at once, so the {tick:?} tick has just begun: \
                 poll_next must answer Pending and return at once (a blocking sleep in it \
                 stalls the whole runtime, and tokio's clock sees no time go by)"
            );
            assert_eq!(
                countdown.sleep.deadline(),
                asked + tick,
                "the tick (of {tick:?}) began at {:?}: its end is the deadline of the one \
                 `Sleep` the countdown owns (reset it to Instant::now() + tick, then poll it)",
                asked - start
            );
            tokio::time::advance(tick / 2).await;
            let again = countdown.as_mut().poll_next(&mut cx);
            assert_eq!(
                (again, countdown.sleep.deadline()),
                (Poll::Pending, asked + tick),
                "(answer, deadline) of a poll half-way through the {tick:?} tick: still Pending, \
                 and a poll while the tick runs must not start it again (poll_next is called \
                 whenever anything wakes the task: keep the state Ticking, and only poll the \
                 Sleep)"
            );
            let before = wakes.0.load(Ordering::SeqCst);
            tokio::time::advance(tick / 2).await;
            let woken = wakes.0.load(Ordering::SeqCst) - before;
            assert!(
                woken > 0,
                "poll_next answered Pending, and when the tick was over nobody woke the task: \
                 it would wait forever. Poll the Sleep (`this.sleep.as_mut().poll(cx)`): that \
                 hands it cx's waker, which it wakes when the deadline comes"
            );
            let second = countdown.as_mut().poll_next(&mut cx);
            assert_eq!(
                second,
                Poll::Ready(Some(1)),
                "the tick is over: the next number"
            );
            let end = countdown.as_mut().poll_next(&mut cx);
            assert_eq!(
                end,
                Poll::Ready(None),
                "nothing is left: Ready(None) at once"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn stays_ended_after_the_end() {
    within(LIMIT, "Countdown polled past its end", async {
        for (from, tick) in [(1, ms(1000)), (2, ms(600))] {
            let start = Instant::now();
            let mut countdown = Box::pin(Countdown::new(from, tick));
            let mut answers = Vec::new();
            for _ in 0..from + 3 {
                answers.push(countdown.next().await);
            }
            let mut expected: Vec<Option<u32>> = (1..=from).rev().map(Some).collect();
            expected.extend([None, None, None]);
            assert_eq!(
                answers, expected,
                "a countdown from {from}, polled 3 times past its end: after Ready(None), keep \
                 answering Ready(None)"
            );
            let took = start.elapsed();
            assert_eq!(
                took,
                tick * (from - 1),
                "polls past the end must answer at once: no tick after the last number"
            );
        }
        let empty: Vec<u32> = Countdown::new(0, ms(1000)).collect().await;
        assert!(
            empty.is_empty(),
            "a countdown from 0 yields nothing: {empty:?}"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn size_hint_says_exactly_how_many_are_left() {
    within(LIMIT, "Countdown::size_hint", async {
        for from in [2, 4] {
            let mut countdown = Box::pin(Countdown::new(from, ms(500)));
            let mut hints = vec![countdown.size_hint()];
            while countdown.next().await.is_some() {
                hints.push(countdown.size_hint());
            }
            hints.push(countdown.size_hint());
            let mut expected: Vec<(usize, Option<usize>)> =
                (0..=from as usize).rev().map(|n| (n, Some(n))).collect();
            expected.push((0, Some(0)));
            assert_eq!(
                hints, expected,
                "size_hint of a countdown from {from}, before each next(), then at the end: \
                 exactly how many numbers are left, (left, Some(left))"
            );
        }
    })
    .await;
}
