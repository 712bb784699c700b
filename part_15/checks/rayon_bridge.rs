//! The checks of `rayon_bridge`: `cargo exercise check rayon_bridge` runs them against
//! part_15/exercises/rayon_bridge.rs. Edit that file, not this one: the runner counts these tests,
//! and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them back).

use super::*;
use std::time::{Duration, Instant};
use workshop::BlockingDetector;
use workshop::blocking::PYTHON_DEFAULT_LIMIT;
use workshop::testing::within;

/// Keeps a CPU busy for `how_long` on the real clock: CPU work of a known length, whatever
/// the machine's speed. Returns how many rounds it made.
fn busy_for(how_long: Duration) -> u64 {
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < how_long {
        rounds += std::hint::black_box(sum_to(1_000)) % 2 + 1;
    }
    rounds
}

// The real clock: CPU work stops tokio's paused clock too. These tests check values and which
// polls were slow, never how long the run took.
#[tokio::test]
async fn the_answer_comes_back() {
    within(Duration::from_secs(30), "on_rayon", async {
        let total = on_rayon(|| sum_to(1_000_000)).await;
        assert_eq!(
            total, 500_000_500_000,
            "on_rayon must hand back what the job returned"
        );
    })
    .await;
}

#[tokio::test]
async fn the_job_runs_on_a_rayon_thread() {
    within(Duration::from_secs(30), "on_rayon", async {
        let index = on_rayon(rayon::current_thread_index).await;
        assert!(
            index.is_some(),
            "the job ran outside rayon's pool (rayon::current_thread_index() was None): \
             hand it to rayon::spawn"
        );
    })
    .await;
}

#[tokio::test]
async fn no_poll_holds_the_runtime_thread_while_the_job_runs() {
    within(Duration::from_secs(30), "on_rayon", async {
        let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
        let rounds = detector
            .watch(
                "on_rayon",
                on_rayon(|| busy_for(Duration::from_millis(300))),
            )
            .await;
        assert!(rounds > 0, "the job must run, and its answer come back");
        if let Some(report) = detector.reports().first() {
            panic!(
                "'{}' held its runtime thread for {:.2}s in one poll: the job computed \
                 there, or the runtime thread waited for it; await a channel's receiver \
                 (tokio::sync::oneshot) instead",
                report.task,
                report.took.as_secs_f64()
            );
        }
    })
    .await;
}
