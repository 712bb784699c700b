// DELIBERATELY WRONG: awaits the same future twice. Python accepts this and raises
// `RuntimeError: cannot reuse already awaited coroutine` when it runs; Rust refuses to compile
// it, because `.await` takes the future by value.
async fn compute() -> u64 {
    42
}

#[tokio::main]
async fn main() {
    let future = compute();
    let first = future.await;
    let second = future.await;
    assert_eq!(first, second);
}
