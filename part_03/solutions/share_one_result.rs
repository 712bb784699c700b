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
//! The checks, on tokio's paused clock, read the desk's own figures (its count of fetches, the
//! reports it filed and when): the rate was fetched once, whatever the count before; every report
//! was filed once, with the rate that one fetch answered; and each was filed the moment the fetch
//! ended (1 s), the fetch running while A, B and C prepared.
//!
//! Check it: `cargo exercise check share_one_result` (or save the file while `make exercise` runs).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use tokio::time::Instant;

/// How long one fetch of the rate takes.
const FETCH: Duration = Duration::from_secs(1);

/// The rate desk (given): counts the fetches of the rate, and files each report with the rate it
/// got and when. The tests read both.
#[derive(Debug, Default)]
struct Desk {
    fetches: AtomicU32,
    filed: Mutex<Vec<(&'static str, u32, Instant)>>,
}

/// The expensive computation: a second's work. Counts its runs at the desk, and each run answers a
/// different rate (100 + the run's number), as a live rate would.
async fn exchange_rate(desk: Arc<Desk>) -> u32 {
    let run = desk.fetches.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::time::sleep(FETCH).await;
    100 + run
}

/// A report: prepares for `prep`, then awaits the rate it is given, and files itself at the desk.
async fn report(desk: &Desk, name: &'static str, prep: Duration, rate: impl Future<Output = u32>) {
    tokio::time::sleep(prep).await;
    let rate = rate.await;
    let mut filed = desk.filed.lock().expect("nobody panics holding the desk");
    filed.push((name, rate, Instant::now()));
}

/// Runs reports A, B and C at once, then a late one.
async fn reports(desk: &Arc<Desk>) {
    let rate = exchange_rate(Arc::clone(desk)).shared();
    let ms = Duration::from_millis;
    tokio::join!(
        report(desk, "A", ms(0), rate.clone()),
        report(desk, "B", ms(300), rate.clone()),
        report(desk, "C", ms(600), rate.clone()),
    );
    report(desk, "late", ms(0), rate).await;
}

#[tokio::main]
async fn main() {
    let desk = Arc::new(Desk::default());
    let start = Instant::now();
    reports(&desk).await;
    let filed = desk.filed.lock().expect("nobody panics holding the desk");
    for (name, rate, at) in filed.iter() {
        println!("report {name}: rate {rate}, at {:.2?}", *at - start);
    }
    let fetched = desk.fetches.load(Ordering::SeqCst);
    println!("{fetched} fetch(es), {:.2?}", start.elapsed());
}

// The tests `cargo exercise check` runs: part_03/checks/share_one_result.rs.
#[cfg(test)]
#[path = "../checks/share_one_result.rs"]
mod checks;
