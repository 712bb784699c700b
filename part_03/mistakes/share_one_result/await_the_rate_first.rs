// mistake: asyncio habit
// what: `rate = await exchange_rate()`, then the value to every report (as
//   `std::future::ready(rate)`): one fetch, one rate, but B and C start preparing only after it
// expect: Start the fetch with the reports, not before them

async fn reports(desk: &Arc<Desk>) {
    let rate = exchange_rate(Arc::clone(desk)).await;
    let ms = Duration::from_millis;
    let ready = || std::future::ready(rate);
    tokio::join!(
        report(desk, "A", ms(0), ready()),
        report(desk, "B", ms(300), ready()),
        report(desk, "C", ms(600), ready()),
    );
    report(desk, "late", ms(0), ready()).await;
}
