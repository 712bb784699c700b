// mistake: almost-right Rust
// what: a `tokio::time::timeout` around the JoinHandle instead of `abort()`, then awaiting the
//   handle for its outcome: the timeout only stops the waiting, the worker ticks on, and a task
//   that never ends never gives its JoinHandle anything
// expect: A timeout around the JoinHandle stops the waiting, not the task

/// Logs "tick 1", "tick 2", … one every `TICK`, for ever.
async fn worker(trace: Trace) {
    let _cleanup = Cleanup(trace.clone());
    for n in 1.. {
        tokio::time::sleep(TICK).await;
        trace.say(format!("tick {n}"));
    }
}

/// Runs `worker` as a task until `deadline`, then cancels it. Returns what its JoinHandle gave.
async fn run_for(trace: &Trace, deadline: Duration) -> Result<(), JoinError> {
    let mut task = tokio::spawn(worker(trace.clone()));
    if let Ok(joined) = tokio::time::timeout(deadline, &mut task).await {
        return joined;
    }
    task.await
}
