// mistake: asyncio habit
// what: `with ProcessPoolExecutor() as pool: await loop.run_in_executor(pool, job)`: a rayon pool
//   built for each job (as many new threads as cores, every call) instead of rayon's global pool
// expect: not on rayon's global pool

use tokio::sync::oneshot;

async fn on_rayon<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .expect("a rayon pool");
    let (tx, rx) = oneshot::channel();
    pool.spawn(move || {
        let _ = tx.send(job());
    });
    rx.await.expect("the rayon job ended without answering")
}
