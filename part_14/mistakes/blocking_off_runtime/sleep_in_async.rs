// mistake: asyncio habit
// what: `time.sleep(0.05)` in a coroutine, "to give the pool a moment": `std::thread::sleep`
//   blocks the runtime thread too (only 50 ms, under the blocking detector's limit; clippy's
//   disallowed_methods names it)
// expect: disallowed method `std::thread::sleep`
// stage: clippy

async fn load_config(read: impl FnOnce(&str) -> String + Send + 'static, name: &str) -> String {
    let name = name.to_owned();
    let answer = tokio::task::spawn_blocking(move || read(&name));
    std::thread::sleep(Duration::from_millis(50));
    answer.await.expect("the legacy reader panicked")
}
