//! Part 16 — producer / consumer over a bounded queue (Python: `asyncio.Queue`).
//!
//! One producer puts 0, 1, 2, … every 0.1 s; consumers a, b and c share one receiver and take
//! turns. The queue is bounded, so a producer faster than its consumers waits (backpressure), and
//! it stops without a sentinel: dropping the sender closes the queue once it is drained.
//!
//! Run it: `make part_16 ARGS="--items 15"` (or `cargo run -p part_16 -- --items 15`); without
//! `--items` it runs until Ctrl-C.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinError;
use workshop::Stopwatch;

#[derive(Debug, Parser)]
#[command(about = "Producer / consumer over a bounded queue (Python: asyncio.Queue)")]
struct Args {
    /// Stop after this many items (default: run until Ctrl-C).
    #[arg(long)]
    items: Option<u64>,
    /// Queue capacity: the producer waits while this many items are queued.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    capacity: u16,
    /// How long a consumer works on each item, in milliseconds.
    #[arg(long, default_value_t = 500)]
    consume_ms: u64,
}

/// One run: how many items, how often, how big the queue, how slow the consumers.
#[derive(Debug, Clone)]
struct Plan {
    items: Option<u64>,
    capacity: usize,
    every: Duration,
    work: Duration,
    consumers: Vec<&'static str>,
}

impl From<&Args> for Plan {
    fn from(args: &Args) -> Self {
        Plan {
            items: args.items,
            capacity: usize::from(args.capacity),
            every: Duration::from_millis(100),
            work: Duration::from_millis(args.consume_ms),
            consumers: vec!["a", "b", "c"],
        }
    }
}

/// The producer put `item` at `at`, after waiting `waited` for a free slot.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Put {
    item: u64,
    at: Duration,
    waited: Duration,
}

/// `consumer` took `item` off the queue at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Taken {
    consumer: &'static str,
    item: u64,
    at: Duration,
}

/// What a run observed, for the summary and the tests.
#[derive(Debug)]
struct Report {
    puts: Vec<Put>,
    /// Every item taken, in queue order (items leave a FIFO queue in the order they entered).
    taken: Vec<Taken>,
    /// True when the stop signal (Ctrl-C) ended the producer, false when it ran out of items.
    stopped: bool,
    /// When the producer dropped its sender.
    producer_done: Duration,
    /// When each consumer saw the closed, empty queue and returned.
    exits: Vec<(&'static str, Duration)>,
}

// One thread, like asyncio's event loop: the consumers start in the order they were spawned, so
// they line up at the queue as a, b, c. (On the multi-threaded runtime they would still take
// turns, in whichever order they happened to arrive.)
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    workshop::banner!();

