// explains: different_async_blocks
// `join_all` over two async blocks: each has a type of its own (E0308).
pub async fn run() -> Vec<u32> {
    futures::future::join_all(vec![async { 1 }, async { 2 }]).await
}
