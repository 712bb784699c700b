// mistake: almost-right Rust
// what: a `tokio::sync::Mutex`, whose guard is `Send` and may be held across the `.await`: it
//   compiles, but each visitor keeps the lock while it saves, so they save one after another
//   (ten seconds instead of one)
// expect: makes each visitor wait for the one before

/// Spawns `visitors` tasks; each counts itself in, then saves for `SAVE`. Returns the final count
/// and the numbers the visitors got, sorted.
async fn count_visits(visitors: u32) -> (u32, Vec<u32>) {
    let count = Arc::new(tokio::sync::Mutex::new(0));
    let mut tasks = Vec::new();
    for _ in 0..visitors {
        let count = Arc::clone(&count);
        tasks.push(tokio::spawn(async move {
            let mut guard = count.lock().await;
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
    let total = *count.lock().await;
    (total, numbers)
}
