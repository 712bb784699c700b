// mistake: cheat
// what: the visitors go on a `LocalSet` with `spawn_local`, which takes futures that are not
//   `Send`, with an `Rc<Cell<u32>>` for the count: it compiles and counts, but the statement asks
//   to repair the task and keep `tokio::spawn`; these tasks never reach the runtime's workers
// expect: sidesteps the Send error instead of repairing it

use std::cell::Cell;
use std::rc::Rc;
use tokio::task::LocalSet;

/// Spawns `visitors` tasks; each counts itself in, then saves for `SAVE`. Returns the final count
/// and the numbers the visitors got, sorted.
async fn count_visits(visitors: u32) -> (u32, Vec<u32>) {
    let count = Rc::new(Cell::new(0));
    let local = LocalSet::new();
    local
        .run_until(async {
            let mut tasks = Vec::new();
            for _ in 0..visitors {
                let count = Rc::clone(&count);
                tasks.push(tokio::task::spawn_local(async move {
                    count.set(count.get() + 1);
                    let number = count.get();
                    tokio::time::sleep(SAVE).await; // saving the visit
                    number
                }));
            }
            let mut numbers = Vec::new();
            for task in tasks {
                numbers.push(task.await.expect("a visitor does not panic"));
            }
            numbers.sort_unstable();
            (count.get(), numbers)
        })
        .await
}
