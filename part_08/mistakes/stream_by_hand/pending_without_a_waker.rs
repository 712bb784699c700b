// mistake: almost-right Rust
// what: asks the Sleep `is_elapsed()` and answers Pending until it is, but never polls it: the
//   Sleep never gets cx's waker, so nothing wakes the task when the tick is over
// expect: nobody woke the task

impl Stream for Countdown {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u32>> {
        let mut this = self.project();
        if *this.left == 0 {
            return Poll::Ready(None);
        }
        match *this.state {
            State::First => {}
            State::Idle => {
                this.sleep.as_mut().reset(Instant::now() + *this.tick);
                *this.state = State::Ticking;
                return Poll::Pending;
            }
            State::Ticking if !this.sleep.is_elapsed() => return Poll::Pending,
            State::Ticking => {}
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
