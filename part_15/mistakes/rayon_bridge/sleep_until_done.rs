// mistake: asyncio habit
// what: `while not fut.done(): await asyncio.sleep(0.01)`: looks for the answer every 10 ms, so
//   the answer waits for the next look instead of waking the task
// expect: it slept between looks at the answer

use std::sync::mpsc;
use std::time::Duration;

async fn on_rayon<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    rayon::spawn(move || {
        let _ = tx.send(job());
    });
    loop {
        match rx.try_recv() {
            Ok(answer) => return answer,
            Err(mpsc::TryRecvError::Empty) => tokio::time::sleep(Duration::from_millis(10)).await,
            Err(mpsc::TryRecvError::Disconnected) => {
                panic!("the rayon job ended without answering")
            }
        }
    }
}
