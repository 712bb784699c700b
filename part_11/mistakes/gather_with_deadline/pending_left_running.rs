// mistake: asyncio habit
// what: `done, pending = await asyncio.wait(tasks, timeout=limit)`, and the `task.cancel()` for
//   each pending task forgotten: tokio::spawn'ed tasks run on when their handles are dropped
// expect: not left running in the background

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::time::{Instant, timeout_at};

async fn gather_with_deadline<F>(jobs: Vec<(&'static str, F)>, limit: Duration) -> Gathered
where
    F: Future<Output = u64> + Send + 'static,
{
    let deadline = Instant::now() + limit;
    let names: Vec<&'static str> = jobs.iter().map(|&(name, _)| name).collect();
    let mut pending: FuturesUnordered<_> = jobs
        .into_iter()
        .map(|(name, job)| tokio::spawn(async move { (name, job.await) }))
        .collect();
    let mut finished = Vec::new();
    while let Ok(Some(joined)) = timeout_at(deadline, pending.next()).await {
        finished.extend(joined.ok());
    }
    let cancelled = names
        .into_iter()
        .filter(|name| !finished.iter().any(|(done, _)| done == name))
        .collect();
    Gathered {
        finished,
        cancelled,
    }
}
