// mistake: asyncio habit
// what: `async with asyncio.timeout(limit): await asyncio.gather(*jobs)`, translated to
//   `tokio::time::timeout(limit, join_all(...))`: at the deadline the whole join_all is dropped,
//   the results of the jobs that had finished with it
// expect: a timeout around the whole gather loses them

use futures::future::join_all;
use tokio::time::timeout;

async fn gather_with_deadline<F>(jobs: Vec<(&'static str, F)>, limit: Duration) -> Gathered
where
    F: Future<Output = u64> + Send + 'static,
{
    let names = jobs.iter().map(|&(name, _)| name).collect();
    let all = join_all(jobs.into_iter().map(|(name, job)| async move { (name, job.await) }));
    match timeout(limit, all).await {
        Ok(finished) => Gathered {
            finished,
            cancelled: vec![],
        },
        Err(_elapsed) => Gathered {
            finished: vec![],
            cancelled: names,
        },
    }
}
