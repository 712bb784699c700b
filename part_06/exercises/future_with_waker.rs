//! Exercise (part 06): a Future that keeps the waker contract.
//!
//! Part 06 showed that `Poll::Pending` is a promise: whoever answers it must arrange a `wake()`,
//! or the task is never polled again. Keep that promise by hand. `Signal` is a one-shot value:
//! one task waits for it (`signal.wait().await`), another sets it (`signal.set(7)`). Python:
//!
//! ```python
//! fut = asyncio.get_running_loop().create_future()
//! asyncio.get_running_loop().call_later(1, fut.set_result, 7)  # set_result wakes the awaiter
//! value = await fut
//! ```
//!
//! asyncio's Future keeps its awaiters' callbacks for you. Here the shared state (behind a std
//! `Mutex`) has room for one `Waker`: make `Wait::poll` store `cx.waker()` whenever it answers
//! `Pending` (replacing the one stored before: the future may have moved to another task), and
//! make `Signal::set` take that waker and wake it.
//!
//! The tests poll `Wait` by hand with a waker of their own: `poll` must not wake it (that is a
//! busy loop), and `set` must wake it, once, after storing the value (a timer or a helper task
//! that polls again later is no such wake). And they run the waiting future in a task of its own
//! on tokio's paused clock: it must finish when the value is set, be polled only when there is
//! news (twice in all), and, moved to another task between polls, be woken through that task's
//! waker.
//!
//! Check it: `cargo exercise check future_with_waker` (or save the file while `make exercise`
//! runs).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// What the setter and the waiter share.
#[derive(Default)]
struct State {
    value: Option<u32>,
    /// The waker of the last poll that answered Pending: the one `set` must wake.
    waker: Option<Waker>,
}

/// A one-shot value: `set` it once, `wait().await` for it. Clones share the same state.
#[derive(Clone, Default)]
pub struct Signal {
    state: Arc<Mutex<State>>,
}

impl Signal {
    pub fn new() -> Self {
        Self::default()
    }

    /// A future that resolves to the value once it is set (`await fut`).
    pub fn wait(&self) -> Wait {
        Wait {
            state: Arc::clone(&self.state),
        }
    }

    /// `fut.set_result(value)`: store the value, then wake the task waiting for it.
    pub fn set(&self, value: u32) {
        let mut state = lock(&self.state);
        state.value = Some(value);
        // TODO: take the stored waker (if there is one) and wake it, so that the waiting task is
        // polled again (best once the lock is released: the woken task locks the state to read it).
    }
}

/// The future `Signal::wait` returns.
pub struct Wait {
    state: Arc<Mutex<State>>,
}

impl Future for Wait {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let mut state = lock(&self.state);
        if let Some(value) = state.value {
            return Poll::Ready(value);
        }
        // TODO: DELIBERATELY WRONG as shipped: Pending, and no wake arranged, so nothing will ever
        // poll this future again. Store `cx.waker()` in the state for `set` to wake, replacing
        // the one stored before (this poll may come from another task than the last one).
        Poll::Pending
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let signal = Signal::new();
    let waiter = tokio::spawn(signal.wait());
    let setter = signal.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        println!("setter: set(7)");
        setter.set(7);
    });
    match tokio::time::timeout(Duration::from_secs(2), waiter).await {
        Ok(joined) => println!("waiter: got {}", joined.expect("the waiting task panicked")),
        Err(_) => println!("waiter: still waiting after 2 s: nobody woke it"),
    }
}

// The tests `cargo exercise check` runs: part_06/checks/future_with_waker.rs.
#[cfg(test)]
#[path = "../checks/future_with_waker.rs"]
mod checks;
