// mistake: asyncio habit
// what: gathers in batches of `limit` (`for batch in itertools.batched(delays, limit): await
//   asyncio.gather(*batch)`): never more than the limit, but each batch waits for its slowest
// expect: as a sliding window (the next request starts the moment one finishes)

use futures::future::join_all;

async fn fetch_all(server: &CountServer, delays: &[Duration], limit: usize) -> Vec<u64> {
    let mut counts = Vec::new();
    for batch in delays.chunks(limit) {
        counts.extend(join_all(batch.iter().map(|&delay| server.get_count(delay))).await);
    }
    counts
}
