// Compiles, although unused_must_use is denied (as in the workshop's Cargo.toml): `let _ = ...`
// counts as using the value, so rustc says nothing. The future is dropped on the spot, unpolled,
// and the body never runs. Only `cargo clippy` objects (clippy::let_underscore_future).
#![deny(unused_must_use)]

use std::sync::atomic::{AtomicBool, Ordering};

static STARTED: AtomicBool = AtomicBool::new(false);

async fn start_sleep_end() {
    STARTED.store(true, Ordering::SeqCst);
    println!("Start");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = start_sleep_end(); // no error, no warning: the future is dropped unpolled
    tokio::task::yield_now().await; // give the runtime every chance to run it: nothing to run
    assert!(!STARTED.load(Ordering::SeqCst), "the body never ran");
}
