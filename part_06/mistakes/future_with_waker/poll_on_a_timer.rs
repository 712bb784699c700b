// mistake: asyncio habit
// what: `while not fut.done(): await asyncio.sleep(0.01)`: each Pending arms a 10 ms timer that
//   wakes the task to look again, and set() wakes nobody. The value is seen, late, after a
//   hundred polls a second of nothing
// expect: a timer that polls it again and again

use std::time::Duration as Interval;
use tokio::time::Sleep;

impl Signal {
    pub fn new() -> Self {
        Self::default()
    }

    /// A future that resolves to the value once it is set (`await fut`).
    pub fn wait(&self) -> Wait {
        Wait {
            state: Arc::clone(&self.state),
            timer: None,
        }
    }

    /// `fut.set_result(value)`: store the value, then wake the task waiting for it.
    pub fn set(&self, value: u32) {
        lock(&self.state).value = Some(value);
    }
}

/// The future `Signal::wait` returns.
pub struct Wait {
    state: Arc<Mutex<State>>,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Future for Wait {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if let Some(value) = lock(&self.state).value {
            return Poll::Ready(value);
        }
        loop {
            let timer = self
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(Interval::from_millis(10))));
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.timer = None; // rang: arm a new one
        }
    }
}
