//! Part 04 — futures resolved by hand. Python's `asyncio.Future` is a box that somebody fills
//! later with `set_result` or `set_exception`; tokio's is a oneshot channel, split in two halves.
//!
//! Shows: `Sender::send` is `set_result`; an `Err` value is `set_exception`; a dropped `Sender` is
//! cancellation; `is_empty()` / `is_terminated()` answer `done()` without taking the value, and
//! `try_recv` is `result()`, which takes it; `tx.closed()` lets a resolver stop working for a
//! receiver that is gone; `shared()` lets two awaiters read one result; and a future nobody
//! resolves waits forever, so it is awaited under a timeout.
//!
//! Run it: `make part_04` (or `cargo run -p part_04`).

use std::time::Duration;

use futures::FutureExt;
use tokio::sync::oneshot::{self, error::RecvError, error::TryRecvError};
use tokio::time::error::Elapsed;
use workshop::{Stopwatch, Trace};

const PAUSE: Duration = Duration::from_secs(1);
const PATIENCE: Duration = Duration::from_millis(500);

#[tokio::main]
async fn main() {
    workshop::banner!();

    println!("1. set_result: send() resolves the future");
    let (_, value) = set_result_later(PAUSE).await;
    assert_eq!(value, Ok(42));

    println!("\n2. done(): is_empty() and is_terminated() look without taking");
    let looks = done_without_taking().await;
    assert_eq!(looks[..3], [(true, false), (false, false), (true, true)]);
    assert_eq!(
        looks[3], looks[0],
        "a dropped sender looks like one yet to send"
    );
    println!("   result(): try_recv takes the value");
    let peeks = done_with_try_recv();
    assert_eq!(peeks.len(), 3);

    println!("\n3. set_exception: the value sent is an Err");
    let failed = set_exception().await;
    assert!(matches!(failed, Ok(Err(_))));

    println!("\n4. Cancellation: one half is dropped");
    let (cancelled, _) = sender_dropped(PAUSE).await;
    assert!(cancelled.is_err());
    let (closed, sent) = receiver_dropped();
    assert_eq!((closed, sent), (true, Err(42)));
    let stopped = stop_when_nobody_listens(PAUSE).await;
    assert!(
        stopped.iter().any(|(_, m)| m.contains("stopping")),
        "{stopped:?}"
    );

    println!("\n5. One result, two awaiters: shared()");
    let lines = shared_result(PAUSE).await;
    assert_eq!(lines.len(), 2);

    println!("\n6. Never resolved: wait under a timeout");
    let (outcome, _) = never_resolved(PATIENCE).await;
    assert!(
        outcome.is_err(),
        "nobody resolves it: only the timeout ends the wait"
    );
}

/// Python: `fut = loop.create_future()`, `loop.call_later(1, fut.set_result, 42)`,
/// `await fut`. The `Sender` half moves into another task (it is `Send`: it could as well go to
/// a plain thread, where Python would need `call_soon_threadsafe`). Returns the awaiter's trace
/// and what it received.
async fn set_result_later(pause: Duration) -> (Vec<String>, Result<u32, RecvError>) {
    let watch = Stopwatch::start();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        tokio::time::sleep(pause).await;
        watch.say("resolver: send(42)");
        // `send` consumes the sender: resolving twice does not compile, where Python raises
        // InvalidStateError. It fails only if the receiver is gone (section 4).
        let _ = tx.send(42);
    });
    let mut trace = vec![watch.say("awaiter: awaiting the receiver")];
    let value = rx.await;
    trace.push(watch.say(format!("awaiter: got {value:?}")));
    (trace, value)
}

/// Python's `fut.done()` looks without changing anything. A `Receiver` answers two questions
/// (tokio 1.44 and later): `is_empty()` is false while a sent value waits to be taken;
/// `is_terminated()` is true once an await has returned (the value, or the error of a dropped
/// sender). A sender dropped without sending shows in neither: only awaiting reveals it.
/// Returns `(is_empty, is_terminated)` before the send, after it, and after the await; then, on a
/// second channel, after its sender was dropped unsent, and after the await.
async fn done_without_taking() -> Vec<(bool, bool)> {
    let (tx, mut rx) = oneshot::channel::<u32>();
    let mut seen = Vec::new();
    let mut look = |when: &str, rx: &oneshot::Receiver<u32>| {
        let state = (rx.is_empty(), rx.is_terminated());
        println!(
            "   {when:<13} is_empty() = {}, is_terminated() = {}",
            state.0, state.1
        );
        seen.push(state);
    };
    look("before send:", &rx);
    let _ = tx.send(42);
    look("after send:", &rx);
    let value = (&mut rx).await; // through `&mut`: the receiver stays, to be asked again
    look("after await:", &rx);
    println!("   (the await gave {value:?})");
    let (tx, mut rx) = oneshot::channel::<u32>();
    drop(tx);
    look("sender dropped:", &rx); // the same answer as "before send"
    let value = (&mut rx).await;
    look("after await:", &rx);
    println!("   (the await gave {value:?})");
    seen
}

