//! The checks of `repair_not_send`: `cargo exercise check repair_not_send` runs them against
//! part_05/exercises/repair_not_send.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use tokio::runtime::Handle;
use tokio::time::{Instant, sleep};
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(120);

#[tokio::test(start_paused = true)]
async fn every_visit_is_counted() {
    within(LIMIT, "count_visits", async {
        for visitors in [10, 3, 25] {
            let (total, numbers) = count_visits(visitors).await;
            let expected: Vec<u32> = (1..=visitors).collect();
            assert!(
                total == visitors && numbers == expected,
                "{visitors} visitors came; the counter says {total} and they got the numbers \
                 {numbers:?}, where each must get its own, 1 to {visitors}. Count in with one \
                 lock: increment and read the number under the same guard, then unlock, then \
                 save. A read before the .await and a write after it lose updates: every \
                 visitor reads the count before any has written it back"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn each_visitor_is_a_task_of_its_own() {
    within(LIMIT, "count_visits", async {
        let metrics = Handle::current().metrics();
        let before = metrics.num_alive_tasks();
        for visitors in [10, 4] {
            // Halfway through the save, every visitor is a task the runtime is running.
            let (_, alive) = tokio::join!(count_visits(visitors), async {
                sleep(SAVE / 2).await;
                metrics.num_alive_tasks().saturating_sub(before)
            });
            assert_eq!(
                alive, visitors as usize,
                "halfway through count_visits({visitors}), {alive} tasks were alive on the \
                 runtime; each visitor must be a task of its own, spawned with tokio::spawn: \
                 {visitors}. Running the visitors inside count_visits (a loop, join_all) or on a \
                 LocalSet (spawn_local) sidesteps the Send error instead of repairing it: keep \
                 tokio::spawn, and hold nothing that is not Send across the .await"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_visitors_save_at_the_same_time() {
    within(LIMIT, "count_visits", async {
        for visitors in [10, 4] {
            let start = Instant::now();
            count_visits(visitors).await;
            let took = start.elapsed();
            assert_eq!(
                took, SAVE,
                "{visitors} visits took {took:?}; saving side by side, they take {SAVE:?}. A \
                 lock held across the .await (a tokio Mutex's guard may be) makes each visitor \
                 wait for the one before: take the count, unlock, then save"
            );
        }
    })
    .await;
}
