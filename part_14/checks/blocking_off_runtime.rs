//! The checks of `blocking_off_runtime`: `cargo exercise check blocking_off_runtime` runs them
//! against part_14/exercises/blocking_off_runtime.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

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
