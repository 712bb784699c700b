// mistake: almost-right Rust
// what: shares one fetch among A, B and C, then calls `exchange_rate` again for the late report,
//   as if the shared future were used up: a second fetch, another rate, another second
// expect: exchange_rate ran 2 times for four reports

async fn reports(desk: &Arc<Desk>) {
    let rate = exchange_rate(Arc::clone(desk)).shared();
    let ms = Duration::from_millis;
    tokio::join!(
        report(desk, "A", ms(0), rate.clone()),
        report(desk, "B", ms(300), rate.clone()),
        report(desk, "C", ms(600), rate),
    );
    report(desk, "late", ms(0), exchange_rate(Arc::clone(desk))).await;
}
