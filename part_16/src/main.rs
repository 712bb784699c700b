//! Part 16 — producer / consumer queues (Python: `asyncio.Queue`).
//!
//! A bounded queue with backpressure and no sentinel; `select!` losing a `send`'s item where
//! `reserve` loses none; `broadcast` and `watch`. `make part_16`: about 10 s; Ctrl-C: sooner.

use std::{future::Future, process::ExitCode, sync::Arc, time::Duration};

use clap::Parser;
use tokio::sync::{Mutex, broadcast, broadcast::error::RecvError, mpsc, watch};
use tokio::task::JoinError;
use tokio::time::sleep;
use workshop::Stopwatch;

/// Producer / consumer queues (Python: asyncio.Queue)
#[derive(Debug, Clone, Parser)]
struct Plan {
    /// Stop producing after this many seconds (Ctrl-C stops it sooner).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Stop producing after this many items, if that comes first.
    #[arg(long)]
    items: Option<u64>,
    /// Queue capacity: the producer waits while this many items are queued.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    capacity: u16,
    /// How long a consumer works on each item, in milliseconds.
    #[arg(long, default_value_t = 500)]
    consume_ms: u64,
    #[arg(skip = vec!["a", "b", "c"])]
    consumers: Vec<&'static str>,
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

/// What a run saw: the puts, the items taken (by item), whether `stop` ended it, and when.
#[derive(Debug)]
struct Report {
    puts: Vec<Put>,
    taken: Vec<Taken>,
    stopped: bool,
    producer_done: Duration,
}

// One thread, like asyncio's loop: the consumers start in spawn order, and queue up as a, b, c.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let plan = Plan::parse();
    workshop::banner!();
    // The Ctrl-C flag, a `watch` (section 3): a section that starts after the key still sees it.
    let (press, ctrl_c) = watch::channel(false);
    // If Ctrl-C cannot be listened for, the sender is dropped and `pressed` never resolves.
    tokio::spawn(async move { tokio::signal::ctrl_c().await.map(|()| press.send(true)) });
    workshop::lesson::exit_code(talk(&plan, ctrl_c).await.map(drop))
}

/// The three sections. Ctrl-C (`ctrl_c` turns true) or `plan.seconds` ends the production, and the
/// consumers drain the queue; after Ctrl-C the rest is skipped. Returns how long it all took.
async fn talk(plan: &Plan, ctrl_c: watch::Receiver<bool>) -> Result<Duration, JoinError> {
    let (clock, seconds, capacity) = (Stopwatch::start(), plan.seconds, plan.capacity);
    clock.say(format!("capacity {capacity}, producing for {seconds} s"));
    let stop = async {
        tokio::select! {
            () = pressed(ctrl_c.clone()) => "Ctrl-C".to_string(),
            () = sleep(Duration::from_secs(seconds)) => format!("{seconds} s are up"),
        }
    };
    let report = run_queue(plan, stop, clock).await?;
    let (put, taken, done) = (report.puts.len(), report.taken.len(), report.producer_done);
    let waited: Duration = report.puts.iter().map(|p| p.waited).sum();
    println!("{put} put, {taken} taken; the producer waited {waited:.2?} for free slots");
    println!("producer done at {done:.2?}, stopped: {}", report.stopped);
    let rest = async {
        println!("\nselect!: a 100 ms tick races each of 8 hand-overs to a full queue");
        for how in [Handover::Send, Handover::Reserve] {
            let (received, ticks) = ticking_producer(how, 8).await;
            println!("{how:?}: {ticks} ticks; the consumer received {received:?}");
        }
        let room = 2; // how many items the broadcast channel keeps for a slow subscriber
        println!("\nbroadcast (room for {room}) and watch: 8 items, one every 100 ms");
        let (fast, slow, latest) = fan_out(8, room).await;
        println!("fast subscriber: {fast:?}\nslow subscriber: {slow:?}");
        println!("slow watcher:    {latest:?}");
    };
    // Dropping `rest` mid-way cancels it: its tasks see their channels close, and end.
    tokio::select! { biased;
        () = pressed(ctrl_c) => drop(clock.say("Ctrl-C: the rest is skipped")),
        () = rest => {}
    }
    Ok(clock.elapsed())
}

