// mistake: asyncio habit
// what: a producer task feeding a queue (`asyncio.create_task(producer(queue))`, the consumer
//   reading `queue.get()`): the task starts fetching before anyone asks, runs ahead of the
//   consumer, and keeps the API after the stream is dropped
// expect: a stream does nothing until it is polled

use tokio::sync::mpsc;

pub fn all_items(api: Api) -> impl Stream<Item = Result<u32, String>> {
    let (tx, mut rx) = mpsc::channel(1);
    tokio::spawn(async move {
        for page in 0.. {
            match api.fetch_page(page).await {
                Ok(items) if items.is_empty() => break,
                Ok(items) => {
                    for item in items {
                        if tx.send(Ok(item)).await.is_err() {
                            return;
                        }
                    }
                }
                Err(error) => {
                    let _ = tx.send(Err(error)).await;
                    break;
                }
            }
        }
    });
    async_stream::stream! {
        while let Some(item) = rx.recv().await {
            yield item;
        }
    }
}
