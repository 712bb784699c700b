//! The checks of `future_with_waker`: `cargo exercise check future_with_waker` runs them against
//! part_06/exercises/future_with_waker.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Wake;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(60);
/// Far more polls than one wait needs (two): only a future that wakes itself gets there.
const BUSY: usize = 50;

/// A waker the test owns: it counts its wakes, and at each wake looks whether the value is
/// already there for the task it would wake.
struct Probe {
    state: Arc<Mutex<State>>,
    wakes: AtomicUsize,
    woken_before_the_value: AtomicBool,
}

impl Probe {
    fn on(signal: &Signal) -> Arc<Self> {
        Arc::new(Self {
            state: Arc::clone(&signal.state),
            wakes: AtomicUsize::new(0),
            woken_before_the_value: AtomicBool::new(false),
        })
    }

    fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

impl Wake for Probe {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        // A woken task may be polled at once, on another thread: it locks the state and reads
        // the value. (If set() still holds the lock, the task would wait for it: nothing to see.)
        if let Ok(state) = self.state.try_lock()
            && state.value.is_none()
        {
            self.woken_before_the_value.store(true, Ordering::SeqCst);
        }
    }
}

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
    let joined = tokio::time::timeout(Duration::from_secs(20), waiter).await;
    match joined {
        Ok(Ok(Some(value))) => value,
        Ok(Ok(None)) => panic!(
            "the waiting task was polled {BUSY} times and still had no value: a busy loop (a \
             Pending that wakes its own task, or a timer that polls it again and again). Only \
             set() should wake it"
        ),
        Ok(Err(error)) => panic!("the waiting task panicked: {error}"),
        Err(_) => panic!("{if_it_hangs}"),
    }
}

const NEVER_POLLED_AGAIN: &str = "the future was never polled again: poll must store \
     cx.waker() when it answers Pending, and set() must wake it";

#[tokio::test(start_paused = true)]
async fn set_wakes_the_waker_of_the_pending_poll() {
    within(LIMIT, "polling Wait by hand", async {
        for value in [7, 42] {
            let signal = Signal::new();
            let probe = Probe::on(&signal);
            let waker = Waker::from(Arc::clone(&probe));
            let mut cx = Context::from_waker(&waker);
            let mut wait = signal.wait();
            for _ in 0..2 {
                assert!(
                    Pin::new(&mut wait).poll(&mut cx).is_pending(),
                    "nothing was set yet: poll must answer Pending"
                );
                assert_eq!(
                    probe.wakes(),
                    0,
                    "poll answered Pending and woke the task's waker itself: the runtime polls \
                     it again at once, and again, a busy loop (Python's `while not fut.done(): \
                     await asyncio.sleep(0)`). Only set() should wake it"
                );
            }
            signal.set(value);
            match probe.wakes() {
                1 => {}
                0 => panic!(
                    "set({value}) returned without waking the waker that the Pending poll was \
                     given: in poll, store cx.waker(); in set, take it and call wake(). Nothing \
                     else may stand in for that wake (a timer that polls it again and again, a \
                     helper task that wakes it later): set() has the news, set() must wake it"
                ),
                n => panic!("set({value}) woke the waiting task {n} times; once is enough"),
            }
            assert_eq!(
                Pin::new(&mut wait).poll(&mut cx),
                Poll::Ready(value),
                "after set({value}) woke it, poll must answer Ready({value})"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_value_is_stored_before_the_waiter_is_woken() {
    within(LIMIT, "polling Wait by hand", async {
        let signal = Signal::new();
        let probe = Probe::on(&signal);
        let waker = Waker::from(Arc::clone(&probe));
        let mut wait = signal.wait();
        assert!(
            Pin::new(&mut wait)
                .poll(&mut Context::from_waker(&waker))
                .is_pending(),
            "nothing was set yet: poll must answer Pending"
        );
        signal.set(7);
        assert!(
            !probe.woken_before_the_value.load(Ordering::SeqCst),
            "set() woke the waiting task before it stored the value: on a runtime with several \
             threads the task may be polled at once, find no value, answer Pending, and never \
             be woken again (set() has used its wake). Store the value, then wake"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_waiting_task_finishes_when_the_value_is_set() {
    within(LIMIT, "a task waiting for the signal", async {
        for (delay, value) in [(1000, 7), (2500, 42)] {
            let delay = Duration::from_millis(delay);
            let start = Instant::now();
            let signal = Signal::new();
            let (waiter, polls) = spawn_waiter(signal.wait());
            set_later(&signal, delay, value);
            let got = join(waiter, NEVER_POLLED_AGAIN).await;
            assert_eq!(got, value, "the waiting task got {got}; set() gave {value}");
            let at = start.elapsed();
            assert_eq!(
                at, delay,
                "the waiting task finished at {at:?}; the value was set at {delay:?}, and set() \
                 wakes it then"
            );
            let polls = polls.load(Ordering::SeqCst);
            assert_eq!(
                polls, 2,
                "the waiting task was polled {polls} times for one set(); two are enough: one \
                 that answers Pending, one after set() wakes it"
            );
        }
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
             enough (Pending). A Pending that wakes the task itself is a busy loop, and so is \
             a timer that polls it again and again, only slower: only set() has news"
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
            "the task that now holds the future was never woken: set() must wake it, through \
             the waker of the last Pending poll, not one from an older poll (nor none). On every Pending, \
             store cx.waker(), replacing the one stored before (Waker::will_wake says whether \
             they are the same)",
        )
        .await;
        assert_eq!(value, 7, "the moved future got {value}; set() gave 7");
    })
    .await;
}
