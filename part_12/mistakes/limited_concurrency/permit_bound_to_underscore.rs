// mistake: almost-right Rust
// what: the semaphore is there, but the permit is bound to `_`, which drops it at once: `let _ =`
//   is not `let _permit =`, and nothing is limited
// expect: every request must hold a permit

use futures::future::join_all;
use tokio::sync::Semaphore;

async fn fetch_all(server: &CountServer, delays: &[Duration], limit: usize) -> Vec<u64> {
    let semaphore = &Semaphore::new(limit);
    let requests = delays.iter().map(|&delay| async move {
        let _ = semaphore.acquire().await.expect("never closed");
        server.get_count(delay).await
    });
    join_all(requests).await
}
