// mistake: almost-right Rust
// what: `select!` races the token against the wait and the item together: a stop in the middle
//   of an item drops it there, half done
// expect: only the wait for the next item may race the token

use tokio::task::JoinSet;

async fn worker(work: impl Work, stop: CancellationToken) {
    let mut done = 0;
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = async {
                tokio::time::sleep(GAP).await;
                work.do_item(done + 1).await;
            } => done += 1,
        }
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
