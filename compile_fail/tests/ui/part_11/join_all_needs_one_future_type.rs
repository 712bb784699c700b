// Python's gather takes any awaitables. join_all takes a collection, and a Vec holds one type:
// two async blocks never share one, even when they look the same. Fixes: `tokio::join!(a, b)` for
// a fixed number of futures, one `async fn` called several times, or `Box::pin` each future.
use std::time::Duration;

#[tokio::main]
async fn main() {
    let fast = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        1
    };
    let slow = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        2
    };
    let results = futures::future::join_all(vec![fast, slow]).await;
    println!("{results:?}");
}
