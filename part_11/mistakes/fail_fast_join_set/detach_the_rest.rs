// mistake: cheat
// what: the error comes back at the right moment, and `detach_all()` takes the other tasks out
//   of the set so that nothing waits for them: they are not stopped, only hidden, and run on
// expect: ran on after run_all returned

use tokio::task::JoinSet;

async fn run_all<F>(jobs: Vec<F>) -> Result<Vec<u64>, String>
where
    F: Future<Output = Result<u64, String>> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    for job in jobs {
        tasks.spawn(job);
    }
    let mut values = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined.map_err(|panicked| panicked.to_string()).and_then(|result| result) {
            Ok(value) => values.push(value),
            Err(error) => {
                tasks.detach_all();
                return Err(error);
            }
        }
    }
    Ok(values)
}
