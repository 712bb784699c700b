//! Exercise (part 16): a bounded queue with clean shutdown.
//!
//! Three producers put items on one queue; two consumers take them off and work on each. Make it
//! true that:
//! - the queue holds at most `plan.capacity` items: a producer waits while it is full;
//! - every item is consumed exactly once, by whichever consumer is free, and the consumers work
//!   at the same time;
//! - the run ends by itself once the producers are done: no sentinel item, the queue closes when
//!   the last sender is gone, and the consumers drain it and return.
//!
//! Follows part 16 (a bounded `mpsc` channel, one receiver shared behind
//! `Arc<tokio::sync::Mutex<_>>`). Python 3.13 mirrors it with:
//!
//! ```python
//! queue = asyncio.Queue(maxsize=capacity)
//! async with asyncio.TaskGroup() as consumers:
//!     for name in range(2):
//!         consumers.create_task(consume(name, queue))  # until get() raises QueueShutDown
//!     async with asyncio.TaskGroup() as producers:
//!         for p in range(3):
//!             producers.create_task(produce(p, queue))
//!     queue.shutdown()  # the consumers drain the queue, then stop
//! ```
//!
//! The tests (on tokio's paused clock) run several plans: every item is taken once; the queue
//! fills up to its capacity, never more; the consumers work side by side, a free one takes the
//! next item at once, and the run ends with the last item (15 items on 2 consumers take 8 rounds
//! of `work`). And `consume`, on a queue of theirs, drains it once closed (every item is work: no
//! sentinel) and waits while it is empty but open.
//!
//! Check it: `cargo exercise check bounded_queue_shutdown` (or save the file while
//! `make exercise` runs).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;

/// An item: the producer that made it, and its number there.
type Item = (usize, u32);

#[derive(Debug, Clone, Copy)]
struct Plan {
    producers: usize,
    items_each: u32,
    consumers: usize,
    capacity: usize,
    /// How long a consumer works on one item.
    work: Duration,
}

/// What a run did: each item taken, by which consumer; the most items queued at once; the most
/// consumers working at once.
#[derive(Debug, Default)]
struct Log {
    taken: Vec<(usize, Item)>,
    queued: usize,
    most_queued: usize,
    working: usize,
    most_working: usize,
}

type SharedLog = Arc<std::sync::Mutex<Log>>;

/// One queue, `plan.producers` producers, `plan.consumers` consumers; returns once all are done.
async fn run(plan: Plan) -> Log {
    let log = SharedLog::default();
    let (tx, rx) = mpsc::channel::<Item>(plan.capacity);
    let rx = Arc::new(Mutex::new(rx));
    let mut tasks = JoinSet::new();
    for name in 0..plan.consumers {
        tasks.spawn(consume(name, Arc::clone(&rx), Arc::clone(&log), plan.work));
    }
    for producer in 0..plan.producers {
        tasks.spawn(produce(
            producer,
            plan.items_each,
            tx.clone(),
            Arc::clone(&log),
        ));
    }
    // Python 3.13's `queue.shutdown()`: once the producers' clones are gone too, the queue is
    // closed, and `recv` answers the items still queued, then `None`.
    drop(tx);
    while let Some(joined) = tasks.join_next().await {
        joined.expect("a producer or a consumer panicked");
    }
    std::mem::take(&mut *log.lock().unwrap())
}

/// Takes items off the queue and works on each (with `handle`) until the queue is closed and
/// empty.
async fn consume(
    name: usize,
    rx: Arc<Mutex<mpsc::Receiver<Item>>>,
    log: SharedLog,
    work: Duration,
) {
    loop {
        // The lock is released at the `;`: the other consumers can wait for the next item while
        // this one works.
        let next = rx.lock().await.recv().await;
        let Some(item) = next else { break };
        handle(name, item, &log, work).await;
    }
}

/// A producer: puts its items on the queue, waiting while it is full. Leave it as it is.
async fn produce(producer: usize, items: u32, tx: mpsc::Sender<Item>, log: SharedLog) {
    for n in 0..items {
        tx.send((producer, n)).await.expect("a consumer is alive");
        let mut log = log.lock().unwrap();
        log.queued += 1;
        log.most_queued = log.most_queued.max(log.queued);
    }
}

/// A consumer's work on one item. Leave it as it is.
async fn handle(consumer: usize, item: Item, log: &SharedLog, work: Duration) {
    {
        let mut log = log.lock().unwrap();
        log.taken.push((consumer, item));
        log.queued -= 1;
        log.working += 1;
        log.most_working = log.most_working.max(log.working);
    }
    tokio::time::sleep(work).await;
    log.lock().unwrap().working -= 1;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let plan = Plan {
        producers: 3,
        items_each: 4,
        consumers: 2,
        capacity: 2,
        work: Duration::from_millis(50),
    };
    let log = run(plan).await;
    for (consumer, (producer, n)) in &log.taken {
        println!("consumer {consumer} took item {n} of producer {producer}");
    }
    println!(
        "{} items; at most {} queued (capacity {}); at most {} consumers working at once",
        log.taken.len(),
        log.most_queued,
        plan.capacity,
        log.most_working
    );
}

// The tests `cargo exercise check` runs: part_16/checks/bounded_queue_shutdown.rs.
#[cfg(test)]
#[path = "../checks/bounded_queue_shutdown.rs"]
mod checks;
