// Python: awaiting the same coroutine object twice is a RuntimeError ("cannot reuse already
// awaited coroutine"). Rust: `.await` takes the future by value: the second does not compile.

async fn one() -> u32 {
    1
}

#[tokio::main]
async fn main() {
    let future = one();
    let first = future.await;
    let second = future.await;
    println!("{first} {second}");
}
