// mistake: almost-right Rust
// what: the loop keeps the first good answer (`found.get_or_insert(...)`) but never leaves it:
//   the right answer, once every replica has answered
// expect: return as soon as it comes

use futures::StreamExt;
use futures::stream::FuturesUnordered;

async fn first_good<F>(
    replicas: Vec<(&'static str, F)>,
    good: impl Fn(u64) -> bool,
) -> Option<(&'static str, u64)>
where
    F: Future<Output = u64> + Send + 'static,
{
    let mut pending: FuturesUnordered<_> = replicas
        .into_iter()
        .map(|(name, answer)| async move { (name, answer.await) })
        .collect();
    let mut found = None;
    while let Some((name, version)) = pending.next().await {
        if good(version) {
            found.get_or_insert((name, version));
        }
    }
    found
}
