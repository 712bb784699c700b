// explains: not_send
// A `RefCell` borrow held across an `.await` in a spawned task.
use std::cell::RefCell;
use std::sync::Arc;

pub async fn run() {
    let cell = Arc::new(RefCell::new(Vec::<u32>::new()));
    let task = tokio::spawn(async move {
        let mut items = cell.borrow_mut();
        tokio::task::yield_now().await;
        items.push(1);
    });
    let _ = task.await;
}
