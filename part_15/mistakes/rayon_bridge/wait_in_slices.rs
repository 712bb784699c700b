// mistake: cheat
// what: dodges the blocking detector: waits for the answer in slices of 80 ms, under its 100 ms
//   limit, yielding in between, so no single poll looks slow
// expect: waiting in short slices

use std::sync::mpsc;
use std::time::Duration;

async fn on_rayon<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    rayon::spawn(move || {
        let _ = tx.send(job());
    });
    loop {
        match rx.recv_timeout(Duration::from_millis(80)) {
            Ok(answer) => return answer,
            Err(mpsc::RecvTimeoutError::Timeout) => tokio::task::yield_now().await,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("the rayon job ended without answering")
            }
        }
    }
}