/// Resolves once the flag is true: at once if Ctrl-C was pressed already.
async fn pressed(mut ctrl_c: watch::Receiver<bool>) {
    if ctrl_c.wait_for(|&pressed| pressed).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// One producer, `plan.consumers` consumers, one bounded queue, until every consumer has exited.
async fn run_queue(
    plan: &Plan,
    stop: impl Future<Output = String>,
    clock: Stopwatch,
) -> Result<Report, JoinError> {
    let (tx, rx) = mpsc::channel::<u64>(usize::from(plan.capacity));
    // One receiver (not Clone), shared behind tokio's Mutex: fair (FIFO), so a, b, c take turns.
    let rx = Arc::new(Mutex::new(rx));
    let work = Duration::from_millis(plan.consume_ms);
    let consumers: Vec<_> = (plan.consumers.iter())
        .map(|&name| tokio::spawn(consume(name, Arc::clone(&rx), work, clock)))
        .collect();
    // Keep no receiver here: if every consumer died, `reserve` fails instead of waiting forever.
    drop(rx);
    let (puts, stopped) = produce(tx, plan.items, stop, clock).await;
    let producer_done = clock.elapsed();

    // No `queue.join()`: wait for the consumers, which return once the queue is closed and empty.
    let mut taken = Vec::new();
    for consumer in consumers {
        taken.extend(consumer.await?);
    }
    taken.sort_by_key(|t| t.item);
    Ok(Report {
        puts,
        taken,
        stopped,
        producer_done,
    })
}

/// Puts 0, 1, 2, … every 100 ms until `items` are out or `stop` resolves (with its reason), then
/// drops the sender. Returns what it put and whether `stop` ended it.
async fn produce(
    tx: mpsc::Sender<u64>,
    items: Option<u64>,
    stop: impl Future<Output = String>,
    clock: Stopwatch,
) -> (Vec<Put>, bool) {
    let mut puts = Vec::new();
    let producing = async {
        for item in 0..items.unwrap_or(u64::MAX) {
            let asked = clock.elapsed();
            // Waits for a free slot (the backpressure). `reserve`, not `send(item)`: if `stop`
            // cancels the wait, no item is lost with it. It fails only once every consumer is gone.
            let Ok(slot) = tx.reserve().await else { return };
            slot.send(item); // cannot wait: the slot is ours
            let (at, queued) = (clock.elapsed(), tx.max_capacity() - tx.capacity());
            let (waited, secs) = (at - asked, (at - asked).as_secs_f64());
            let line = format!("producer: put {item:<3} {queued} queued, waited {secs:.2}s");
            clock.say(line);
            puts.push(Put { item, at, waited });
            sleep(Duration::from_millis(100)).await;
        }
    };
    // Whichever ends first; the other is dropped, which cancels it.
    let stopped = tokio::select! {
        () = producing => false,
        reason = stop => {
            clock.say(format!("producer: {reason}, no more items"));
            true
        }
    };
    // Python 3.13's `queue.shutdown()`: `recv` answers the items still queued, then `None`.
    drop(tx);
    clock.say("producer: done, sender dropped: the queue closes once it is empty");
    (puts, stopped)
}

/// Takes items until the queue is closed and empty. Returns what it took.
async fn consume(
    consumer: &'static str,
    rx: Arc<Mutex<mpsc::Receiver<u64>>>,
    work: Duration,
    clock: Stopwatch,
) -> Vec<Taken> {
    let mut taken = Vec::new();
    loop {
        // Lock, wait for an item, unlock at the `;`. (`while let Some(item) = rx.lock()...` would
        // keep the guard for the whole loop body: the consumers would work one at a time.)
        let next = rx.lock().await.recv().await;
        let Some(item) = next else { break };
        let at = clock.elapsed();
        taken.push(Taken { consumer, item, at });
        clock.say(format!("{consumer}: {item}"));
        sleep(work).await; // the consumer's work on the item
    }
    clock.say(format!("{consumer}: queue closed and empty, exiting"));
    taken
}

/// How `ticking_producer` hands an item to the queue inside its `select!` loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handover {
    /// Deliberately wrong: `tx.send(item)` races the tick.
    Send,
    /// `tx.reserve()` races the tick; the item goes in once a slot is ours.
    Reserve,
}

/// Hands `items` items from a source (a socket: it yields each once) to a queue of one slot, 170 ms
/// of work each, in a `select!` loop with a 100 ms tick. Returns what arrived and the tick's wins.
async fn ticking_producer(how: Handover, items: u64) -> (Vec<u64>, u64) {
    let (tx, mut rx) = mpsc::channel::<u64>(1);
    let consumer = tokio::spawn(async move {
        let mut received = Vec::new();
        while let Some(item) = rx.recv().await {
            received.push(item);
            sleep(Duration::from_millis(170)).await;
        }
        received
    });
    let mut source = 0..items;
    let (mut tick, mut ticks) = (tokio::time::interval(Duration::from_millis(100)), 0);
    match how {
        // Deliberately wrong: each pass moves an item into a new `send` future; when the tick
        // wins, select! drops the future and the item with it (`asyncio.wait` leaves it running).
        Handover::Send => {
            for item in source {
                tokio::select! { biased;
                    sent = tx.send(item) => sent.expect("the consumer is alive"),
                    _ = tick.tick() => ticks += 1,
                }
            }
        }
        // A cancelled `reserve` loses only its place in line; the item leaves once a slot is ours.
        Handover::Reserve => loop {
            tokio::select! { biased;
                slot = tx.reserve() => {
                    let Some(item) = source.next() else { break };
                    slot.expect("the consumer is alive").send(item);
                }
                _ = tick.tick() => ticks += 1,
            }
        },
    }
    drop(tx);
    (consumer.await.expect("the consumer does not panic"), ticks)
}

