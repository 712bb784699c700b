//! The checks of `select_without_losing_data`: `cargo exercise check select_without_losing_data`
//! runs them against part_16/exercises/select_without_losing_data.rs. Edit that file, not this one:
//! the runner counts these tests, and one changed, ignored or missing is not a pass (`r` in `make
//! exercise` puts them back).

use super::*;
use workshop::testing::within;

#[tokio::test(start_paused = true)]
async fn every_reading_arrives_whole_and_in_order() {
    within(Duration::from_secs(30), "relay", async {
        let relayed = run(&READINGS)
            .await
            .expect("the in-memory link does not fail");
        for (i, (sent, got)) in READINGS.iter().zip(&relayed.lines).enumerate() {
            assert_eq!(
                got, sent,
                "reading {i} arrived as {got:?}, but the sensor sent {sent:?}: what was read \
                 of it before the heartbeat won the race was dropped with the losing branch"
            );
        }
        assert_eq!(
            relayed.lines.len(),
            READINGS.len(),
            "the sensor sent {} readings, relay kept {}",
            READINGS.len(),
            relayed.lines.len()
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_heartbeat_ticks_while_a_line_is_half_sent() {
    within(Duration::from_secs(30), "relay", async {
        let start = tokio::time::Instant::now();
        let relayed = run(&READINGS)
            .await
            .expect("the in-memory link does not fail");
        // A tick at 0 ms, then one every 100 ms until the link closed.
        let due = start.elapsed().as_millis() / 100 + 1;
        assert!(
            u128::from(relayed.beats) >= due,
            "the heartbeat ticked {} times in {:?}, {due} were due: keep the tick in the \
             select! loop, racing the read",
            relayed.beats,
            start.elapsed()
        );
    })
    .await;
}
