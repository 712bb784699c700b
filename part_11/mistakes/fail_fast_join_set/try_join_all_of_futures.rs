// mistake: almost-right Rust
// what: `futures::future::try_join_all(jobs)`: the first Err drops the other futures, clean-up
//   and all, but no job is a task: they all run inside run_all's own task, and a job's panic
//   goes straight through run_all (and the values come back in list order)
// expect: not on a task of its own

use futures::future::try_join_all;

async fn run_all<F>(jobs: Vec<F>) -> Result<Vec<u64>, String>
where
    F: Future<Output = Result<u64, String>> + Send + 'static,
{
    try_join_all(jobs).await
}
