// mistake: almost-right Rust
// what: poll stores the waker, but set() only stores the value and never wakes it: half of the
//   promise behind Pending, and the waiting task is never polled again
// expect: set() must wake it

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