/// Python's `fut.done()` and `fut.result()`, in one call: `try_recv` answers at once, without
/// waiting. `Err(Empty)`: not done yet. `Ok(value)`: done, and the value is handed over, so a
/// second `try_recv` finds `Err(Closed)`, where Python's `result()` can be asked again.
fn done_with_try_recv() -> Vec<Result<u32, TryRecvError>> {
    let (tx, mut rx) = oneshot::channel();
    let mut seen = Vec::new();
    let mut look = |when: &str, outcome: Result<u32, TryRecvError>| {
        println!("   try_recv() {when:<16} {outcome:?}");
        seen.push(outcome);
    };
    look("before send:", rx.try_recv());
    let _ = tx.send(42);
    look("after send:", rx.try_recv());
    look("once more:", rx.try_recv());
    seen
}

/// Python: `fut.set_exception(ValueError(...))`, and `await fut` raises. A oneshot carries one
/// value of one type, so the failure is part of the type: send a `Result` and the awaiter gets
/// `Ok(Err(..))`: "the channel worked, and the answer is an error".
async fn set_exception() -> Result<Result<u32, String>, RecvError> {
    let watch = Stopwatch::start();
    let (tx, rx) = oneshot::channel::<Result<u32, String>>();
    let _ = tx.send(Err("no such user".to_owned()));
    let received = rx.await;
    watch.say(format!("awaiter: got {received:?}"));
    received
}

/// Python: `fut.cancel()`, and the awaiter gets CancelledError. Here the resolver simply goes
/// away: dropping the `Sender` without sending wakes the awaiter with `Err(RecvError)`, so a
/// future that can no longer be resolved never leaves anyone waiting. Returns what the awaiter
/// got and when.
async fn sender_dropped(pause: Duration) -> (Result<u32, RecvError>, Duration) {
    let watch = Stopwatch::start();
    let (tx, rx) = oneshot::channel::<u32>();
    tokio::spawn(async move {
        tokio::time::sleep(pause).await;
        watch.say("resolver: giving up (dropping the sender)");
        drop(tx);
    });
    watch.say("awaiter: awaiting the receiver");
    let received = rx.await;
    watch.say(format!("awaiter: got {received:?}"));
    (received, watch.elapsed())
}

/// The other side: when the awaiter has gone, `send` hands the value back as `Err(value)`, and
/// the resolver can check `is_closed()` (or await `closed()`) to stop working for nobody.
fn receiver_dropped() -> (bool, Result<(), u32>) {
    let (tx, rx) = oneshot::channel::<u32>();
    drop(rx);
    let closed = tx.is_closed();
    let sent = tx.send(42);
    println!("   receiver dropped: sender.is_closed() = {closed}, send(42) = {sent:?}");
    (closed, sent)
}

/// The resolver's side of that: `tx.closed()` completes when the receiver is dropped, so a
/// resolver can race its work against it and stop working for nobody. (Python: the awaiter
/// calls `fut.cancel()`, and the resolver checks `fut.cancelled()` or gets a done callback.)
/// Returns the trace with the time of each line.
async fn stop_when_nobody_listens(pause: Duration) -> Vec<(Duration, String)> {
    let trace = Trace::start();
    let (mut tx, rx) = oneshot::channel::<u32>();
    let resolver = tokio::spawn({
        let trace = trace.clone();
        async move {
            trace.say("resolver: starting an hour of work");
            tokio::select! {
                () = tx.closed() => {
                    trace.say("resolver: the receiver is gone, stopping the work");
                }
                () = tokio::time::sleep(Duration::from_secs(3600)) => {
                    trace.say("resolver: work done, send(42)");
                    let _ = tx.send(42);
                }
            }
        }
    });
    tokio::time::sleep(pause).await;
    trace.say("awaiter: no longer interested, dropping the receiver");
    drop(rx);
    let _ = resolver.await;
    trace.events_with_time()
}

/// Python: any number of coroutines can `await fut`. A `Receiver` is consumed by its `.await`
/// (part 03), so to share it: `shared()`, one clone per awaiter. The output is cloned to each,
/// which is why it must be `Clone` (`RecvError` is). Returns each awaiter's trace line.
async fn shared_result(pause: Duration) -> Vec<String> {
    let watch = Stopwatch::start();
    let (tx, rx) = oneshot::channel::<u32>();
    let shared = rx.shared();
    watch.say("two awaiters, each awaiting its own clone of the shared receiver");
    let awaiter = |n: u32| {
        let mine = shared.clone();
        async move {
            let value = mine.await;
            watch.say(format!("awaiter {n}: got {value:?}"))
        }
    };
    let resolver = async {
        tokio::time::sleep(pause).await;
        watch.say("resolver: send(42)");
        let _ = tx.send(42);
    };
    let (one, two, ()) = tokio::join!(awaiter(1), awaiter(2), resolver);
    vec![one, two]
}

