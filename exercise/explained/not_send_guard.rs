// explains: not_send
// A std `MutexGuard` held across an `.await` in a spawned task.
use std::sync::{Arc, Mutex};

pub async fn run() {
    let count = Arc::new(Mutex::new(0));
    let task = tokio::spawn(async move {
        let mut guard = count.lock().expect("not poisoned");
        tokio::task::yield_now().await;
        *guard += 1;
    });
    let _ = task.await;
}
