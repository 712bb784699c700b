// mistake: almost-right Rust
// what: set() takes the waker and wakes it, then stores the value: on a runtime with several
//   threads the woken task may be polled in between, find no value, answer Pending, and wait
//   for ever (a lost wake-up)
// expect: woke the waiting task before it stored the value

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
        let waker = lock(&self.state).waker.take();
        if let Some(waker) = waker {
            waker.wake();
        }
        lock(&self.state).value = Some(value);
    }
}

impl Future for Wait {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let mut state = lock(&self.state);
        if let Some(value) = state.value {
            return Poll::Ready(value);
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}
