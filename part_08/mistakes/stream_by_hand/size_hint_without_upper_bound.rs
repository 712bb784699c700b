// mistake: almost-right Rust
// what: `size_hint` gives the lower bound only, `(left, None)` ("at least this many"), though the
//   countdown knows exactly how many are left
// expect: exactly how many numbers are left

impl Stream for Countdown {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        let mut this = self.project();
        loop {
            if *this.left == 0 {
                return Poll::Ready(None);
            }
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
        let item = *this.left;
        *this.left -= 1;
        *this.state = State::Idle;
        Poll::Ready(Some(item))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, None)
    }
}
