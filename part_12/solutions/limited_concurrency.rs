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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;
    use workshop::testing::within;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_flight() {
        within(Duration::from_secs(60), "fetch_all", async {
            for limit in 1..=3 {
                let server = CountServer::default();
                fetch_all(&server, &[SECOND; 6], limit).await;
                let most = server.most_at_once.load(SeqCst);
                assert!(
                    most <= limit,
                    "{most} requests ran at once; the limit is {limit}"
                );
            }
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn every_request_gets_its_count() {
        within(Duration::from_secs(60), "fetch_all", async {
            let server = CountServer::default();
            let delays = [3, 0, 2, 1, 2].map(|s| SECOND * s);
            let mut counts = fetch_all(&server, &delays, 2).await;
            counts.sort_unstable();
            assert_eq!(
                counts,
                [1, 2, 3, 4, 5],
                "one count per delay, each request answered once"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn up_to_the_limit_run_side_by_side() {
        within(Duration::from_secs(60), "fetch_all", async {
            for (requests, limit) in [(6, 2), (6, 4), (7, 3), (3, 5)] {
                let server = CountServer::default();
                let start = Instant::now();
                fetch_all(&server, &vec![SECOND; requests], limit).await;
                let took = start.elapsed();
                let rounds = requests.div_ceil(limit);
                assert_eq!(
                    took,
                    SECOND * rounds as u32,
                    "{requests} requests of 1 s, at most {limit} at a time, took {took:?}; with \
                     {limit} side by side they take {rounds} s"
                );
            }
        })
        .await;
    }
}
