// mistake: cheat
// what: the spawn is dropped: the visitors run as plain futures inside count_visits, joined with
//   `join_all`. Nothing asks them to be `Send` any more, so the error is gone without being
//   repaired; the counts and the timing look right, but no visitor is a task
// expect: each visitor must be a task of its own

use futures::future::join_all;

/// Spawns `visitors` tasks; each counts itself in, then saves for `SAVE`. Returns the final count
/// and the numbers the visitors got, sorted.
async fn count_visits(visitors: u32) -> (u32, Vec<u32>) {
    let count = Arc::new(Mutex::new(0));
    let visits = (0..visitors).map(|_| {
        let count = Arc::clone(&count);
        async move {
            let number = {
                let mut guard = count.lock().unwrap();
                *guard += 1;
                *guard
            };
            tokio::time::sleep(SAVE).await; // saving the visit
            number
        }
    });
    let mut numbers = join_all(visits).await;
    numbers.sort_unstable();
    let total = *count.lock().unwrap();
    (total, numbers)
}
