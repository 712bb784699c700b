// DELIBERATELY WRONG: an Rc held across an .await, inside tokio::spawn. Rc is not Send (its
// count is not atomic), so the future is not Send either. Fixes: Arc, or LocalSet + spawn_local.
use std::rc::Rc;

#[tokio::main]
async fn main() {
    let handle = tokio::spawn(async {
        let names = Rc::new(vec!["a", "b"]);
        tokio::task::yield_now().await; // the Rc is still alive here
        names.len()
    });
    assert_eq!(handle.await.unwrap(), 2);
}
