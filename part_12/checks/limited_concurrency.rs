//! The checks of `limited_concurrency`: `cargo exercise check limited_concurrency` runs them
//! against part_12/exercises/limited_concurrency.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

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
