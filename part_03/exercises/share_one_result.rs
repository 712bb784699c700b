//! Exercise (part 03): share one result.
//!
//! Three reports start at once, each doing its own preparation before it needs the exchange rate;
//! a fourth comes late. Fetching the rate is expensive (one second): it must run ONCE, every
//! report must get that one result, and the reports must not wait for each other. As shipped,
//! each report fetches its own rate: four fetches, four different answers.
//!
//! Lesson: part 03 ("awaiting consumes a future"). A future is consumed by its `.await`, so it
//! cannot be handed to four awaiters as it is; `futures::FutureExt::shared()` makes a cloneable
//! handle on one computation (its output must be `Clone`). The Python it mirrors:
//!
//! ```python
//! rate = asyncio.create_task(exchange_rate())   # a Task can be awaited by many
//! async with asyncio.TaskGroup() as tg:
//!     for name, prep in [("A", 0.0), ("B", 0.3), ("C", 0.6)]:
//!         tg.create_task(report(name, prep, rate))
//! await report("late", 0.0, rate)               # awaiting a bare coroutine twice: RuntimeError
//! ```
//!
//! The tests, on tokio's paused clock, check that the rate was fetched once, that every report got
//! the same rate, and that everything took one fetch's time (1 s), not one fetch after another.
//!
//! Check it: `cargo exercise check share_one_result` (or save the file while `make exercise` runs).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures::FutureExt;

/// How long one fetch of the rate takes.
const FETCH: Duration = Duration::from_secs(1);

/// The expensive computation: a second's work. Counts its runs in `fetches`, and each run answers
/// a different rate (100 + the run's number), as a live rate would.
async fn exchange_rate(fetches: Arc<AtomicU32>) -> u32 {
    let run = fetches.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::time::sleep(FETCH).await;
    100 + run
}

/// A report: prepares for `prep`, then awaits the rate it is given. Returns its name and the rate.
async fn report(
    name: &'static str,
    prep: Duration,
    rate: impl Future<Output = u32>,
) -> (&'static str, u32) {
    tokio::time::sleep(prep).await;
    let rate = rate.await;
    println!("report {name}: rate {rate}");
    (name, rate)
}

/// Runs reports A, B and C at once, then a late one. Returns each report's name and rate.
async fn reports(fetches: &Arc<AtomicU32>) -> Vec<(&'static str, u32)> {
    // TODO: one exchange_rate() for all four reports. `.await` consumes a future, so make it
    // shareable with FutureExt::shared() and give each report a clone of that.
    let rate = || exchange_rate(Arc::clone(fetches));
    let ms = Duration::from_millis;
    let (a, b, c) = tokio::join!(
        report("A", ms(0), rate()),
        report("B", ms(300), rate()),
        report("C", ms(600), rate()),
    );
    let late = report("late", ms(0), rate()).await;
    vec![a, b, c, late]
}

#[tokio::main]
async fn main() {
    let fetches = Arc::new(AtomicU32::new(0));
    let start = tokio::time::Instant::now();
    let got = reports(&fetches).await;
    let fetched = fetches.load(Ordering::SeqCst);
    println!("{got:?}: {fetched} fetch(es), {:.2?}", start.elapsed());
}

// The tests `cargo exercise check` runs: part_03/checks/share_one_result.rs.
#[cfg(test)]
#[path = "../checks/share_one_result.rs"]
mod checks;
