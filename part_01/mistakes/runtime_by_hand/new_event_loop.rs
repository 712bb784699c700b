// mistake: asyncio habit
// what: `tokio::runtime::Runtime::new()`, read as `asyncio.new_event_loop()`: it builds the
//   multi-thread kind (the `#[tokio::main]` default), whose tasks run on worker threads
// expect: the future ran on a MultiThread runtime

fn run_on_one_thread<F: Future>(fut: F) -> F::Output {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime builds");
    runtime.block_on(fut)
}
