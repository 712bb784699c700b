// mistake: almost-right Rust
// what: `let _ = Cleanup(..)` instead of `let _cleanup = …`: `_` binds nothing, so the guard is
//   dropped on the spot and "cleaned up" is logged when the worker starts, not when it is aborted
// expect: `let _ = Cleanup(..)` drops the guard at once

/// Logs "tick 1", "tick 2", … one every `TICK`, for ever.
async fn worker(trace: Trace) {
    let _ = Cleanup(trace.clone());
    for n in 1.. {
        tokio::time::sleep(TICK).await;
        trace.say(format!("tick {n}"));
    }
}

/// Runs `worker` as a task until `deadline`, then cancels it. Returns what its JoinHandle gave.
async fn run_for(trace: &Trace, deadline: Duration) -> Result<(), JoinError> {
    let task = tokio::spawn(worker(trace.clone()));
    tokio::time::sleep(deadline).await;
    task.abort();
    task.await
}
