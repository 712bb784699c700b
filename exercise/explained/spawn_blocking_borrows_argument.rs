// explains: not_static
// `spawn_blocking(move || …)` with a borrowed argument: `move` moves the reference, not the
// data (E0521).
pub async fn run(path: &str) -> usize {
    let task = tokio::task::spawn_blocking(move || path.len());
    task.await.unwrap_or(0)
}
