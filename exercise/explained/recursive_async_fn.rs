// explains: async_recursion
// An `async fn` that awaits itself (E0733).
pub async fn countdown(n: u32) {
    if n > 0 {
        countdown(n - 1).await;
    }
}
