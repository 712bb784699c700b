// mistake: cheat
// what: one spawned task running `try_join_all` over every job: a panic does come back as a
//   JoinError and the first Err drops the rest, but the jobs share that one task instead of each
//   being a task of the set
// expect: ran on the same task

use futures::future::try_join_all;

async fn run_all<F>(jobs: Vec<F>) -> Result<Vec<u64>, String>
where
    F: Future<Output = Result<u64, String>> + Send + 'static,
{
    match tokio::spawn(try_join_all(jobs)).await {
        Ok(result) => result,
        Err(panicked) => Err(panicked.to_string()),
    }
}
