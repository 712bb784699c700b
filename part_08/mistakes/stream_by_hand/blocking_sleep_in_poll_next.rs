// mistake: asyncio habit
// what: waits with `std::thread::sleep(tick)` inside poll_next (`time.sleep` in `__anext__`):
//   it blocks the runtime's thread instead of answering Pending, so tokio's clock never sees a
//   tick go by (clippy forbids it in this workspace; the tests run first)
// expect: poll_next must answer Pending

impl Stream for Countdown {
    type Item = u32;

    #[allow(clippy::disallowed_methods)]
    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u32>> {
        let this = self.project();
        if *this.left == 0 {
            return Poll::Ready(None);
        }
        if *this.state != State::First {
            std::thread::sleep(*this.tick);
        }
        *this.state = State::Idle;
        *this.left -= 1;
        Poll::Ready(Some(*this.left + 1))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.left as usize;
        (left, Some(left))
    }
}
