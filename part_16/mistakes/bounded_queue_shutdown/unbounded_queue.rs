// mistake: asyncio habit
// what: `asyncio.Queue()`, no maxsize: a queue "big enough for everything" (`mpsc::channel(1024)`),
//   so the producers never wait and the queue holds all they make
// expect: asyncio.Queue(maxsize=capacity), not asyncio.Queue()

async fn run(plan: Plan) -> Log {
    let log = SharedLog::default();
    let (tx, rx) = mpsc::channel::<Item>(1024);
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
        let next = rx.lock().await.recv().await;
        let Some(item) = next else { break };
        handle(name, item, &log, work).await;
    }
}
