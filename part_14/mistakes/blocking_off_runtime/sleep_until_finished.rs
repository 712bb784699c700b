// mistake: asyncio habit
// what: `while not fut.done(): await asyncio.sleep(0.05)`: the reader is on the blocking pool,
//   but load_config looks at its JoinHandle every 50 ms, so the answer waits for the next look
// expect: it slept between looks at the answer

async fn load_config(read: impl FnOnce(&str) -> String + Send + 'static, name: &str) -> String {
    let name = name.to_owned();
    let handle = tokio::task::spawn_blocking(move || read(&name));
    while !handle.is_finished() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    handle.await.expect("the legacy reader panicked")
}
