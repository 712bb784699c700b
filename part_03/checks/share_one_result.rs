//! The checks of `share_one_result`: `cargo exercise check share_one_result` runs them against
//! part_03/exercises/share_one_result.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use workshop::testing::within;

/// The reports `reports` must file, in the order they start.
const NAMES: [&str; 4] = ["A", "B", "C", "late"];

/// A desk whose count of fetches starts at `fetched` (a live desk has fetched before), so the one
/// fetch's rate is 101 + `fetched`.
fn desk(fetched: u32) -> Arc<Desk> {
    Arc::new(Desk {
        fetches: AtomicU32::new(fetched),
        ..Desk::default()
    })
}

/// Runs `reports` on `desk`; gives back what the desk filed: name, rate, and when (since the
/// start).
async fn filed(desk: &Arc<Desk>) -> Vec<(&'static str, u32, Duration)> {
    let start = Instant::now();
    reports(desk).await;
    let filed = desk
        .filed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    filed
        .iter()
        .map(|&(name, rate, at)| (name, rate, at - start))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_rate_is_fetched_once() {
    within(Duration::from_secs(60), "reports", async {
        for before in [0, 41] {
            let desk = desk(before);
            filed(&desk).await;
            let fetched = desk.fetches.load(Ordering::SeqCst) - before;
            assert_eq!(
                fetched, 1,
                "exchange_rate ran {fetched} times for four reports; it must run once, and every \
                 report must await that one computation (FutureExt::shared, one clone each)"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn every_report_gets_the_one_fetched_rate() {
    within(Duration::from_secs(60), "reports", async {
        for before in [0, 41] {
            let filed = filed(&desk(before)).await;
            let mut names: Vec<&str> = filed.iter().map(|&(name, _, _)| name).collect();
            names.sort_by_key(|name| NAMES.iter().position(|n| n == name));
            assert_eq!(
                names, NAMES,
                "the desk filed reports {names:?}: reports must run report() once for each of \
                 A, B, C and late"
            );
            let rate = 101 + before;
            let rates: Vec<(&str, u32)> = filed.iter().map(|&(name, r, _)| (name, r)).collect();
            assert!(
                rates.iter().all(|&(_, r)| r == rate),
                "every report must get the one fetch's rate, {rate} (this desk had fetched \
                 {before} times before); they got {rates:?}. Each rate above {rate} is one more \
                 fetch, and a rate the fetch never answered was made up"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn every_report_is_filed_when_the_one_fetch_ends() {
    within(Duration::from_secs(60), "reports", async {
        let filed = filed(&desk(0)).await;
        for (name, _, at) in filed {
            assert_eq!(
                at, FETCH,
                "report {name} was filed at {at:?}; the fetch takes {FETCH:?}, and every report \
                 must have the rate the moment it ends. Start the fetch with the reports, not \
                 before them (awaiting the rate first, then handing out the value, makes B and C \
                 prepare after it), run A, B and C side by side (join!, not one after another), \
                 and the late report gets the stored result at once"
            );
        }
    })
    .await;
}
