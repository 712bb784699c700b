//! The checks of `limited_concurrency`: `cargo exercise check limited_concurrency` runs them
//! against part_12/exercises/limited_concurrency.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

use super::*;
use tokio::time::Instant;
use workshop::testing::within;

const SECOND: Duration = Duration::from_secs(1);

fn seconds(delays: &[u64]) -> Vec<Duration> {
    delays.iter().map(|&s| SECOND * s as u32).collect()
}

/// How long `delays` take with `limit` slots, each request starting as soon as a slot is free
/// (in order): a sliding window.
fn sliding_window(delays: &[u64], limit: usize) -> u64 {
    let mut free_at = vec![0; limit];
    for &delay in delays {
        let slot = (0..limit).min_by_key(|&i| free_at[i]).unwrap_or(0);
        free_at[slot] += delay;
    }
    free_at.into_iter().max().unwrap_or(0)
}

/// How long they take in batches of `limit`, each batch waiting for its slowest.
fn batches(delays: &[u64], limit: usize) -> u64 {
    delays
        .chunks(limit)
        .map(|batch| batch.iter().copied().max().unwrap_or(0))
        .sum()
}

#[tokio::test(start_paused = true)]
async fn never_more_than_the_limit_in_flight() {
    within(Duration::from_secs(120), "fetch_all", async {
        for limit in 1..=3 {
            let server = CountServer::default();
            fetch_all(&server, &seconds(&[1; 6]), limit).await;
            let most = server.http.most_at_once();
            assert!(
                most <= limit,
                "the server was serving {most} requests at once; the limit is {limit}: every \
                 request must hold a permit (or wait its turn in buffer_unordered) while it runs"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn every_count_comes_from_a_request_the_server_answered() {
    within(Duration::from_secs(120), "fetch_all", async {
        for delays in [vec![3, 0, 2, 1, 2], vec![1; 7]] {
            let server = CountServer::default();
            let mut counts = fetch_all(&server, &seconds(&delays), 2).await;
            let answered = server.http.answered();
            assert_eq!(
                answered,
                delays.len() as u64,
                "the server answered {answered} requests for {} delays: ask it once per delay",
                delays.len()
            );
            counts.sort_unstable();
            let expected: Vec<u64> = (1..=delays.len() as u64).collect();
            assert_eq!(
                counts, expected,
                "one count per delay, each the server's answer to one request"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn up_to_the_limit_run_side_by_side() {
    within(Duration::from_secs(120), "fetch_all", async {
        for (requests, limit) in [(6, 2), (6, 4), (7, 3), (3, 5)] {
            let server = CountServer::default();
            let start = Instant::now();
            fetch_all(&server, &seconds(&vec![1; requests]), limit).await;
            let took = start.elapsed();
            let most = server.http.most_at_once();
            assert_eq!(
                most,
                limit.min(requests),
                "{requests} requests with a limit of {limit}: the server never had more than \
                 {most} at once; {} could run side by side",
                limit.min(requests)
            );
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

#[tokio::test(start_paused = true)]
async fn a_free_slot_is_taken_at_once() {
    within(Duration::from_secs(120), "fetch_all", async {
        for (delays, limit) in [
            (vec![3, 1, 1, 1], 2),
            (vec![1, 4, 1, 1, 1, 1, 1], 2),
            (vec![2, 1, 1, 3, 1, 1], 3),
        ] {
            let server = CountServer::default();
            let start = Instant::now();
            fetch_all(&server, &seconds(&delays), limit).await;
            let took = start.elapsed().as_secs_f64();
            let window = sliding_window(&delays, limit);
            assert!(
                (took - window as f64).abs() < 0.001,
                "delays {delays:?} s with a limit of {limit} took {took} s; as a sliding window \
                 (the next request starts the moment one finishes) they take {window} s. Batches \
                 of {limit}, each waiting for its slowest, take {} s",
                batches(&delays, limit)
            );
        }
    })
    .await;
}
