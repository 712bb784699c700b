//! The checks of `future_with_waker`: `cargo exercise check future_with_waker` runs them against
//! part_06/exercises/future_with_waker.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(30);
/// Far more polls than one wait needs (two): only a future that wakes itself gets there.
const BUSY: usize = 50;

/// The future under test, counting its polls. After `BUSY` polls it gives up (`None`): on the
/// paused clock, a task that is always ready would stop time, and the test would spin forever.
struct Counted {
    wait: Wait,
    polls: Arc<AtomicUsize>,
}

impl Future for Counted {
    type Output = Option<u32>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        if self.polls.fetch_add(1, Ordering::SeqCst) >= BUSY {
            return Poll::Ready(None);
        }
        Pin::new(&mut self.wait).poll(cx).map(Some)
    }
}

/// `wait` in a task of its own, as the runtime would run it, and its poll count.
fn spawn_waiter(wait: Wait) -> (JoinHandle<Option<u32>>, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = Counted {
        wait,
        polls: Arc::clone(&polls),
    };
    (tokio::spawn(counted), polls)
}

/// Sets `value` after `delay`, from another task.
fn set_later(signal: &Signal, delay: Duration, value: u32) {
    let signal = signal.clone();
    tokio::spawn(async move {
        sleep(delay).await;
        signal.set(value);
    });
}

/// Joins the waiting task, saying in words what went wrong if it never got its value.
async fn join(waiter: JoinHandle<Option<u32>>, if_it_hangs: &str) -> u32 {
    let joined = tokio::time::timeout(Duration::from_secs(10), waiter).await;
    match joined {
        Ok(Ok(Some(value))) => value,
        Ok(Ok(None)) => panic!(
            "the waiting task was polled {BUSY} times and still had no value: a busy loop. \
             Pending must not wake the task itself; only set() should wake it"
        ),
        Ok(Err(error)) => panic!("the waiting task panicked: {error}"),
        Err(_) => panic!("{if_it_hangs}"),
    }
}

const NEVER_POLLED_AGAIN: &str =
    "the future was never polled again: store cx.waker() and wake it when the value is set";

#[tokio::test(start_paused = true)]
async fn the_waiting_task_finishes_when_the_value_is_set() {
    within(LIMIT, "a task waiting for the signal", async {
        let start = Instant::now();
        let signal = Signal::new();
        let (waiter, _polls) = spawn_waiter(signal.wait());
        set_later(&signal, Duration::from_secs(1), 7);
        let value = join(waiter, NEVER_POLLED_AGAIN).await;
        assert_eq!(value, 7, "the waiting task got {value}; set() gave 7");
        let at = start.elapsed();
        assert_eq!(
            at,
            Duration::from_secs(1),
            "the waiting task finished at {at:?}; the value was set at 1s"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_waiting_task_is_polled_only_when_there_is_news() {
    within(LIMIT, "counting the polls of a waiting task", async {
        let signal = Signal::new();
        let (waiter, polls) = spawn_waiter(signal.wait());
        set_later(&signal, Duration::from_secs(10), 7);
        sleep(Duration::from_secs(5)).await;
        let before = polls.load(Ordering::SeqCst);
        assert_eq!(
            before, 1,
            "by 5 s, long before set(), the waiting task was polled {before} times; once is \
             enough (Pending). A Pending that wakes the task itself is a busy loop"
        );
        join(waiter, NEVER_POLLED_AGAIN).await;
        let after = polls.load(Ordering::SeqCst);
        assert_eq!(
            after, 2,
            "the waiting task was polled {after} times for one set(); two are enough: one \
             that answers Pending, one after set() wakes it"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_future_moved_to_another_task_is_woken_there() {
    within(LIMIT, "a future polled here, then moved to a task", async {
        let signal = Signal::new();
        let mut wait = signal.wait();
        // First polled by the test's own task, with its waker...
        assert!(
            futures::poll!(&mut wait).is_pending(),
            "nothing was set yet: poll must answer Pending"
        );
        // ...then moved into another task, which polls it with a different waker.
        let (waiter, _polls) = spawn_waiter(wait);
        set_later(&signal, Duration::from_secs(1), 7);
        let value = join(
            waiter,
            "the task that now holds the future was never woken: set() woke a waker from an \
             older poll. On every Pending, store cx.waker(), replacing the one stored before \
             (Waker::will_wake says whether they are the same)",
        )
        .await;
        assert_eq!(value, 7, "the moved future got {value}; set() gave 7");
    })
    .await;
}
