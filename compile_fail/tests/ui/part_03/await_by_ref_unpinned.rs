// DELIBERATELY WRONG: awaits an async fn's future through `&mut`, so as to await it again later.
// `&mut F` is a future only when `F: Unpin`, and the future of an async fn is not `Unpin`: the
// compiler refuses (E0277) until the future is pinned (`std::pin::pin!` or `Box::pin`).
async fn compute() -> u64 {
    42
}

#[tokio::main]
async fn main() {
    let mut future = compute();
    let first = (&mut future).await;
    let second = (&mut future).await;
    assert_eq!(first, second);
}
