//! The checks of `bounded_queue_shutdown`: `cargo exercise check bounded_queue_shutdown` runs them
//! against part_16/exercises/bounded_queue_shutdown.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

use super::*;
use tokio::time::Instant;
use workshop::testing::within;

const HANG: &str = "the run (it ends only when every consumer returns: once the producers are \
                    done, is a Sender still alive, keeping the queue open?)";

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn plan(producers: usize, items_each: u32, consumers: usize, capacity: usize, work: u64) -> Plan {
    Plan {
        producers,
        items_each,
        consumers,
        capacity,
        work: ms(work),
    }
}

/// How many items a plan puts on the queue.
fn items(plan: &Plan) -> usize {
    plan.producers * plan.items_each as usize
}

/// A shared receiver, as `run` makes it, for a queue the test fills itself.
fn shared(rx: mpsc::Receiver<Item>) -> Arc<Mutex<mpsc::Receiver<Item>>> {
    Arc::new(Mutex::new(rx))
}

/// A log that knows of `queued` items already on the queue (the test put them there, not
/// `produce`).
fn log_with(queued: usize) -> SharedLog {
    let log = SharedLog::default();
    log.lock().unwrap().queued = queued;
    log
}

fn taken(log: &SharedLog) -> Vec<Item> {
    log.lock()
        .unwrap()
        .taken
        .iter()
        .map(|&(_, item)| item)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn every_item_is_consumed_exactly_once_and_the_run_ends() {
    within(Duration::from_secs(60), HANG, async {
        for plan in [
            plan(3, 5, 2, 2, 10),
            plan(3, 4, 3, 1, 10),
            plan(2, 6, 2, 5, 10),
        ] {
            let log = run(plan).await;
            let items: Vec<Item> = log.taken.iter().map(|&(_, item)| item).collect();
            for producer in 0..plan.producers {
                for n in 0..plan.items_each {
                    let times = items.iter().filter(|&&i| i == (producer, n)).count();
                    assert!(
                        times != 0,
                        "item {n} of producer {producer} was never consumed ({plan:?}): the run \
                         ended, or a consumer was stopped, while it was still queued; let the \
                         consumers drain the queue: drop the last Sender, and each returns when \
                         recv answers None"
                    );
                    assert_eq!(
                        times, 1,
                        "item {n} of producer {producer} was consumed {times} times; once is right"
                    );
                }
            }
            assert_eq!(
                items.len(),
                self::items(&plan),
                "{} items were put on the queue, {} taken",
                self::items(&plan),
                items.len()
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_queue_never_holds_more_than_its_capacity() {
    within(Duration::from_secs(60), HANG, async {
        for capacity in [1, 3, 5] {
            // Slow consumers, fast producers: the queue fills up and the producers must wait.
            let log = run(plan(3, 5, 2, capacity, 100)).await;
            assert!(
                log.most_queued <= capacity,
                "the queue held {} items at once; its capacity is {capacity}: make it a bounded \
                 channel with room for plan.capacity items, so that a producer waits while it \
                 is full (asyncio.Queue(maxsize=capacity), not asyncio.Queue())",
                log.most_queued
            );
            assert_eq!(
                log.most_queued, capacity,
                "fast producers should have filled the queue to its capacity, {capacity}: make \
                 it a bounded channel with room for plan.capacity items"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_consumers_work_side_by_side() {
    within(Duration::from_secs(60), HANG, async {
        for consumers in [2, 3] {
            let log = run(plan(3, 5, consumers, 3, 100)).await;
            assert_eq!(
                log.most_working, consumers,
                "at most {} consumer(s) worked at once, with {consumers} consumers and a full \
                 queue: take the item in a statement of its own, so the receiver's lock is \
                 released before the work starts (a `while let` keeps it for the whole body)",
                log.most_working
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_free_consumer_takes_the_next_item_at_once() {
    within(Duration::from_secs(60), HANG, async {
        for plan in [
            plan(3, 5, 2, 2, 100),
            plan(3, 5, 3, 4, 30),
            plan(2, 6, 2, 1, 70),
        ] {
            let start = Instant::now();
            run(plan).await;
            let took = start.elapsed();
            // Each consumer takes the next item the moment it is free: rounds of `work`.
            let rounds = items(&plan).div_ceil(plan.consumers) as u32;
            let due = plan.work * rounds;
            assert_eq!(
                took,
                due,
                "{} items of {:?} work on {} consumers took {took:?}; they take {due:?} when a \
                 free consumer takes the next item at once, and the run ends with the last \
                 item: a consumer waited while items were queued (polling with sleeps?), or the \
                 consumers waited on after the last item (a timeout on recv, instead of the \
                 queue closing when the last Sender is dropped?)",
                items(&plan),
                plan.work,
                plan.consumers
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_consumer_drains_a_closed_queue_then_returns() {
    within(
        Duration::from_secs(60),
        "consume on a closed queue",
        async {
            // Every item is work, whatever it looks like: none of them is an end-of-queue marker.
            let sent: Vec<Item> = vec![
                (usize::MAX, u32::MAX),
                (7, 0),
                (usize::MAX, 0),
                (0, u32::MAX),
            ];
            let (tx, rx) = mpsc::channel(sent.len());
            for &item in &sent {
                tx.send(item).await.expect("the test holds the receiver");
            }
            drop(tx); // closed, with every item still queued: Python's queue.shutdown()
            let log = log_with(sent.len());
            consume(0, shared(rx), Arc::clone(&log), ms(10)).await;
            let got = taken(&log);
            assert_eq!(
                got, sent,
                "the queue was closed with {sent:?} on it, and consume handled {got:?}: a closed \
             queue still hands out what it holds, and every item is work (no sentinel: the end \
             is recv answering None, once the queue is closed and empty)"
            );
        },
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_consumer_waits_while_the_queue_is_empty_but_open() {
    within(
        Duration::from_secs(60),
        "consume (it must return once the queue is closed and empty)",
        async {
            for pause in [ms(50), ms(500)] {
                let (tx, rx) = mpsc::channel(8);
                let rx = shared(rx);
                let log = log_with(0);
                let consumer = tokio::spawn(consume(3, Arc::clone(&rx), Arc::clone(&log), ms(10)));
                let mut sent = Vec::new();
                for round in 0..3 {
                    for n in 0..2 {
                        let item = (round, n);
                        log.lock().unwrap().queued += 1;
                        tx.send(item).await.expect("the test holds the receiver");
                        sent.push(item);
                    }
                    // The queue runs empty, but the sender is alive: more items will come.
                    tokio::time::sleep(pause).await;
                }
                drop(tx);
                consumer.await.expect("consume panicked");
                let got = taken(&log);
                assert_eq!(
                    got, sent,
                    "consume handled {got:?}, but {sent:?} were sent, a pause of {pause:?} \
                     after every two: an empty queue is not a closed one (asyncio's `while not \
                     queue.empty()` habit); wait with recv, which answers None only once the \
                     queue is closed and empty"
                );
            }
        },
    )
    .await;
}
