// mistake: almost-right Rust
// what: one shared fetch, but the reports are awaited one after another (`await report(...)` in a
//   loop): B starts preparing only when A is filed, C when B is
// expect: run A, B and C side by side (join!, not one after another)

async fn reports(desk: &Arc<Desk>) {
    let rate = exchange_rate(Arc::clone(desk)).shared();
    let ms = Duration::from_millis;
    for (name, prep) in [("A", 0), ("B", 300), ("C", 600), ("late", 0)] {
        report(desk, name, ms(prep), rate.clone()).await;
    }
}
