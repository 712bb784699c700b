// mistake: almost-right Rust
// what: builds the right runtime and makes it current with `rt.enter()`, then polls the future
//   with another executor: `Handle::current()` answers CurrentThread, but nobody runs the
//   runtime's timers or tasks, so the first `sleep` or spawned task waits for ever
// expect: A runtime runs its timers and tasks only inside its own

fn run_on_one_thread<F: Future>(fut: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime builds");
    let _entered = runtime.enter();
    futures::executor::block_on(fut)
}
