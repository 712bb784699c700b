// mistake: cheat
// what: never calls the reader: waits as long as the legacy reader would, without blocking, and
//   answers what the legacy reader answers
// expect: never called the reader it was given

async fn load_config(read: impl FnOnce(&str) -> String + Send + 'static, name: &str) -> String {
    let _ = read;
    tokio::time::sleep(Duration::from_millis(200)).await;
    format!("{name}: retries=3 timeout=30s")
}
