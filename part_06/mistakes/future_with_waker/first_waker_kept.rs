// mistake: almost-right Rust
// what: poll stores a waker only when none is stored yet, so set() wakes the task of the first
//   Pending poll; a future moved to another task since is never woken
// expect: not one from an older poll

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
        let waker = {
            let mut state = lock(&self.state);
            state.value = Some(value);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Future for Wait {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let mut state = lock(&self.state);
        if let Some(value) = state.value {
            return Poll::Ready(value);
        }
        state.waker.get_or_insert_with(|| cx.waker().clone());
        Poll::Pending
    }
}
