// mistake: asyncio habit
// what: `asyncio.create_task(asyncio.wait_for(worker(), deadline))`: the timeout stops the worker
//   at the deadline, inside its task, so the task ends normally and its JoinHandle gives `Ok`,
//   not the cancellation `abort()` gives
// expect: a JoinError whose is_cancelled() is true

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
    let task = tokio::spawn(tokio::time::timeout(deadline, worker(trace.clone())));
    task.await.map(|_elapsed| ())
}
