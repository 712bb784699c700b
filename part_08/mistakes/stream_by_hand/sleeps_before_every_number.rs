// mistake: asyncio habit
// what: waits a tick at the start of every `__anext__`, the first one included (`await
//   asyncio.sleep(tick)` at the top, the `first` flag left out): the first number comes a
//   tick late
// expect: the first at once, then one per tick

impl Stream for Countdown {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        let mut this = self.project();
        if *this.left == 0 {
            return Poll::Ready(None);
        }
        if *this.state != State::Ticking {
            this.sleep.as_mut().reset(Instant::now() + *this.tick);
            *this.state = State::Ticking;
        }
        ready!(this.sleep.as_mut().poll(cx));
        *this.state = State::Idle;
        *this.left -= 1;
        Poll::Ready(Some(*this.left + 1))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.left as usize;
        (left, Some(left))
    }
}
