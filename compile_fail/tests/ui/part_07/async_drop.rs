// Python's `__aexit__` is a coroutine. Rust's `Drop::drop` is a plain function: it cannot await,
// so an async teardown cannot live in Drop.

use std::time::Duration;

struct Connection;

impl Drop for Connection {
    async fn drop(&mut self) {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn main() {
    let _conn = Connection;
}
