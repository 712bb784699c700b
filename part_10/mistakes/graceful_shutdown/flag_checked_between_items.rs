// mistake: asyncio habit
// what: `while not stop.is_set(): await asyncio.sleep(GAP); await do_item()`: the flag is
//   checked only between items, so a worker waiting for its next item finishes the wait first
//   and leaves up to a GAP late
// expect: a waiting worker leaves at once

use tokio::task::JoinSet;

async fn worker(work: impl Work, stop: CancellationToken) {
    let mut done = 0;
    loop {
        tokio::time::sleep(GAP).await;
        if stop.is_cancelled() {
            break;
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
    stop.cancel();
    workers.join_all().await;
}
