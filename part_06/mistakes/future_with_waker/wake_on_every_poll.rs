// mistake: asyncio habit
// what: `while not fut.done(): await asyncio.sleep(0)`: each Pending wakes its own task, so the
//   runtime polls it again at once, and again, until the value is there: a busy loop that keeps
//   a thread spinning
// expect: a busy loop

impl Future for Wait {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let state = lock(&self.state);
        if let Some(value) = state.value {
            return Poll::Ready(value);
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
