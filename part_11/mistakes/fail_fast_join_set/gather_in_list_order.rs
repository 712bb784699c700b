// mistake: asyncio habit
// what: `await asyncio.gather(*tasks)`: spawns every job, awaits the tasks in list order and
//   returns the first error it meets there, leaving the other tasks running (gather cancels none)
// expect: ran on after run_all returned

async fn run_all<F>(jobs: Vec<F>) -> Result<Vec<u64>, String>
where
    F: Future<Output = Result<u64, String>> + Send + 'static,
{
    let tasks: Vec<_> = jobs.into_iter().map(tokio::spawn).collect();
    let mut values = Vec::new();
    for task in tasks {
        values.push(task.await.map_err(|panicked| panicked.to_string())??);
    }
    Ok(values)
}
