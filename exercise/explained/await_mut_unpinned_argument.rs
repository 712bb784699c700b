// explains: not_pinned
// Awaiting `&mut` a future argument that is not pinned.
use std::future::Future;

pub async fn run(shutdown: impl Future<Output = ()>) {
    let mut shutdown = shutdown;
    (&mut shutdown).await;
}
