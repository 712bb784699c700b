// mistake: asyncio habit
// what: `for fut in asyncio.as_completed(tasks)` with a `break` on the first good answer, and no
//   `task.cancel()` for the rest: the answer is right and on time, but dropping a JoinHandle
//   detaches its task, and the other replicas go on working
// expect: more steps of work after first_good returned

use futures::StreamExt;
use futures::stream::FuturesUnordered;

async fn first_good<F>(
    replicas: Vec<(&'static str, F)>,
    good: impl Fn(u64) -> bool,
) -> Option<(&'static str, u64)>
where
    F: Future<Output = u64> + Send + 'static,
{
    let mut pending: FuturesUnordered<_> = replicas
        .into_iter()
        .map(|(name, answer)| tokio::spawn(async move { (name, answer.await) }))
        .collect();
    while let Some(joined) = pending.next().await {
        if let Ok((name, version)) = joined
            && good(version)
        {
            return Some((name, version));
        }
    }
    None
}
