//! The checks of `share_one_result`: `cargo exercise check share_one_result` runs them against
//! part_03/exercises/share_one_result.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use tokio::time::Instant;
use workshop::testing::within;

#[tokio::test(start_paused = true)]
async fn the_rate_is_fetched_once() {
    within(Duration::from_secs(30), "reports", async {
        let fetches = Arc::new(AtomicU32::new(0));
        reports(&fetches).await;
        let fetched = fetches.load(Ordering::SeqCst);
        assert_eq!(
            fetched, 1,
            "exchange_rate ran {fetched} times for four reports; it must run once, and every \
             report must await that one computation (FutureExt::shared, one clone each)"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn every_report_gets_the_same_rate() {
    within(Duration::from_secs(30), "reports", async {
        let got = reports(&Arc::new(AtomicU32::new(0))).await;
        let names: Vec<&str> = got.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            ["A", "B", "C", "late"],
            "reports must return A, B, C, then late"
        );
        assert!(
            got.iter().all(|(_, rate)| *rate == 101),
            "every report must get the first fetch's rate, 101; they got {got:?} (each rate \
             above 101 is one more fetch)"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_reports_take_one_fetch_not_one_each() {
    within(Duration::from_secs(30), "reports", async {
        let start = Instant::now();
        reports(&Arc::new(AtomicU32::new(0))).await;
        let took = start.elapsed();
        assert_eq!(
            took, FETCH,
            "the reports took {took:?}; one fetch takes {FETCH:?}. The fetch must run while \
             the reports prepare (the first report's await drives it), and the late report \
             must get the stored result at once"
        );
    })
    .await;
}
