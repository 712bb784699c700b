// DELIBERATELY WRONG: calls an async fn as if it ran, and never awaits the future it returns.
// rustc warns (unused_must_use); the workshop's Cargo.toml denies that lint, as this line does.
#![deny(unused_must_use)]

use std::time::Duration;

async fn start_sleep_end() {
    println!("Start");
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("End");
}

#[tokio::main]
async fn main() {
    start_sleep_end(); // Python would warn at run time: "coroutine was never awaited"
}
