// mistake: almost-right Rust
// what: `spawn_blocking` (part 14) instead of rayon: off the runtime thread, but on tokio's
//   blocking pool, made for waiting on I/O, not on rayon's one thread per core
// expect: ran outside rayon's pool

async fn on_rayon<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(job)
        .await
        .expect("the job panicked")
}
