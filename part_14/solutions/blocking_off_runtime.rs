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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use workshop::BlockingDetector;
    use workshop::blocking::PYTHON_DEFAULT_LIMIT;
    use workshop::testing::within;

    // These tests run on the real clock: a blocking call stops tokio's paused clock too. They
    // check which polls were slow and the order of events, never how long the run took.
    const BLOCKING: Duration = Duration::from_millis(200);

    #[tokio::test]
    async fn no_poll_holds_the_runtime_thread() {
        within(Duration::from_secs(30), "load_config", async {
            let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
            let config = detector
                .watch("load_config", load_config("app", BLOCKING))
                .await;
            assert_eq!(
                config, "app: retries=3 timeout=30s",
                "load_config must still return what the legacy reader read"
            );
            if let Some(report) = detector.reports().first() {
                panic!(
                    "'{}' held its runtime thread for {:.2}s in one poll: move the blocking call \
                     into spawn_blocking",
                    report.task,
                    report.took.as_secs_f64()
                );
            }
        })
        .await;
    }

    #[tokio::test]
    async fn a_heartbeat_keeps_ticking_while_the_config_loads() {
        within(Duration::from_secs(30), "heartbeat", async {
            let events = Arc::new(Mutex::new(Vec::new()));
            let heartbeat = tokio::spawn({
                let events = Arc::clone(&events);
                async move {
                    loop {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        events.lock().unwrap().push("tick");
                    }
                }
            });
            load_config("app", BLOCKING).await;
            events.lock().unwrap().push("loaded");
            heartbeat.abort();
            let events = events.lock().unwrap().clone();
            let ticks = events.iter().take_while(|&&e| e == "tick").count();
            // Every 10 ms during a 200 ms call: about 20 ticks if the runtime thread is free.
            assert!(
                ticks >= 3,
                "the heartbeat ticked {ticks} times while the config loaded: the blocking call \
                 held the runtime's only thread, so no other task ran; move it into spawn_blocking \
                 (a task made with tokio::spawn runs on that same thread)"
            );
        })
        .await;
    }
}