    let plan = Plan::from(&args);
    let watch = Stopwatch::start();
    match plan.items {
        Some(n) => watch.say(format!("{n} items, queue capacity {}", plan.capacity)),
        None => watch.say(format!(
            "queue capacity {}; press Ctrl-C to stop the producer",
            plan.capacity
        )),
    };
    match run_queue(&plan, ctrl_c(), watch).await {
        Ok(report) => {
            summarize(&report, &plan);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("a consumer failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C. If the handler cannot be installed it says so and never resolves
/// (the run then needs `--items`).
async fn ctrl_c() {
    match tokio::signal::ctrl_c().await {
        Ok(()) => println!(),
        Err(e) => {
            eprintln!("cannot listen for Ctrl-C ({e}): use --items N to bound the run");
            std::future::pending::<()>().await;
        }
    }
}

/// One producer, `plan.consumers` consumers, one bounded queue. Returns when every consumer has
/// drained the queue and exited.
async fn run_queue(
    plan: &Plan,
    stop: impl Future<Output = ()>,
    watch: Stopwatch,
) -> Result<Report, JoinError> {
    let (tx, rx) = mpsc::channel::<u64>(plan.capacity);

    // asyncio.Queue lets any number of tasks `get()`. tokio's mpsc has exactly one receiver
    // (`recv` takes `&mut self`, and it is not Clone), so the consumers share it behind a mutex.
    // tokio's Mutex, not std's: a consumer holds it across `.await` while it waits for an item,
    // and tokio's is fair (FIFO), so idle consumers queue up and take turns: a, b, c, a, …
    let rx = Arc::new(Mutex::new(rx));
    let consumers: Vec<_> = plan
        .consumers
        .iter()
        .map(|&name| tokio::spawn(consume(name, Arc::clone(&rx), plan.work, watch)))
        .collect();
    // Keep no receiver here: if every consumer died, `send` would fail instead of waiting forever.
    drop(rx);

    let (puts, stopped) = produce(tx, plan.items, plan.every, stop, watch).await;
    let producer_done = watch.elapsed();

    // Python's `await queue.join()` waits for `task_done()` calls; here we wait for the consumers
    // themselves, which return once the queue is closed and empty.
    let mut taken = Vec::new();
    let mut exits = Vec::new();
    for (&name, consumer) in plan.consumers.iter().zip(consumers) {
        let (mine, exited) = consumer.await?;
        taken.extend(mine);
        exits.push((name, exited));
    }
    taken.sort_by_key(|t| t.item);
    Ok(Report {
        puts,
        taken,
        stopped,
        producer_done,
        exits,
    })
}

/// Puts 0, 1, 2, … every `every` until `items` are out or `stop` resolves, then drops the sender.
/// Returns what it put and whether `stop` ended it.
async fn produce(
    tx: mpsc::Sender<u64>,
    items: Option<u64>,
    every: Duration,
    stop: impl Future<Output = ()>,
    watch: Stopwatch,
) -> (Vec<Put>, bool) {
    let mut puts = Vec::new();
    let producing = async {
        for item in 0..items.unwrap_or(u64::MAX) {
            let asked = watch.elapsed();
            // Waits while the queue is full: that wait is the backpressure. It fails only when
            // every receiver is gone, i.e. no consumer is left.
            if tx.send(item).await.is_err() {
                watch.say("producer: no consumer left");
                return;
            }
            let at = watch.elapsed();
            let waited = at - asked;
            let queued = tx.max_capacity() - tx.capacity();
            let gauge: String = (0..tx.max_capacity())
                .map(|slot| if slot < queued { '■' } else { '□' })
                .collect();
            // Real time never waits exactly zero: only waits a person could notice are shown.
            let note = if waited < Duration::from_millis(5) {
                String::new()
            } else {
                format!(
                    "  (waited {:.2}s: the queue was full)",
                    waited.as_secs_f64()
                )
            };
            watch.say(format!("producer: put {item:<3} queue {gauge}{note}"));
            puts.push(Put { item, at, waited });
            tokio::time::sleep(every).await;
        }
    };
    // Whichever ends first. A `send` cut short by `stop` put nothing: no item is lost half-way.
    let stopped = tokio::select! {
        () = producing => false,
        () = stop => true,
    };
    if stopped {
        watch.say("producer: stop signal (Ctrl-C), no more items");
    }
    // The sentinel of the Python notes, for free: once the last sender is gone, `recv` answers the
    // items still queued and then `None`.
    drop(tx);
    watch.say("producer: done, sender dropped: the queue closes once it is empty");
    (puts, stopped)
}

/// Takes items until the queue is closed and empty. Returns what it took and when it exited.
async fn consume(
    name: &'static str,
    rx: Arc<Mutex<mpsc::Receiver<u64>>>,
    work: Duration,
    watch: Stopwatch,
) -> (Vec<Taken>, Duration) {
    let mut taken = Vec::new();
    loop {
        // Lock, wait for an item, unlock at the `;`. (`while let Some(item) = rx.lock()...`
        // would keep the guard for the whole loop body, and the consumers would work one at a
        // time.)
        let next = rx.lock().await.recv().await;
        let Some(item) = next else { break };
        taken.push(Taken {
            consumer: name,
            item,
            at: watch.elapsed(),
        });
        watch.say(format!("{name}: {item}"));
        tokio::time::sleep(work).await; // the consumer's work on the item
    }
    watch.say(format!("{name}: queue closed and empty, exiting"));
    (taken, watch.elapsed())
}

fn summarize(report: &Report, plan: &Plan) {
    println!();
    let how = if report.stopped {
        "stopped by Ctrl-C"
    } else {
        "all items put"
    };
    println!(
        "producer put {} items ({how}), done at {:.2}s",
        report.puts.len(),
        report.producer_done.as_secs_f64()
    );
    for &name in &plan.consumers {
        let items: Vec<u64> = report
            .taken
            .iter()
            .filter(|t| t.consumer == name)
            .map(|t| t.item)
            .collect();
        println!("{name} took {:>2}: {items:?}", items.len());
    }
    let waited: Duration = report.puts.iter().map(|p| p.waited).sum();
    let last_exit = report.exits.iter().map(|e| e.1).max().unwrap_or_default();
    println!(
        "the producer waited {:.2}s in all for a free slot; the last consumer exited at {:.2}s",
        waited.as_secs_f64(),
        last_exit.as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn plan(items: Option<u64>, capacity: usize, work: u64, consumers: &[&'static str]) -> Plan {
        Plan {
            items,
            capacity,
            every: ms(100),
            work: ms(work),
            consumers: consumers.to_vec(),
        }
    }

    async fn never() {
        std::future::pending::<()>().await
    }

    #[tokio::test(start_paused = true)]
    async fn consumers_take_turns_and_every_item_is_taken_once() {
        within(Duration::from_secs(30), "round robin", async {
            let plan = plan(Some(7), 3, 50, &["a", "b", "c"]);
            let report = run_queue(&plan, never(), Stopwatch::start()).await.unwrap();
            let seen: Vec<String> = report
                .taken
                .iter()
                .map(|t| format!("{}: {}", t.consumer, t.item))
                .collect();
            assert_eq!(
                seen,
                ["a: 0", "b: 1", "c: 2", "a: 3", "b: 4", "c: 5", "a: 6"]
            );
            // Each item is taken the moment it is put: the consumers keep up.
            let put_at: Vec<Duration> = report.puts.iter().map(|p| p.at).collect();
            let taken_at: Vec<Duration> = report.taken.iter().map(|t| t.at).collect();
            assert_eq!(taken_at, put_at);
            assert!(!report.stopped);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_queue_makes_the_producer_wait() {
        within(Duration::from_secs(30), "backpressure", async {
            // One consumer needing 1 s per item, a queue of 2: item 0 is taken at once, 1 and 2
            // fill the queue, and 3 can only go in when the consumer takes 1, at 1 s.
            let slow = plan(Some(5), 2, 1000, &["a"]);
            let report = run_queue(&slow, never(), Stopwatch::start()).await.unwrap();
            let put_at: Vec<Duration> = report.puts.iter().map(|p| p.at).collect();
            assert_eq!(put_at, [ms(0), ms(100), ms(200), ms(1000), ms(2000)]);
            assert_eq!(report.puts[3].waited, ms(700));
            assert_eq!(report.puts[4].waited, ms(900));

            // The same run with room for everything: the producer keeps its own pace.
            let roomy = plan(Some(5), 10, 1000, &["a"]);
            let report = run_queue(&roomy, never(), Stopwatch::start())
                .await
                .unwrap();
            let put_at: Vec<Duration> = report.puts.iter().map(|p| p.at).collect();
            assert_eq!(put_at, [ms(0), ms(100), ms(200), ms(300), ms(400)]);
            assert!(report.puts.iter().all(|p| p.waited.is_zero()));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_sender_lets_consumers_drain_then_exit() {
        within(
            Duration::from_secs(30),
            "shutdown without sentinel",
            async {
                let plan = plan(Some(6), 6, 1000, &["a", "b"]);
                let report = run_queue(&plan, never(), Stopwatch::start()).await.unwrap();
                // Every item put was taken exactly once, although the producer was long gone.
                let items: Vec<u64> = report.taken.iter().map(|t| t.item).collect();
                assert_eq!(items, [0, 1, 2, 3, 4, 5]);
                assert_eq!(report.producer_done, ms(600));
                let last_take = report.taken.iter().map(|t| t.at).max().unwrap();
                assert!(last_take > report.producer_done, "{report:?}");
                // Each consumer exits after the queue closed and after its last item's work.
                for (name, exited) in &report.exits {
                    assert!(*exited >= last_take, "{name} exited at {exited:?}");
                }
                assert_eq!(report.exits.len(), 2);
            },
        )
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_stop_signal_ends_an_unbounded_run_cleanly() {
        within(Duration::from_secs(30), "stop signal", async {
            let plan = plan(None, 3, 250, &["a", "b", "c"]);
            let stop = tokio::time::sleep(ms(550));
            let report = run_queue(&plan, stop, Stopwatch::start()).await.unwrap();
            assert!(report.stopped);
            assert_eq!(report.producer_done, ms(550));
            let put: Vec<u64> = report.puts.iter().map(|p| p.item).collect();
            let taken: Vec<u64> = report.taken.iter().map(|t| t.item).collect();
            assert_eq!(put, [0, 1, 2, 3, 4, 5]);
            assert_eq!(taken, put);
        })
        .await;
    }

    #[test]
    fn arguments_bound_the_run() {
        let args = Args::try_parse_from(["part_16", "--items", "15"]).unwrap();
        let plan = Plan::from(&args);
        assert_eq!(plan.items, Some(15));
        assert_eq!(plan.consumers, ["a", "b", "c"]);
        assert!(Args::try_parse_from(["part_16", "--capacity", "0"]).is_err());
        assert_eq!(
            Plan::from(&Args::try_parse_from(["part_16"]).unwrap()).items,
            None
        );
    }
}
