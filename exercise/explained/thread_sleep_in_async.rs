// explains: disallowed_blocking
// stage: clippy
// A blocking sleep inside async code.
use std::time::Duration;

pub async fn run() {
    std::thread::sleep(Duration::from_millis(10));
}
