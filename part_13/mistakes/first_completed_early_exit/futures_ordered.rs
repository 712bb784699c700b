// mistake: almost-right Rust
// what: `FuturesOrdered` instead of `FuturesUnordered`: every replica is polled at once, but the
//   stream hands the answers over in list order, holding back those that came early
// expect: nor the first good replica in the list

use futures::StreamExt;
use futures::stream::FuturesOrdered;

async fn first_good<F>(
    replicas: Vec<(&'static str, F)>,
    good: impl Fn(u64) -> bool,
) -> Option<(&'static str, u64)>
where
    F: Future<Output = u64> + Send + 'static,
{
    let mut pending: FuturesOrdered<_> = replicas
        .into_iter()
        .map(|(name, answer)| async move { (name, answer.await) })
        .collect();
    while let Some((name, version)) = pending.next().await {
        if good(version) {
            return Some((name, version));
        }
    }
    None
}
