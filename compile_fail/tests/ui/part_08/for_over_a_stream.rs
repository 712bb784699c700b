// Python: `for x in agen()` is a TypeError ("'async_generator' object is not iterable"); you
// need `async for`. Rust: a Stream is not an Iterator, and `for` cannot await. The fix:
// `while let Some(x) = stream.next().await { ... }`.

#[tokio::main]
async fn main() {
    let stream = futures::stream::iter(0..=10);
    for x in stream {
        println!("{x}");
    }
}
