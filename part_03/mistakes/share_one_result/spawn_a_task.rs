// mistake: asyncio habit
// what: `asyncio.create_task(exchange_rate())`, as `tokio::spawn`, and its handle awaited by every
//   report: a tokio JoinHandle is a future, consumed by its `.await` like any other
// expect: use of moved value
// stage: compile

async fn reports(desk: &Arc<Desk>) {
    let task = tokio::spawn(exchange_rate(Arc::clone(desk)));
    let rate = async move { task.await.expect("the fetch does not panic") };
    let ms = Duration::from_millis;
    tokio::join!(
        report(desk, "A", ms(0), rate),
        report(desk, "B", ms(300), rate),
        report(desk, "C", ms(600), rate),
    );
    report(desk, "late", ms(0), rate).await;
}
