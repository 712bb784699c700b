//! A blocking detector: asyncio's debug mode for tokio.
//!
//! Python's `asyncio.run(main(), debug=True)` times every step of every task and logs the slow ones:
//! `Executing <Task pending name='fetch' …> took 0.503 seconds` (any step over
//! `loop.slow_callback_duration`, 100 ms by default). tokio has no such switch in its stable API, so
//! the workshop wraps the futures it wants watched: [`BlockingDetector::watch`] times each `poll` of
//! the wrapped future on the real clock, and one that held its thread longer than the limit is
//! reported, named and timed. A poll is where blocking happens: between two `.await`s that return
//! `Pending`, a task owns its worker thread, and nothing else scheduled there can run.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::time::Duration;
//! use workshop::BlockingDetector;
//!
//! let detector = BlockingDetector::new(Duration::from_millis(20));
//! detector
//!     .watch("polite", tokio::time::sleep(Duration::from_millis(30)))
//!     .await; // sleeping yields: nothing to report
//! detector
//!     .watch("rude", async {
//!         #[allow(clippy::disallowed_methods)] // deliberately blocking: the detector's example
//!         std::thread::sleep(Duration::from_millis(50));
//!     })
//!     .await; // prints: ⚠ blocking detector: 'rude' held its runtime thread for 0.05s …
//! let reports = detector.reports();
//! assert_eq!(reports.len(), 1);
//! assert_eq!(reports[0].task, "rude");
//! assert!(reports[0].took >= Duration::from_millis(50));
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

/// asyncio's default `slow_callback_duration`.
pub const PYTHON_DEFAULT_LIMIT: Duration = Duration::from_millis(100);

/// One poll that held its thread longer than the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The name given to [`BlockingDetector::watch`].
    pub task: String,
    /// How long that one poll took, on the real clock.
    pub took: Duration,
}

/// Times every poll of the futures it watches; see the [module docs](self). Clones share one list
/// of reports, so a clone can go into each spawned task.
#[derive(Debug, Clone)]
pub struct BlockingDetector {
    limit: Duration,
    quiet: bool,
    reports: Arc<Mutex<Vec<Blocked>>>,
}

impl BlockingDetector {
    /// Reports any poll longer than `limit` ([`PYTHON_DEFAULT_LIMIT`] is asyncio's choice).
    pub fn new(limit: Duration) -> Self {
        Self {
            limit,
            quiet: false,
            reports: Arc::default(),
        }
    }

    /// Keeps the reports without printing them (for tests that only count them).
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// The limit a poll may take.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Wraps `fut` so that each of its polls is timed.
    pub fn watch<F: Future>(&self, task: impl Into<String>, fut: F) -> Watched<F> {
        Watched {
            inner: fut,
            task: task.into(),
            detector: self.clone(),
        }
    }

    /// `tokio::spawn` of a watched future.
    pub fn spawn<F>(&self, task: impl Into<String>, fut: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(self.watch(task, fut))
    }

    /// Every report so far, in order.
    pub fn reports(&self) -> Vec<Blocked> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Blocked>> {
        self.reports.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn report(&self, task: &str, took: Duration) {
        if !self.quiet {
            println!(
                "   ⚠ blocking detector: '{task}' held its runtime thread for {:.2}s in one poll \
                 (limit {:.2}s); nothing else on that thread ran meanwhile",
                took.as_secs_f64(),
                self.limit.as_secs_f64(),
            );
            println!(
                "     (asyncio's debug mode says: Executing <Task pending name='{task}' …> took {:.3} seconds)",
                took.as_secs_f64()
            );
        }
        self.lock().push(Blocked {
            task: task.to_owned(),
            took,
        });
    }
}

pin_project! {
    /// A future whose polls are timed by a [`BlockingDetector`].
    #[derive(Debug)]
    pub struct Watched<F> {
        #[pin]
        inner: F,
        task: String,
        detector: BlockingDetector,
    }
}

impl<F: Future> Future for Watched<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        // The real clock, not tokio's: a blocked thread stops a paused test clock too, so only
        // std's Instant sees how long the thread was held.
        let started = Instant::now();
        let answer = this.inner.poll(cx);
        let took = started.elapsed();
        if took > this.detector.limit {
            this.detector.report(this.task, took);
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::within;

    #[allow(clippy::disallowed_methods)] // deliberately blocking: what the detector must catch
    fn block_for(duration: Duration) {
        std::thread::sleep(duration);
    }

    #[tokio::test]
    async fn a_poll_over_the_limit_is_reported_by_name_and_time() {
        within(Duration::from_secs(30), "detector", async {
            let detector = BlockingDetector::new(Duration::from_millis(30)).quiet();
            let value = detector
                .watch("sleeps in std", async {
                    tokio::task::yield_now().await; // a first, quick poll
                    block_for(Duration::from_millis(80));
                    7
                })
                .await;
            assert_eq!(value, 7, "the wrapper must hand back the future's output");
            let reports = detector.reports();
            assert_eq!(
                reports.len(),
                1,
                "one slow poll and one quick one: one report, got {reports:?}"
            );
            assert_eq!(reports[0].task, "sleeps in std");
            assert!(reports[0].took >= Duration::from_millis(80), "{reports:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn yielding_work_is_never_reported_however_long_it_takes() {
        within(Duration::from_secs(30), "detector", async {
            // Generous limit: the machine may be loaded, but no single poll here does real work.
            let detector = BlockingDetector::new(Duration::from_secs(2)).quiet();
            let handle = detector.spawn("polite", async {
                for _ in 0..20 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            });
            handle.await.expect("the task finishes");
            assert_eq!(detector.reports(), [], "sleeping is not blocking");
        })
        .await;
    }
}
