// mistake: cheat
// what: a timeout around the JoinHandle, which drops (detaches) the task at the deadline instead
//   of cancelling it, and a cancelled JoinError made up from a placeholder task aborted at once:
//   the worker ticks on after run_for has returned
// expect: it was never stopped

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
    let task = tokio::spawn(worker(trace.clone()));
    if let Ok(joined) = tokio::time::timeout(deadline, task).await {
        return joined;
    }
    let placeholder = tokio::spawn(std::future::pending::<()>());
    placeholder.abort();
    placeholder.await
}
