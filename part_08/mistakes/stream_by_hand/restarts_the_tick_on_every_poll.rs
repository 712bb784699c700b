// mistake: almost-right Rust
// what: resets the Sleep on every poll while waiting (no Ticking state): any poll before the
//   deadline pushes it back, and the poll its own wake-up brings starts the tick all over again
// expect: a poll while the tick runs must not start it again

impl Stream for Countdown {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        let mut this = self.project();
        if *this.left == 0 {
            return Poll::Ready(None);
        }
        if *this.state != State::First {
            this.sleep.as_mut().reset(Instant::now() + *this.tick);
            ready!(this.sleep.as_mut().poll(cx));
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
