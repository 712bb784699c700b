// mistake: asyncio habit
// what: `tasks = [asyncio.create_task(r) for r in replicas]`, then `for t in tasks: v = await t`:
//   every replica is asked at once, but the answers are read in list order, so the first good
//   replica in the list wins, whenever it answered
// expect: nor the first good replica in the list

async fn first_good<F>(
    replicas: Vec<(&'static str, F)>,
    good: impl Fn(u64) -> bool,
) -> Option<(&'static str, u64)>
where
    F: Future<Output = u64> + Send + 'static,
{
    let tasks: Vec<_> = replicas
        .into_iter()
        .map(|(name, answer)| (name, tokio::spawn(answer)))
        .collect();
    for (name, task) in tasks {
        if let Ok(version) = task.await
            && good(version)
        {
            return Some((name, version));
        }
    }
    None
}
