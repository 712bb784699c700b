// mistake: asyncio habit
// what: a sentinel per consumer (`await queue.put(None)` once the producers are done): the end is
//   an item, so a real item that looks like it stops a consumer
// expect: no sentinel: the end is recv answering None

const STOP: Item = (usize::MAX, u32::MAX);

async fn run(plan: Plan) -> Log {
    let log = SharedLog::default();
    let (tx, rx) = mpsc::channel::<Item>(plan.capacity);
    let rx = Arc::new(Mutex::new(rx));
    let mut consumers = JoinSet::new();
    for name in 0..plan.consumers {
        consumers.spawn(consume(name, Arc::clone(&rx), Arc::clone(&log), plan.work));
    }
    let mut producers = JoinSet::new();
    for producer in 0..plan.producers {
        producers.spawn(produce(
            producer,
            plan.items_each,
            tx.clone(),
            Arc::clone(&log),
        ));
    }
    producers.join_all().await;
    for _ in 0..plan.consumers {
        tx.send(STOP).await.expect("a consumer is alive");
    }
    consumers.join_all().await;
    std::mem::take(&mut *log.lock().unwrap())
}

async fn consume(
    name: usize,
    rx: Arc<Mutex<mpsc::Receiver<Item>>>,
    log: SharedLog,
    work: Duration,
) {
    loop {
        let next = rx.lock().await.recv().await;
        match next {
            Some(STOP) | None => break,
            Some(item) => handle(name, item, &log, work).await,
        }
    }
}
