// mistake: asyncio habit
// what: "cleaned up" is logged after the loop, where Python's `finally:` would run when
//   `cancel()` raises CancelledError in the worker; an aborted task raises nothing and runs no
//   more of its code, so it is never logged
// expect: Code after the loop is no `finally:`

/// Logs "tick 1", "tick 2", … one every `TICK`, for ever.
async fn worker(trace: Trace) {
    for n in 1.. {
        tokio::time::sleep(TICK).await;
        trace.say(format!("tick {n}"));
    }
    trace.say("cleaned up");
}

/// Runs `worker` as a task until `deadline`, then cancels it. Returns what its JoinHandle gave.
async fn run_for(trace: &Trace, deadline: Duration) -> Result<(), JoinError> {
    let task = tokio::spawn(worker(trace.clone()));
    tokio::time::sleep(deadline).await;
    task.abort();
    task.await
}
