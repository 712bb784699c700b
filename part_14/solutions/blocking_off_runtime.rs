//! Exercise (part 14): moving blocking work off the runtime.
//!
//! `read_legacy_config` is a blocking call (think of an old library with no async API, or a slow
//! disk): it holds the thread it runs on until it returns. `load_config(read, name)` calls the
//! reader it is given right inside an async fn, so the runtime thread is stuck for the whole call
//! and no other task runs meanwhile. Make `load_config` run the reader on tokio's blocking pool
//! instead, and await its answer: same answer, and the runtime thread stays free.
//!
//! Follows part 14 (`spawn_blocking`). Python mirrors it with
//! `config = await asyncio.to_thread(read, name)` (or `loop.run_in_executor(None, read, name)`)
//! instead of a bare call.
//!
//! The checks hand `load_config` readers of their own, which note each call and the thread it ran
//! on. They check that the answer is the reader's, from one call; that the reader ran on a thread
//! of tokio's blocking pool (not the runtime's thread, nor a thread of your own); that no poll of
//! `load_config` held the runtime thread over 100 ms (the workshop's blocking detector: asyncio's
//! debug mode) and another task ran freely while the reader blocked; and that the reader's end
//! itself woke the task: `load_config` polled at most 3 times, with no time passing on tokio's
//! paused clock (a loop that looks for the answer, sleeping or yielding in between, is neither).
//!
//! Check it: `cargo exercise check blocking_off_runtime` (or save the file while `make exercise`
//! runs).

use std::time::Duration;

/// The legacy reader: blocks its thread for 200 ms, then answers. Leave it as it is.
#[allow(clippy::disallowed_methods)] // deliberately blocking: the call to move off the runtime
fn read_legacy_config(name: &str) -> String {
    std::thread::sleep(Duration::from_millis(200));
    format!("{name}: retries=3 timeout=30s")
}

/// Reads `name`'s config with the blocking `read`, without holding the runtime thread meanwhile.
async fn load_config(read: impl FnOnce(&str) -> String + Send + 'static, name: &str) -> String {
    // The blocking pool's closure must own what it uses ('static): it may outlive this call.
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || read(&name))
        .await
        .expect("the legacy reader panicked")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = load_config(read_legacy_config, "app").await;
    println!("loaded {config:?}");
}

// The tests `cargo exercise check` runs: part_14/checks/blocking_off_runtime.rs.
#[cfg(test)]
#[path = "../checks/blocking_off_runtime.rs"]
mod checks;
