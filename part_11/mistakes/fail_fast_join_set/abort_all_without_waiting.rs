// mistake: almost-right Rust
// what: on the first error, `abort_all()` and return: the other tasks are aborted, but run_all
//   does not wait until they are gone, so their clean-up runs after it has returned
// expect: wait until the aborted tasks are gone before returning

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
        match joined {
            Ok(Ok(value)) => values.push(value),
            Ok(Err(failed)) => {
                tasks.abort_all();
                return Err(failed);
            }
            Err(panicked) => {
                tasks.abort_all();
                return Err(panicked.to_string());
            }
        }
    }
    Ok(values)
}
