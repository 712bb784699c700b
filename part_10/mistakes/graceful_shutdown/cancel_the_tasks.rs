// mistake: asyncio habit
// what: `task.cancel()` for every worker, as `await asyncio.gather(*tasks, return_exceptions=True)`
//   would follow it: `JoinSet::shutdown()` aborts each worker at whatever `.await` it is on, the
//   middle of an item included, and no worker gets to say goodbye
// expect: dropped first (by abort(), or with its JoinSet)

use tokio::task::JoinSet;

async fn worker(work: impl Work, stop: CancellationToken) {
    let mut done = 0;
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(GAP) => {}
        }
        done += 1;
        work.do_item(done).await;
    }
    work.goodbye(done);
}

async fn run_then_shut_down(works: Vec<impl Work>, run_for: Duration) {
    let stop = CancellationToken::new();
    let mut workers = JoinSet::new();
    for work in works {
        workers.spawn(worker(work, stop.clone()));
    }
    tokio::time::sleep(run_for).await;
    workers.shutdown().await;
}
