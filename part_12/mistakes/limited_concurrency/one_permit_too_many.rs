// mistake: almost-right Rust
// what: `buffer_unordered(limit + 1)`, an off-by-one that a check of one limit with equal delays
//   can miss
// expect: the limit is

use futures::stream::{self, StreamExt};

async fn fetch_all(server: &CountServer, delays: &[Duration], limit: usize) -> Vec<u64> {
    stream::iter(delays)
        .map(|&delay| server.get_count(delay))
        .buffer_unordered(limit + 1)
        .collect()
        .await
}
