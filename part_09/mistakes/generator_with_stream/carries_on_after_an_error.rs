// mistake: almost-right Rust
// what: yields the error as an item and goes on to the next page (`except Exception as e:
//   yield e; continue`), so a failed page no longer ends the stream
// expect: after a failed page, the stream is over

pub fn all_items(api: Api) -> impl Stream<Item = Result<u32, String>> {
    async_stream::stream! {
        for page in 0.. {
            match api.fetch_page(page).await {
                Err(error) => yield Err(error),
                Ok(items) if items.is_empty() => break,
                Ok(items) => {
                    for item in items {
                        yield Ok(item);
                    }
                }
            }
        }
    }
}
