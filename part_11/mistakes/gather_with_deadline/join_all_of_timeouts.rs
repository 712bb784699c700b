// mistake: almost-right Rust
// what: each job under `timeout_at(deadline, job)`, all of them in one `join_all`: the deadline
//   holds and the late jobs are dropped, but join_all answers in list order, not finishing order
// expect: in the order they finished

use futures::future::join_all;
use tokio::time::{Instant, timeout_at};

async fn gather_with_deadline<F>(jobs: Vec<(&'static str, F)>, limit: Duration) -> Gathered
where
    F: Future<Output = u64> + Send + 'static,
{
    let deadline = Instant::now() + limit;
    let each = jobs.into_iter().map(|(name, job)| async move {
        (name, timeout_at(deadline, job).await.ok())
    });
    let mut gathered = Gathered {
        finished: vec![],
        cancelled: vec![],
    };
    for (name, value) in join_all(each).await {
        match value {
            Some(value) => gathered.finished.push((name, value)),
            None => gathered.cancelled.push(name),
        }
    }
    gathered
}
