// explains: await_holding_lock
// stage: clippy
// A std `MutexGuard` held across an `.await` (not spawned, so it compiles; clippy catches it).
use std::sync::Mutex;

pub async fn run(count: &Mutex<u32>) {
    let mut guard = count.lock().expect("not poisoned");
    tokio::task::yield_now().await;
    *guard += 1;
}
