// mistake: asyncio habit
// what: `await asyncio.create_task(...)`: `tokio::spawn` makes a task, but a task runs on the
//   runtime's threads, and the blocking reader holds the one it lands on
// expect: the reader ran on the runtime's own thread

async fn load_config(read: impl FnOnce(&str) -> String + Send + 'static, name: &str) -> String {
    let name = name.to_owned();
    tokio::spawn(async move { read(&name) })
        .await
        .expect("the task panicked")
}
