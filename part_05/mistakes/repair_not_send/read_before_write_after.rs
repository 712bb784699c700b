// mistake: almost-right Rust
// what: no guard across the `.await`, by locking twice: the count is read before the save and
//   written back after it. Every visitor reads 0 before any writes, so all get the number 1 and
//   the counter ends at 1 (a lost update, as `n = self.count; await save(); self.count = n + 1`
//   would be in asyncio)
// expect: lose updates

/// Spawns `visitors` tasks; each counts itself in, then saves for `SAVE`. Returns the final count
/// and the numbers the visitors got, sorted.
async fn count_visits(visitors: u32) -> (u32, Vec<u32>) {
    let count = Arc::new(Mutex::new(0));
    let mut tasks = Vec::new();
    for _ in 0..visitors {
        let count = Arc::clone(&count);
        tasks.push(tokio::spawn(async move {
            let number = *count.lock().unwrap() + 1;
            tokio::time::sleep(SAVE).await; // saving the visit
            *count.lock().unwrap() = number;
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
