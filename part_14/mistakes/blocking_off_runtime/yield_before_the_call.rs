// mistake: asyncio habit
// what: `await asyncio.sleep(0)` before the call to "give the other tasks a turn": the task yields
//   once, then the reader still blocks the runtime thread for its whole call
// expect: held its runtime thread

async fn load_config(read: impl FnOnce(&str) -> String + Send + 'static, name: &str) -> String {
    tokio::task::yield_now().await;
    read(name)
}
