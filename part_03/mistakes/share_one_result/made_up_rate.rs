// mistake: cheat
// what: fetches once, beside the reports, and ignores the answer: every report gets the 101 a
//   fresh desk's first fetch answers, at the right time
// expect: a rate the fetch never answered was made up

async fn reports(desk: &Arc<Desk>) {
    let ms = Duration::from_millis;
    let rate = || std::future::ready(101);
    tokio::join!(
        exchange_rate(Arc::clone(desk)),
        report(desk, "A", ms(0) + FETCH, rate()),
        report(desk, "B", ms(300).max(FETCH), rate()),
        report(desk, "C", ms(600).max(FETCH), rate()),
    );
    report(desk, "late", ms(0), rate()).await;
}
