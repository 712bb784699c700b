// mistake: asyncio habit
// what: `self.count += 1` needs no lock in asyncio, so the counter becomes an `Rc<Cell<u32>>`:
//   no guard any more, but an `Rc` is not `Send` either (its count is not atomic), and the task
//   owns one
// expect: has type `Rc<Cell<u32>>` which is not `Send`
// stage: compile

use std::cell::Cell;
use std::rc::Rc;

/// Spawns `visitors` tasks; each counts itself in, then saves for `SAVE`. Returns the final count
/// and the numbers the visitors got, sorted.
async fn count_visits(visitors: u32) -> (u32, Vec<u32>) {
    let count = Rc::new(Cell::new(0));
    let mut tasks = Vec::new();
    for _ in 0..visitors {
        let count = Rc::clone(&count);
        tasks.push(tokio::spawn(async move {
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
}
