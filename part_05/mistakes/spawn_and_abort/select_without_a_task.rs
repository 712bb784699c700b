// mistake: cheat
// what: no task at all: `select!` races the worker against the deadline inside run_for's own
//   future (dropping the worker at the deadline, so it cleans up), and the cancelled JoinError
//   comes from a placeholder task aborted at once. The worker only runs while run_for is polled
// expect: on a task of its own it ticks

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
    tokio::select! {
        () = worker(trace.clone()) => {}
        () = tokio::time::sleep(deadline) => {}
    }
    let placeholder = tokio::spawn(std::future::pending::<()>());
    placeholder.abort();
    placeholder.await
}
