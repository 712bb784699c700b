//! Exercise (part 15): rayon bridged to async.
//!
//! `on_rayon(job)` must run a CPU-heavy closure on rayon's thread pool (one thread per core) and
//! let async code await its answer, without holding the runtime thread while the job computes.
//! As shipped, it calls `job()` right there: the answer is right, but the runtime thread does all
//! the work, and nothing else runs on it meanwhile. Hand the job to rayon, and have it send its
//! answer back through a channel whose receiving end you can `.await`.
//!
//! Follows part 15 (`rayon::spawn` and a `tokio::sync::oneshot` per job). Python mirrors it with
//! `await loop.run_in_executor(ProcessPoolExecutor(), sum_to, n)`: processes there, because of
//! the GIL; threads here.
//!
//! The tests check the answer, that the job ran on one of rayon's threads
//! (`rayon::current_thread_index()`), and, with the workshop's blocking detector, that no poll of
//! `on_rayon` held the runtime thread while the job ran.
//!
//! Check it: `cargo exercise check rayon_bridge` (or save the file while `make exercise` runs).

use tokio::sync::oneshot;

/// CPU-heavy: 1 + 2 + … + n, the slow way (`black_box` stops the optimizer from using n(n+1)/2).
fn sum_to(n: u64) -> u64 {
    (1..=n).map(std::hint::black_box).sum()
}

/// Runs `job` on rayon's pool and awaits its answer; the runtime thread stays free meanwhile.
async fn on_rayon<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = oneshot::channel();
    rayon::spawn(move || {
        // An error means the receiver is gone: nobody wants the answer any more.
        let _ = tx.send(job());
    });
    // Only a job that panics drops the sender without sending (and rayon's default panic handler
    // then aborts the process).
    rx.await.expect("the rayon job ended without answering")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n = 20_000_000;
    let total = on_rayon(move || sum_to(n)).await;
    println!("1 + 2 + … + {n} = {total}");
}

#[cfg(test)]
mod tests {
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
}
