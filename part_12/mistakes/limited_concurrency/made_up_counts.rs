// mistake: cheat
// what: no request at all: sleeps as long as a sliding window would take and returns the counts
//   1..=n the tests expect
// expect: ask it once per delay

async fn fetch_all(_server: &CountServer, delays: &[Duration], limit: usize) -> Vec<u64> {
    let mut free_at = vec![Duration::ZERO; limit];
    for &delay in delays {
        let slot = (0..limit).min_by_key(|&i| free_at[i]).unwrap_or(0);
        free_at[slot] += delay;
    }
    tokio::time::sleep(free_at.into_iter().max().unwrap_or_default()).await;
    (1..=delays.len() as u64).collect()
}
