// mistake: cheat
// what: hard-coded for `main`'s replicas, where the third is the first good one: asks only that
//   replica and drops the others unasked
// expect: is the first to answer with one

async fn first_good<F>(
    replicas: Vec<(&'static str, F)>,
    good: impl Fn(u64) -> bool,
) -> Option<(&'static str, u64)>
where
    F: Future<Output = u64> + Send + 'static,
{
    let (name, answer) = replicas.into_iter().nth(2)?;
    let version = answer.await;
    good(version).then_some((name, version))
}
