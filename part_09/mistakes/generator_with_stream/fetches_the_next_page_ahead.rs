// mistake: almost-right Rust
// what: prefetches: starts page p + 1 in a task before yielding the items of page p, so the
//   next page is ready sooner. Fast, but it fetches pages nobody asked for (take(3) reads one
//   page too many), and the task outlives the stream
// expect: not the next one ahead

pub fn all_items(api: Api) -> impl Stream<Item = Result<u32, String>> {
    try_stream! {
        let mut items = api.fetch_page(0).await?;
        let mut page = 0;
        while !items.is_empty() {
            page += 1;
            let next_api = api.clone();
            let next = tokio::spawn(async move { next_api.fetch_page(page).await });
            for item in items {
                yield item;
            }
            items = next.await.map_err(|e| e.to_string())??;
        }
    }
}
