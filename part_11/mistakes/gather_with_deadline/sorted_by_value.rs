// mistake: cheat
// what: join_all of `timeout_at` per job, then the kept results sorted by value, since in `main`
//   a job's value is its length in seconds: finishing order made up from the values, not seen
// expect: nor sorted by value

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
    gathered.finished.sort_by_key(|&(_, value)| value);
    gathered
}
