// mistake: almost-right Rust
// what: each worker `tokio::spawn`ed and its JoinHandle dropped, then the token cancelled and the
//   function returns: a dropped handle detaches its task, nothing waits for the workers, and they
//   finish their items and say goodbye after the function has returned
// expect: wait for every worker before returning

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
}