/// Publishes 0, 1, … every 100 ms on a `broadcast` (room for `room`) and a `watch`, to a fast and a
/// slow (330 ms per item) subscriber and a watcher (every 330 ms). Returns what each heard.
async fn fan_out(items: u64, room: usize) -> (Vec<Heard>, Vec<Heard>, Vec<u64>) {
    let (news, fast) = broadcast::channel::<u64>(room);
    let slow = news.subscribe(); // a subscriber hears what is sent after it subscribed
    let (latest, mut watcher) = watch::channel(None::<u64>);
    let fast = tokio::spawn(listen(fast, Duration::ZERO));
    let slow = tokio::spawn(listen(slow, Duration::from_millis(330)));
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        // Waits for a value newer than the last seen; fails once the sender is gone, all seen.
        while watcher.changed().await.is_ok() {
            seen.extend(*watcher.borrow_and_update());
            sleep(Duration::from_millis(330)).await;
        }
        seen
    });
    for item in 0..items {
        // Neither waits: broadcast overwrites its oldest item when full, watch keeps one value.
        news.send(item).expect("someone subscribed");
        latest.send_replace(Some(item));
        sleep(Duration::from_millis(100)).await;
    }
    drop((news, latest)); // closes both channels
    let (fast, slow) = (fast.await.unwrap(), slow.await.unwrap());
    (fast, slow, watcher.await.unwrap())
}

/// What a `broadcast` subscriber heard: `Ok(item)`, or `Err(Lagged(n))`: n items it missed.
type Heard = Result<u64, RecvError>;

