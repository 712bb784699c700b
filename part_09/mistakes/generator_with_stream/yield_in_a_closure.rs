// mistake: almost-right Rust
// what: yields from a closure, `items.into_iter().for_each(|item| yield item)`: `try_stream!`
//   rewrites the `yield` written in its block, not one inside a closure
// expect: yield syntax is experimental
// stage: compile

pub fn all_items(api: Api) -> impl Stream<Item = Result<u32, String>> {
    try_stream! {
        for page in 0.. {
            let items = api.fetch_page(page).await?;
            if items.is_empty() {
                break;
            }
            items.into_iter().for_each(|item| yield item);
        }
    }
}
