// Lending a future to `timeout` (so it survives the timeout) needs it pinned: an `async` block is
// !Unpin, and `&mut F` is only a future when `F: Unpin`. The fix: `let mut job = pin!(job);`.

use std::time::Duration;

#[tokio::main]
async fn main() {
    let mut job = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        42
    };
    let first_try = tokio::time::timeout(Duration::from_millis(200), &mut job).await;
    println!("{first_try:?}");
}
