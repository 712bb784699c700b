//! The checks of `latest_value_with_watch`: `cargo exercise check latest_value_with_watch` runs
//! them against part_16/exercises/latest_value_with_watch.rs. Edit that file, not this one: the
//! runner counts these tests, and one changed, ignored or missing is not a pass (`r` in `make
//! exercise` puts them back).

use super::*;
use workshop::testing::within;

const HANG: &str = "show_progress (it must return once the sender is dropped and its last \
                    value drawn)";

fn values(drawn: &[(u32, u32)]) -> Vec<u32> {
    drawn.iter().map(|&(percent, _)| percent).collect()
}

#[tokio::test(start_paused = true)]
async fn the_last_value_is_drawn_then_the_reader_returns() {
    within(Duration::from_secs(30), HANG, async {
        let drawn = values(&run().await);
        assert_eq!(
            drawn.last(),
            Some(&73),
            "the download stopped at 73 %, but the screen showed {drawn:?}: a value sent \
             just before the sender is dropped must still be drawn"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_values_drawn_only_go_up() {
    within(Duration::from_secs(30), HANG, async {
        let drawn = values(&run().await);
        for pair in drawn.windows(2) {
            assert!(
                pair[0] < pair[1],
                "the screen showed {} then {} (all: {drawn:?}): draw a value only when a \
                 newer one came (wait for it with changed())",
                pair[0],
                pair[1]
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn each_value_drawn_was_the_newest() {
    within(Duration::from_secs(30), HANG, async {
        for (percent, newest) in run().await {
            assert_eq!(
                percent, newest,
                "the screen drew {percent} % while {newest} % was already published: read \
                 the value (borrow_and_update) right before drawing it"
            );
        }
    })
    .await;
}
