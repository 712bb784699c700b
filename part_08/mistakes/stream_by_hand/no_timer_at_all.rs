// mistake: cheat
// what: never touches the Sleep: yields the right numbers, in order, as fast as they are asked
//   for, and ends properly. The collected list and size_hint are right; the ticks are missing
// expect: then one per tick

impl Stream for Countdown {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u32>> {
        let this = self.project();
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
