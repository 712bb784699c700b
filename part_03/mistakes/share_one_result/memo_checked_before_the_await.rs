// mistake: asyncio habit
// what: a memo (`if cache is None: cache = await exchange_rate()`), as a `OnceLock` checked before
//   the fetch: A, B and C all look before the first fetch has ended, so each fetches its own
// expect: exchange_rate ran 3 times for four reports

use std::sync::OnceLock;

async fn reports(desk: &Arc<Desk>) {
    let cache = OnceLock::new();
    let rate = || async {
        if let Some(&rate) = cache.get() {
            return rate;
        }
        let rate = exchange_rate(Arc::clone(desk)).await;
        let _ = cache.set(rate);
        rate
    };
    let ms = Duration::from_millis;
    tokio::join!(
        report(desk, "A", ms(0), rate()),
        report(desk, "B", ms(300), rate()),
        report(desk, "C", ms(600), rate()),
    );
    report(desk, "late", ms(0), rate()).await;
}
