// Python tasks can refer to anything; a spawned Rust task may outlive this function, so it must own
// what it uses. Fix: `tokio::spawn(printer(name.clone()))` with `printer(name: String)`, or `move`.
async fn printer(name: &str) {
    println!("{name}: tick");
}

#[tokio::main]
async fn main() {
    let name = String::from("every 1s");
    let task = tokio::spawn(printer(&name));
    let _ = task.await;
}
