// mistake: asyncio habit
// what: follows a `__anext__` that sleeps first and checks for the end after: the tick runs
//   before `StopAsyncIteration` too, so the end comes a tick after the last number
// expect: the end must come at once after the last number

impl Stream for Countdown {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        let mut this = self.project();
        loop {
            match *this.state {
                State::First => break,
                State::Idle => {
                    this.sleep.as_mut().reset(Instant::now() + *this.tick);
                    *this.state = State::Ticking;
                }
                State::Ticking => {
                    ready!(this.sleep.as_mut().poll(cx));
                    break;
                }
            }
        }
        *this.state = State::Idle;
        if *this.left == 0 {
            return Poll::Ready(None);
        }
        *this.left -= 1;
        Poll::Ready(Some(*this.left + 1))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.left as usize;
        (left, Some(left))
    }
}