/// Hears every item until the channel closes, working `work` on each.
async fn listen(mut rx: broadcast::Receiver<u64>, work: Duration) -> Vec<Heard> {
    let mut heard = Vec::new();
    loop {
        match rx.recv().await {
            Err(RecvError::Closed) => return heard,
            // Not fatal: the receiver skips to the oldest item still held and goes on.
            Err(lagged) => heard.push(Err(lagged)),
            Ok(item) => {
                heard.push(Ok(item));
                sleep(work).await;
            }
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn plan(items: Option<u64>, capacity: u16, work: u64, consumers: &[&'static str]) -> Plan {
        Plan {
            seconds: 5,
            items,
            capacity,
            consume_ms: work,
            consumers: consumers.to_vec(),
        }
    }

    async fn never() -> String {
        std::future::pending().await
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
                // run_queue returned: both consumers saw the closed, empty queue and exited.
            },
        )
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_stop_signal_ends_an_unbounded_run_cleanly() {
        within(Duration::from_secs(30), "stop signal", async {
            let plan = plan(None, 3, 250, &["a", "b", "c"]);
            let stop = async {
                sleep(ms(550)).await;
                "Ctrl-C".to_string()
            };
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

    #[tokio::test(start_paused = true)]
    async fn a_send_raced_in_a_select_loop_loses_items_reserve_does_not() {
        within(Duration::from_secs(30), "select! hand-over", async {
            let (received, ticks) = ticking_producer(Handover::Send, 8).await;
            assert_eq!(received, [0, 2, 4, 7]);
            // Each race the tick won dropped one item with its `send`: 8 taken, 4 received.
            assert_eq!(ticks, 8 - received.len() as u64);
            let (received, ticks) = ticking_producer(Handover::Reserve, 8).await;
            assert_eq!(received, Vec::from_iter(0..8));
            // The tick won races here too (more of them: the run is longer), and cost nothing.
            assert!(ticks > 8, "only {ticks} ticks");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_broadcast_subscriber_lags_then_resumes_and_watch_keeps_the_latest() {
        use RecvError::Lagged;
        within(Duration::from_secs(30), "fan out", async {
            let (fast, slow, latest) = fan_out(8, 2).await;
            assert_eq!(fast, Vec::from_iter((0..8).map(Ok)));
            // Room for 2: by 330 ms items 0..=3 are out and 1 was overwritten: Lagged(1), then
            // the oldest still held (2); by 660 ms 3 and 4 are gone: Lagged(2), then 5, 6, 7.
            let expected = [
                Ok(0),
                Err(Lagged(1)),
                Ok(2),
                Err(Lagged(2)),
                Ok(5),
                Ok(6),
                Ok(7),
            ];
            assert_eq!(slow, expected);
            let accounted: u64 = (slow.iter())
                .map(|heard| match heard {
                    Err(Lagged(n)) => *n,
                    _ => 1,
                })
                .sum();
            assert_eq!(accounted, 8, "every item is heard or counted as missed");
            // The watcher looks at 0, 330, 660 and 990 ms and sees the latest value each time.
            assert_eq!(latest, [0, 3, 6, 7]);

            // Room is rounded up to a power of two: room for 3 keeps 4, and lags later.
            let (_, slow_3, _) = fan_out(8, 3).await;
            let (_, slow_4, _) = fan_out(8, 4).await;
            assert_eq!(slow_3, slow_4);
            assert_eq!(slow_3[..3], [Ok(0), Ok(1), Err(Lagged(1))]);
        })
        .await;
    }

    #[test]
    fn arguments_bound_the_run() {
        let plan = Plan::try_parse_from(["part_16", "--items", "15"]).unwrap();
        assert_eq!(plan.items, Some(15));
        assert_eq!(plan.consumers, ["a", "b", "c"]);
        assert!(Plan::try_parse_from(["part_16", "--capacity", "0"]).is_err());
        let default = Plan::try_parse_from(["part_16"]).unwrap();
        assert_eq!((default.items, default.seconds), (None, 5));
    }

    /// The whole part with its default arguments, and a Ctrl-C flag that turns true `at` (never,
    /// for `None`). Returns how long it took, on the paused clock.
    async fn talk_with_ctrl_c_at(at: Option<Duration>) -> Duration {
        let plan = Plan::try_parse_from(["part_16"]).unwrap();
        let (press, ctrl_c) = watch::channel(false);
        tokio::spawn(async move {
            let Some(at) = at else {
                return std::future::pending().await;
            };
            sleep(at).await;
            let _ = press.send(true);
        });
        talk(&plan, ctrl_c).await.expect("no consumer fails")
    }

    #[tokio::test(start_paused = true)]
    async fn the_part_ends_by_itself_and_ctrl_c_ends_it_within_2_s_at_any_point() {
        within(Duration::from_secs(3600), "talk", async {
            let whole = talk_with_ctrl_c_at(None).await;
            assert!(whole <= Duration::from_secs(20), "took {whole:?}");
            // Ctrl-C every half second of the run: in the queue, in select!, in the fan-out.
            let mut at = ms(500);
            while at < whole {
                let took = talk_with_ctrl_c_at(Some(at)).await;
                assert!(took >= at, "ended at {took:?}, before the Ctrl-C at {at:?}");
                let late = took - at;
                assert!(
                    late <= Duration::from_secs(2),
                    "Ctrl-C at {at:?}: {late:?} more"
                );
                at += ms(500);
            }
        })
        .await;
    }

    // The other fix from the README: one `send` future per item, made before the races and raced
    // by `&mut`, so a lost race leaves it alive and the item in it.
    #[tokio::test(start_paused = true)]
    async fn a_send_future_made_once_and_raced_by_reference_loses_nothing() {
        within(Duration::from_secs(30), "pinned send", async {
            let (tx, mut rx) = mpsc::channel::<u64>(1);
            let consumer = tokio::spawn(async move {
                let mut received = Vec::new();
                while let Some(item) = rx.recv().await {
                    received.push(item);
                    sleep(ms(170)).await;
                }
                received
            });
            let (mut tick, mut ticks) = (tokio::time::interval(ms(100)), 0);
            for item in 0..8 {
                let mut send = std::pin::pin!(tx.send(item));
                loop {
                    tokio::select! { biased;
                        sent = &mut send => break sent.expect("the consumer is alive"),
                        _ = tick.tick() => ticks += 1,
                    }
                }
            }
            drop(tx);
            assert_eq!(consumer.await.unwrap(), Vec::from_iter(0..8));
            assert!(ticks > 8, "the tick won races ({ticks}) and cost nothing");
        })
        .await;
    }

    // `rx.clone()` does not compile: the receiver is not `Clone`. Checked at compile time: were
    // it `Clone`, both impls below would apply, and the call at the end would be ambiguous.
    #[test]
    fn the_receiver_is_not_clone() {
        trait AmbiguousIfClone<Marker> {
            fn check() {}
        }
        impl<T> AmbiguousIfClone<()> for T {}
        impl<T: Clone> AmbiguousIfClone<u8> for T {}
        <mpsc::Receiver<u64> as AmbiguousIfClone<_>>::check();
        <mpsc::Sender<u64> as AmbiguousIfClone<u8>>::check(); // the sender is
    }
}
