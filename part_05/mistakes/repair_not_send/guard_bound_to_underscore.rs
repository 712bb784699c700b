// mistake: almost-right Rust
// what: `let _ = guard;` to unlock before the `.await`: binding a variable to `_` moves nothing
//   and drops nothing, so the guard still lives to the end of the block, across the `.await`
//   (`drop(guard)` or a `{ … }` block ends it)
// expect: has type `std::sync::MutexGuard<'_, u32>` which is not `Send`
// stage: compile

/// Spawns `visitors` tasks; each counts itself in, then saves for `SAVE`. Returns the final count
/// and the numbers the visitors got, sorted.
async fn count_visits(visitors: u32) -> (u32, Vec<u32>) {
    let count = Arc::new(Mutex::new(0));
    let mut tasks = Vec::new();
    for _ in 0..visitors {
        let count = Arc::clone(&count);
        tasks.push(tokio::spawn(async move {
            let mut guard = count.lock().unwrap();
            *guard += 1;
            let number = *guard;
            let _ = guard;
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
