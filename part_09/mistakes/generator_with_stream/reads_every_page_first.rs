// mistake: asyncio habit
// what: builds the whole list first and yields from it (`items = [i async for i in ...]`, then
//   `for item in items: yield item`): right items, but every page is read before the first
//   item comes out, and take(3) still reads them all
// expect: not all pages up front

pub fn all_items(api: Api) -> impl Stream<Item = Result<u32, String>> {
    try_stream! {
        let mut all = Vec::new();
        for page in 0.. {
            let items = api.fetch_page(page).await?;
            if items.is_empty() {
                break;
            }
            all.extend(items);
        }
        for item in all {
            yield item;
        }
    }
}