/// A future that nobody resolves, and whose `Sender` stays alive, waits forever: no error, no
/// wake-up. Python code guards with `asyncio.wait_for(fut, timeout)`; tokio with
/// `tokio::time::timeout`, which answers `Err(Elapsed)` and drops the inner future. Returns the
/// outcome and how long it waited.
async fn never_resolved(patience: Duration) -> (Result<Result<u32, RecvError>, Elapsed>, Duration) {
    let watch = Stopwatch::start();
    // `_tx`, not `_`: `let (_, rx)` would drop the sender at once, and the receiver would
    // resolve immediately with Err(RecvError) instead of waiting.
    let (_tx, rx) = oneshot::channel::<u32>();
    watch.say(format!(
        "awaiting a future nobody resolves, for at most {patience:?}"
    ));
    let outcome = tokio::time::timeout(patience, rx).await;
    watch.say(format!("timeout answered {outcome:?}"));
    (outcome, watch.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    #[tokio::test(start_paused = true)]
    async fn send_resolves_the_awaiting_receiver() {
        within(Duration::from_secs(10), "set_result_later", async {
            let (trace, value) = set_result_later(PAUSE).await;
            assert_eq!(value, Ok(42));
            assert_eq!(
                trace,
                [
                    "[ 0.00s] awaiter: awaiting the receiver",
                    "[ 1.00s] awaiter: got Ok(42)"
                ]
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn is_empty_and_is_terminated_answer_done_without_taking_the_value() {
        within(Duration::from_secs(10), "done_without_taking", async {
            // (is_empty, is_terminated): before send, after send, after the await...
            let looks = done_without_taking().await;
            assert_eq!(looks[..3], [(true, false), (false, false), (true, true)]);
            // ...and on a channel whose sender was dropped unsent: the same as before a send
            // (neither shows it), then terminated once the await has revealed the error.
            assert_eq!(looks[3..], [(true, false), (true, true)]);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn closed_lets_the_resolver_stop_when_the_receiver_is_dropped() {
        within(
            Duration::from_secs(7200),
            "stop_when_nobody_listens",
            async {
                let events = stop_when_nobody_listens(PAUSE).await;
                let at = |m: &str| events.iter().find(|(_, e)| e.contains(m)).map(|(t, _)| *t);
                // Stopped when the receiver went, not after the hour of work.
                assert_eq!(at("dropping the receiver"), Some(PAUSE));
                assert_eq!(at("stopping the work"), Some(PAUSE));
                assert_eq!(at("work done"), None, "{events:?}");
            },
        )
        .await;
    }

    #[test]
    fn try_recv_answers_done_without_waiting_and_hands_the_value_over() {
        assert_eq!(
            done_with_try_recv(),
            [Err(TryRecvError::Empty), Ok(42), Err(TryRecvError::Closed)]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_is_sent_as_a_value() {
        within(Duration::from_secs(10), "set_exception", async {
            assert_eq!(set_exception().await, Ok(Err("no such user".to_owned())));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_sender_wakes_the_awaiter_with_an_error() {
        within(Duration::from_secs(10), "sender_dropped", async {
            let (received, elapsed) = sender_dropped(PAUSE).await;
            assert!(received.is_err(), "{received:?}");
            // Woken when the sender dropped, not later.
            assert_eq!(elapsed, PAUSE);
        })
        .await;
    }

    #[test]
    fn send_hands_the_value_back_when_the_receiver_is_gone() {
        assert_eq!(receiver_dropped(), (true, Err(42)));
    }

    #[tokio::test(start_paused = true)]
    async fn shared_gives_one_result_to_every_awaiter() {
        within(Duration::from_secs(10), "shared_result", async {
            assert_eq!(
                shared_result(PAUSE).await,
                [
                    "[ 1.00s] awaiter 1: got Ok(42)",
                    "[ 1.00s] awaiter 2: got Ok(42)"
                ]
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_future_never_resolved_waits_until_the_timeout() {
        // An hour of patience costs nothing on the paused clock: with every task idle, tokio
        // jumps straight to the next timer.
        let patience = Duration::from_secs(3600);
        within(2 * patience, "never_resolved", async {
            let (outcome, elapsed) = never_resolved(patience).await;
            assert!(outcome.is_err(), "must time out, got {outcome:?}");
            assert_eq!(elapsed, patience);
        })
        .await;
    }
}
