// mistake: cheat
// what: set() wakes nobody; instead each Pending spawns a helper task that looks at the value
//   every millisecond and wakes the waiter once it is there. The waiter is polled twice and
//   finishes on time, but it is woken by a watcher, not by set()
// expect: a helper task that wakes it later

use std::time::Duration as Interval;

impl Future for Wait {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if let Some(value) = lock(&self.state).value {
            return Poll::Ready(value);
        }
        let state = Arc::clone(&self.state);
        let waker = cx.waker().clone();
        tokio::spawn(async move {
            while lock(&state).value.is_none() {
                tokio::time::sleep(Interval::from_millis(1)).await;
            }
            waker.wake();
        });
        Poll::Pending
    }
}
