// mistake: almost-right Rust
// what: `tokio::task::block_in_place` instead of `spawn_blocking`: it runs the reader on the
//   calling thread, and a current-thread runtime has no other worker to hand its tasks to
// expect: can call blocking only when running on the multi-threaded runtime

async fn load_config(read: impl FnOnce(&str) -> String + Send + 'static, name: &str) -> String {
    tokio::task::block_in_place(|| read(name))
}
