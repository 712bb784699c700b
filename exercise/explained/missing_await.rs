// explains: missing_await
// A future where its value is wanted (E0308).
async fn fetch() -> u32 {
    7
}

pub async fn run() -> u32 {
    let count: u32 = fetch();
    count
}
