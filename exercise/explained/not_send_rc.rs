// explains: not_send
// An `Rc` held across an `.await` in a spawned task.
use std::rc::Rc;

pub async fn run() {
    let shared = Rc::new(5);
    let task = tokio::spawn(async move {
        tokio::task::yield_now().await;
        *shared
    });
    let _ = task.await;
}
