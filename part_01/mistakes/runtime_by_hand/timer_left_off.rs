// mistake: almost-right Rust
// what: `Builder::new_current_thread().build()` with no `enable_time()`: the runtime builds, and
//   the first `sleep` inside panics, as the builder turns on no driver by default
// expect: turn the timer on with .enable_time()

fn run_on_one_thread<F: Future>(fut: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime builds");
    runtime.block_on(fut)
}
