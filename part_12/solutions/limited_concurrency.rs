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
//! The tests check, on tokio's paused clock, that no more than `limit` requests ran at once, that
//! each request got its count, and that the whole took `ceil(requests / limit)` rounds of one
//! delay: side by side, up to the limit.
//!
//! Check it: `cargo exercise check limited_concurrency` (or save the file while `make exercise`
//! runs).

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::Semaphore;
use workshop::count_server::InProcess;

/// `GET /count?delay=…` on the count server, which waits the delay, then answers the next count.
#[derive(Debug, Default)]
struct CountServer {
    http: InProcess,
    in_flight: AtomicUsize,
    most_at_once: AtomicUsize,
}

impl CountServer {
    async fn get_count(&self, delay: Duration) -> u64 {
        let now = self.in_flight.fetch_add(1, SeqCst) + 1;
        self.most_at_once.fetch_max(now, SeqCst);
        let count = self.http.get_count(delay.as_secs_f64()).await;
        self.in_flight.fetch_sub(1, SeqCst);
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
    let most = server.most_at_once.load(SeqCst);
    println!("counts {counts:?}, at most {most} requests at once");
}

// The tests `cargo exercise check` runs: part_12/checks/limited_concurrency.rs.
#[cfg(test)]
#[path = "../checks/limited_concurrency.rs"]
mod checks;
