// mistake: asyncio habit
// what: `asyncio.gather(*requests)` with no semaphore: every request at once, the limit ignored
// expect: requests at once; the limit is

use futures::future::join_all;

async fn fetch_all(server: &CountServer, delays: &[Duration], limit: usize) -> Vec<u64> {
    let _ = limit;
    join_all(delays.iter().map(|&delay| server.get_count(delay))).await
}
