//! The checks of `repair_not_send`: `cargo exercise check repair_not_send` runs them against
//! part_05/exercises/repair_not_send.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use tokio::time::Instant;
use workshop::testing::within;

#[tokio::test(start_paused = true)]
async fn every_visit_is_counted() {
    within(Duration::from_secs(60), "count_visits(10)", async {
        let (total, numbers) = count_visits(10).await;
        assert_eq!(total, 10, "ten visitors came, the counter says {total}");
        assert_eq!(
            numbers,
            (1..=10).collect::<Vec<u32>>(),
            "the visitors must get the numbers 1 to 10, one each"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_visitors_save_at_the_same_time() {
    within(Duration::from_secs(60), "count_visits(10)", async {
        let start = Instant::now();
        count_visits(10).await;
        let took = start.elapsed();
        assert_eq!(
            took, SAVE,
            "ten visits took {took:?}; saving side by side, they take {SAVE:?}. A lock held \
             across the .await (a tokio Mutex's guard may be) makes each visitor wait for the \
             one before: take the count, unlock, then save"
        );
    })
    .await;
}
