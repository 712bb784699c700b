//! The checks of `bounded_queue_shutdown`: `cargo exercise check bounded_queue_shutdown` runs them
//! against part_16/exercises/bounded_queue_shutdown.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

use super::*;
use workshop::testing::within;

const HANG: &str = "the run (it ends only when every consumer returns: once the producers are \
                    done, is a Sender still alive, keeping the queue open?)";

fn plan(capacity: usize, work_ms: u64) -> Plan {
    Plan {
        producers: 3,
        items_each: 5,
        consumers: 2,
        capacity,
        work: Duration::from_millis(work_ms),
    }
}

#[tokio::test(start_paused = true)]
async fn every_item_is_consumed_exactly_once_and_the_run_ends() {
    within(Duration::from_secs(60), HANG, async {
        let log = run(plan(2, 10)).await;
        let mut items: Vec<Item> = log.taken.iter().map(|&(_, item)| item).collect();
        items.sort();
        for producer in 0..3 {
            for n in 0..5 {
                let times = items.iter().filter(|&&i| i == (producer, n)).count();
                assert_eq!(
                    times, 1,
                    "item {n} of producer {producer} was consumed {times} times; once is right"
                );
            }
        }
        assert_eq!(items.len(), 15, "15 items were put, {} taken", items.len());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_queue_never_holds_more_than_its_capacity() {
    within(Duration::from_secs(60), HANG, async {
        // Slow consumers, fast producers: the queue fills up and the producers must wait.
        let log = run(plan(3, 100)).await;
        assert!(
            log.most_queued <= 3,
            "the queue held {} items at once; its capacity is 3: make it a bounded channel \
             with room for plan.capacity items",
            log.most_queued
        );
        assert_eq!(
            log.most_queued, 3,
            "fast producers should have filled the queue to its capacity"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_consumers_work_side_by_side() {
    within(Duration::from_secs(60), HANG, async {
        let log = run(plan(3, 100)).await;
        assert_eq!(
            log.most_working, 2,
            "at most {} consumer(s) worked at once, with 2 consumers and a full queue: take \
             the item in a statement of its own, so the receiver's lock is released before \
             the work starts",
            log.most_working
        );
    })
    .await;
}
