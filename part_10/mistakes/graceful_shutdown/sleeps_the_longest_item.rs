// mistake: cheat
// what: cancels the token, then sleeps as long as the longest item (300 ms, in `main`) instead of
//   waiting for the workers: they are spawned and forgotten, and the function returns at a fixed
//   time, whether they have all left or not
// expect: not for a fixed time

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
    for work in works {
        tokio::spawn(worker(work, stop.clone()));
    }
    tokio::time::sleep(run_for).await;
    stop.cancel();
    tokio::time::sleep(Duration::from_millis(300)).await;
}
