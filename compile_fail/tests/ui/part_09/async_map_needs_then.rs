// Python: `[await double(i) async for i in gen()]` awaits inside the comprehension. In Rust,
// `map` with an async function makes a stream of *futures* (nothing awaits them), so it cannot be
// collected into numbers. The fix: `.then(double)`, which awaits each one.

use futures::StreamExt;

async fn double(i: u32) -> u32 {
    i * 2
}

#[tokio::main]
async fn main() {
    let doubled: Vec<u32> = futures::stream::iter(0..3u32).map(double).collect().await;
    println!("{doubled:?}");
}
