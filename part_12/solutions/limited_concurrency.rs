//! Exercise (part 12): at most N requests at a time.
//!
//! `fetch_all` must ask the count server for one count per delay, concurrently but with at most
//! `limit` requests in flight at any moment, and return every count (in any order). As shipped it
//! sends them one by one: the limit holds, but `limit` requests could have run side by side.
//!
//! Follows part 12 (sections 4 and 5: a `Semaphore`, or `buffer_unordered`). Python mirrors it
//! with `sem = asyncio.Semaphore(limit)` and `async with sem: return await get_count(session, d)`
//! for each delay, all of them gathered. `CountServer` is the count server of `make server` (its
//! router, called in-process: no socket, so its delays follow the paused clock). It counts in the
//! order it answers, and notes how many requests it was serving at once.
//!
//! The checks read the server's own figures, on tokio's paused clock: it never served more than
//! `limit` at once and did serve `limit` at once; it answered one request per count returned; and
//! a request starts as soon as another finishes (delays 3, 1, 1, 1 s with a limit of 2 take 3 s;
//! batches of two, each waiting for its slowest, take 4 s).
//!
//! Check it: `cargo exercise check limited_concurrency` (or save the file while `make exercise`
//! runs).

use std::time::Duration;

use futures::future::join_all;
use tokio::sync::Semaphore;

use count_server::InProcess;

/// `GET /count?delay=…` on the count server, which waits the delay, then answers the next count.
/// (`http` notes how many requests it answered, and the most it served at once.)
#[derive(Debug, Default)]
struct CountServer {
    http: InProcess,
}

impl CountServer {
    async fn get_count(&self, delay: Duration) -> u64 {
        let count = self.http.get_count(delay.as_secs_f64()).await;
        count.expect("the count server answers every delay from 0 to 60 s")
    }
}

/// One count per delay, with at most `limit` requests in flight at a time.
async fn fetch_all(server: &CountServer, delays: &[Duration], limit: usize) -> Vec<u64> {
    let semaphore = &Semaphore::new(limit);
    let requests = delays.iter().map(|&delay| async move {
        // `_permit`, not `_`: the permit goes back when it is dropped, after the request.
        let _permit = semaphore.acquire().await.expect("never closed");
        server.get_count(delay).await
    });
    join_all(requests).await
}

#[tokio::main]
async fn main() {
    let server = CountServer::default();
    let counts = fetch_all(&server, &[Duration::from_millis(100); 6], 2).await;
    let most = server.http.most_at_once();
    println!("counts {counts:?}, at most {most} requests at once");
}

// The tests `cargo exercise check` runs: part_12/checks/limited_concurrency.rs.
#[cfg(test)]
#[path = "../checks/limited_concurrency.rs"]
mod checks;
