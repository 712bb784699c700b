// mistake: almost-right Rust
// what: starts the next tick the moment a number is yielded, not when the next one is asked for:
//   the timer runs while the consumer is busy, so a slow consumer gets the next number at once
// expect: one tick after it was asked for

impl Stream for Countdown {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        let mut this = self.project();
        if *this.left == 0 {
            return Poll::Ready(None);
        }
        if *this.state == State::Ticking {
            ready!(this.sleep.as_mut().poll(cx));
        }
        *this.left -= 1;
        this.sleep.as_mut().reset(Instant::now() + *this.tick);
        *this.state = State::Ticking;
        Poll::Ready(Some(*this.left + 1))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.left as usize;
        (left, Some(left))
    }
}
