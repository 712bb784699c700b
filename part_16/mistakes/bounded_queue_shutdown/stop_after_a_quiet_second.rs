// mistake: asyncio habit
// what: `await asyncio.wait_for(queue.get(), 1)`, stopping on `TimeoutError`: the queue is never
//   closed (`run` keeps its Sender), so each consumer idles a second after the last item
// expect: a timeout on recv

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
        let next = tokio::time::timeout(Duration::from_secs(1), async {
            rx.lock().await.recv().await
        })
        .await;
        let Ok(Some(item)) = next else { break };
        handle(name, item, &log, work).await;
    }
}
