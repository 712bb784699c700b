//! Test helpers: every async test in the workshop runs its body under a timeout, so a deadlock
//! fails with a message naming what hung instead of hanging CI.

use std::future::Future;
use std::time::Duration;

/// The limit [`timeout`] uses. On a paused clock it costs nothing: when every task is idle, tokio
/// jumps the clock straight to the next timer, which is this one if the body is stuck.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(30);

/// Runs `body`, panicking with `what` if it has not finished within `limit`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// let answer = workshop::testing::within(Duration::from_secs(1), "quick", async { 42 }).await;
/// assert_eq!(answer, 42);
/// # }
/// ```
pub async fn within<F: Future>(limit: Duration, what: &str, body: F) -> F::Output {
    match tokio::time::timeout(limit, body).await {
        Ok(output) => output,
        Err(_) => panic!(
            "test timed out after {limit:?}: {what} never finished (a deadlock, a missing wake-up, \
             or a future that is never resolved)"
        ),
    }
}

/// [`within`] with [`DEFAULT_LIMIT`].
pub async fn timeout<F: Future>(body: F) -> F::Output {
    within(DEFAULT_LIMIT, "test body", body).await
}

/// `fut`, answering its output with how many times it was polled: a check that a task is woken
/// once its answer is there, not polled again and again (a sleep loop, waiting in slices).
pub fn count_polls<F: Future>(fut: F) -> CountPolls<F> {
    CountPolls {
        inner: Box::pin(fut),
        polls: 0,
    }
}

/// See [`count_polls`].
#[derive(Debug)]
pub struct CountPolls<F> {
    inner: std::pin::Pin<Box<F>>,
    polls: usize,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = (F::Output, usize);

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        self.polls += 1;
        match self.inner.as_mut().poll(cx) {
            std::task::Poll::Ready(answer) => std::task::Poll::Ready((answer, self.polls)),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn returns_the_output_of_a_body_that_finishes() {
        let value = within(Duration::from_secs(1), "sleepy", async {
            tokio::time::sleep(Duration::from_millis(999)).await;
            7
        })
        .await;
        assert_eq!(value, 7);
    }

    #[tokio::test(start_paused = true)]
    #[should_panic(expected = "test timed out after 1s: stuck never finished")]
    async fn panics_with_a_clear_message_when_the_body_hangs() {
        within(
            Duration::from_secs(1),
            "stuck",
            std::future::pending::<()>(),
        )
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn default_limit_applies() {
        let start = tokio::time::Instant::now();
        let hung = tokio::spawn(timeout(std::future::pending::<()>())).await;
        let err = hung.expect_err("a pending body must time out");
        assert!(err.is_panic());
        assert_eq!(start.elapsed(), DEFAULT_LIMIT);
    }

    #[tokio::test(start_paused = true)]
    async fn count_polls_counts_each_poll_up_to_the_answer() {
        let (value, polls) = timeout(count_polls(async {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            7
        }))
        .await;
        assert_eq!((value, polls), (7, 3));
        assert_eq!(timeout(count_polls(async { 1 })).await, (1, 1));
    }
}
