// mistake: almost-right Rust
// what: `timeout(limit, tasks.join_next())` in the loop: each result starts a new `limit`, so the
//   deadline moves on with every job that finishes in time
// expect: one deadline for the whole gather, fixed once

use tokio::task::JoinSet;
use tokio::time::timeout;

async fn gather_with_deadline<F>(jobs: Vec<(&'static str, F)>, limit: Duration) -> Gathered
where
    F: Future<Output = u64> + Send + 'static,
{
    let names: Vec<&'static str> = jobs.iter().map(|&(name, _)| name).collect();
    let mut tasks = JoinSet::new();
    for (name, job) in jobs {
        tasks.spawn(async move { (name, job.await) });
    }
    let mut finished = Vec::new();
    while let Ok(Some(joined)) = timeout(limit, tasks.join_next()).await {
        finished.extend(joined.ok());
    }
    tasks.shutdown().await;
    let cancelled = names
        .into_iter()
        .filter(|name| !finished.iter().any(|(done, _)| done == name))
        .collect();
    Gathered {
        finished,
        cancelled,
    }
}
