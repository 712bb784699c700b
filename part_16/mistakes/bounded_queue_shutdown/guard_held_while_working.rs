// mistake: almost-right Rust
// what: `while let Some(item) = rx.lock().await.recv().await { … }`: the lock's guard is a
//   temporary of the `while let`, kept for the whole body, so one consumer works at a time
// expect: a `while let` keeps it for the whole body

async fn run(plan: Plan) -> Log {
    let log = SharedLog::default();
    let (tx, rx) = mpsc::channel::<Item>(plan.capacity);
    let rx = Arc::new(Mutex::new(rx));
    let mut tasks = JoinSet::new();
    for name in 0..plan.consumers {
        tasks.spawn(consume(name, Arc::clone(&rx), Arc::clone(&log), plan.work));
    }
    for producer in 0..plan.producers {
        tasks.spawn(produce(
            producer,
            plan.items_each,
            tx.clone(),
            Arc::clone(&log),
        ));
    }
    drop(tx);
    while let Some(joined) = tasks.join_next().await {
        joined.expect("a producer or a consumer panicked");
    }
    std::mem::take(&mut *log.lock().unwrap())
}

async fn consume(
    name: usize,
    rx: Arc<Mutex<mpsc::Receiver<Item>>>,
    log: SharedLog,
    work: Duration,
) {
    while let Some(item) = rx.lock().await.recv().await {
        handle(name, item, &log, work).await;
    }
}
