// mistake: almost-right Rust
// what: `.shared()` inside the closure: each call makes a new computation and a `Shared` handle
//   on it, so there are four handles on four fetches instead of four clones of one
// expect: exchange_rate ran 4 times for four reports

async fn reports(desk: &Arc<Desk>) {
    let rate = || exchange_rate(Arc::clone(desk)).shared();
    let ms = Duration::from_millis;
    tokio::join!(
        report(desk, "A", ms(0), rate()),
        report(desk, "B", ms(300), rate()),
        report(desk, "C", ms(600), rate()),
    );
    report(desk, "late", ms(0), rate()).await;
}
