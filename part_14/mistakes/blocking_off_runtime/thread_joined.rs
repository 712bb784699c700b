// mistake: almost-right Rust
// what: the reader runs on a thread of its own, but `join()` waits for it right in the async fn:
//   the runtime thread is held just the same
// expect: the task waited for it without yielding

async fn load_config(read: impl FnOnce(&str) -> String + Send + 'static, name: &str) -> String {
    let name = name.to_owned();
    std::thread::spawn(move || read(&name))
        .join()
        .expect("the reader panicked")
}
