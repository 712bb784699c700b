// explains: await_outside_async
// `.await` in a plain `fn` (E0728).
pub fn run() {
    tokio::task::yield_now().await;
}
