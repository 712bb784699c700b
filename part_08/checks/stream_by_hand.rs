//! The checks of `stream_by_hand`: `cargo exercise check stream_by_hand` runs them against
//! part_08/exercises/stream_by_hand.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(30);
const TICK: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn collects_the_numbers_in_order() {
    within(LIMIT, "Countdown::new(3, 1s).collect()", async {
        let numbers: Vec<u32> = Countdown::new(3, TICK).collect().await;
        assert_eq!(
            numbers,
            [3, 2, 1],
            "a countdown from 3 yields 3, 2, 1 and then Ready(None)"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_first_at_once_then_one_per_tick_and_the_end_at_once() {
    within(LIMIT, "Countdown polled with next()", async {
        let start = Instant::now();
        let mut countdown = Box::pin(Countdown::new(3, TICK));
        let mut seen = Vec::new();
        while let Some(n) = countdown.next().await {
            seen.push((n, start.elapsed().as_secs()));
        }
        assert_eq!(
            seen,
            [(3, 0), (2, 1), (1, 2)],
            "(number, second it came): the first at once, then one per tick (reset the Sleep \
             to now + tick before each wait)"
        );
        let end = start.elapsed();
        assert_eq!(
            end,
            2 * TICK,
            "Ready(None) came at {end:?}; it must come at once after the last number"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn stays_ended_after_the_end() {
    within(LIMIT, "Countdown polled past its end", async {
        let mut countdown = Box::pin(Countdown::new(1, TICK));
        let answers = [
            countdown.next().await,
            countdown.next().await,
            countdown.next().await,
        ];
        assert_eq!(
            answers,
            [Some(1), None, None],
            "after Ready(None), keep answering Ready(None)"
        );
        let empty: Vec<u32> = Countdown::new(0, TICK).collect().await;
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
        let mut countdown = Box::pin(Countdown::new(2, TICK));
        let mut hints = vec![countdown.size_hint()];
        while countdown.next().await.is_some() {
            hints.push(countdown.size_hint());
        }
        hints.push(countdown.size_hint());
        assert_eq!(
            hints,
            [(2, Some(2)), (1, Some(1)), (0, Some(0)), (0, Some(0))],
            "size_hint before each next(), then at the end: (left, Some(left))"
        );
    })
    .await;
}
