//! Exercise (part 14): moving blocking work off the runtime.
//!
//! `read_legacy_config` is a blocking call (think of an old library with no async API, or a slow
//! disk): it holds the thread it runs on until it returns. `load_config` calls it right inside an
//! async fn, so the runtime thread is stuck for the whole call and no other task runs meanwhile.
//! Make `load_config` run it on tokio's blocking pool instead, and await its result: same answer,
//! and the runtime thread stays free.
//!
//! Follows part 14 (`spawn_blocking`). Python mirrors it with
//! `config = await asyncio.to_thread(read_legacy_config, name)` (or
//! `loop.run_in_executor(None, read_legacy_config, name)`) instead of a bare call.
//!
//! The tests run `load_config` under the workshop's blocking detector (asyncio's debug mode: it
//! reports any poll that held the thread over 100 ms), check the answer is unchanged, and check
//! that a heartbeat task keeps ticking while the blocking call runs.
//!
//! Check it: `cargo exercise check blocking_off_runtime` (or save the file while `make exercise`
//! runs).

use std::time::Duration;

/// The legacy reader: blocks its thread for `delay`, then answers. Leave it as it is.
#[allow(clippy::disallowed_methods)] // deliberately blocking: the call to move off the runtime
fn read_legacy_config(name: &str, delay: Duration) -> String {
    std::thread::sleep(delay);
    format!("{name}: retries=3 timeout=30s")
}

/// Reads `name`'s config without holding the runtime thread while the legacy reader blocks.
async fn load_config(name: &str, delay: Duration) -> String {
    // The blocking pool's closure must own what it uses ('static): it may outlive this call.
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || read_legacy_config(&name, delay))
        .await
        .expect("the legacy reader panicked")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = load_config("app", Duration::from_millis(200)).await;
    println!("loaded {config:?}");
}

// The tests `cargo exercise check` runs: part_14/checks/blocking_off_runtime.rs.
#[cfg(test)]
#[path = "../checks/blocking_off_runtime.rs"]
mod checks;
