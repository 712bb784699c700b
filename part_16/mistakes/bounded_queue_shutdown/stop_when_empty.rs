// mistake: asyncio habit
// what: `while not queue.empty(): item = queue.get_nowait()`: a consumer stops the first time the
//   queue is empty, though the producers are still at work
// expect: an empty queue is not a closed one

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
    loop {
        let next = rx.lock().await.try_recv();
        let Ok(item) = next else { break };
        handle(name, item, &log, work).await;
    }
}
