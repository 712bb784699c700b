// mistake: asyncio habit
// what: `pool.submit(job).result()` inside a coroutine: the job runs on rayon, but a
//   `std::sync::mpsc` `recv()` waits for its answer on the runtime thread
// expect: held its runtime thread

use std::sync::mpsc;

async fn on_rayon<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    rayon::spawn(move || {
        let _ = tx.send(job());
    });
    rx.recv().expect("the rayon job ended without answering")
}
