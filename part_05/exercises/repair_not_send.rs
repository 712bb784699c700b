//! Exercise (part 05): repair a spawn that is not `Send`.
//!
//! Ten visitors, each a task of its own, count themselves in on a shared counter and then spend
//! a second saving their visit. As shipped, this file does not compile:
//!
//! ```text
//! error: future cannot be sent between threads safely
//!     tasks.push(tokio::spawn(async move {
//!                ^^^^^^^^^^^^ future created by async block is not `Send`
//!   = help: within `{async block@…}`, the trait `Send` is not implemented for
//!           `std::sync::MutexGuard<'_, u32>`
//! note: future is not `Send` as this value is used across an await
//!         let mut guard = count.lock().unwrap();
//!             --------- has type `std::sync::MutexGuard<'_, u32>` which is not `Send`
//!         tokio::time::sleep(SAVE).await; // saving the visit
//!                                  ^^^^^ await occurs here, with `mut guard` maybe used later
//! ```
//!
//! `tokio::spawn` may move a task to another thread at any `.await`, so the task's future must be
//! `Send`; a std `MutexGuard` must be unlocked on the thread that locked it, so it is not `Send`,
//! and it lives in the future while it is held across the `.await`. Repair the task, keeping
//! `tokio::spawn`, so that it compiles and the tests pass. They run `count_visits` with 10 and
//! with other numbers of visitors, on tokio's paused clock, and require that each visitor is a
//! task of its own (they count the tasks alive on the runtime while the visitors save), that
//! every visit is counted (the counter reaches the number of visitors, who get the numbers 1, 2,
//! … one each), and that the visitors save at the same time: all the visits take one second. So
//! no lock may be held while a visitor saves.
//!
//! Lesson: part 05 ("tasks", its section on `Send + 'static`). Python never asks this: asyncio's
//! tasks share one thread, and `self.count += 1` needs no lock at all.
//!
//! Check it: `cargo exercise check repair_not_send` (or save the file while `make exercise` runs).

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a visitor takes to save its visit.
const SAVE: Duration = Duration::from_secs(1);

/// Spawns `visitors` tasks; each counts itself in, then saves for `SAVE`. Returns the final count
/// and the numbers the visitors got, sorted.
async fn count_visits(visitors: u32) -> (u32, Vec<u32>) {
    let count = Arc::new(Mutex::new(0));
    let mut tasks = Vec::new();
    for _ in 0..visitors {
        let count = Arc::clone(&count);
        tasks.push(tokio::spawn(async move {
            // TODO: this task is not `Send`: repair it (see the error at the top of the file).
            let mut guard = count.lock().unwrap();
            *guard += 1;
            let number = *guard;
            tokio::time::sleep(SAVE).await; // saving the visit
            number
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.expect("a visitor does not panic"));
    }
    numbers.sort_unstable();
    let total = *count.lock().unwrap();
    (total, numbers)
}

#[tokio::main]
async fn main() {
    let start = tokio::time::Instant::now();
    let (total, numbers) = count_visits(10).await;
    println!(
        "{total} visits counted, numbers {numbers:?}, in {:.2?}",
        start.elapsed()
    );
}

// The tests `cargo exercise check` runs: part_05/checks/repair_not_send.rs.
#[cfg(test)]
#[path = "../checks/repair_not_send.rs"]
mod checks;
