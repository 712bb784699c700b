// mistake: asyncio habit
// what: every value on a queue (`asyncio.Queue`): a task forwards each change into an mpsc
//   channel and the screen draws them all, in order, each later than the last
// expect: a backlog of every value

async fn show_progress(mut progress: watch::Receiver<u32>, screen: Screen) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while progress.changed().await.is_ok() {
            let percent = *progress.borrow_and_update();
            if tx.send(percent).is_err() {
                break;
            }
        }
    });
    while let Some(percent) = rx.recv().await {
        screen.draw(percent).await;
    }
}
