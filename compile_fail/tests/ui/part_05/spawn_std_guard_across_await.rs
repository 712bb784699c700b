// DELIBERATELY WRONG: a std MutexGuard held across an .await, inside tokio::spawn. The guard is
// not Send, so neither is the future, and tokio::spawn requires Send (on every runtime flavor).
// Fixes: drop the guard before the .await, use tokio::sync::Mutex, or LocalSet + spawn_local.
use std::sync::{Arc, Mutex};

#[tokio::main]
async fn main() {
    let counter = Arc::new(Mutex::new(0));
    let handle = tokio::spawn(async move {
        let mut guard = counter.lock().unwrap();
        tokio::task::yield_now().await; // the guard is still alive here
        *guard += 1;
    });
    handle.await.unwrap();
}
