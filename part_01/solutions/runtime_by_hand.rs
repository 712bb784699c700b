//! Exercise (part 01): a runtime by hand.
//!
//! Python's `asyncio.run(main())` makes an event loop, runs `main()` on it to the end, and closes
//! the loop. In Rust, `#[tokio::main]` writes the same thing for you with
//! `tokio::runtime::Builder`. Write it yourself: `run_on_one_thread` must build a *current-thread*
//! runtime (one thread, like asyncio's one loop) whose timers work, and run `fut` on it to the end.
//!
//! The tests call it as `main` does, from a thread with no runtime around it, and check: the value
//! comes back; the runtime is a current-thread one, running the future and every task it spawns on
//! the calling thread; `tokio::time::sleep` works inside it; and the runtime is gone when the call
//! returns (a new one per call, dropped at its end with any task still left on it).
//!
//! Check it: `cargo exercise check runtime_by_hand` (or save the file while `make exercise` runs).

use std::future::Future;

/// Runs `fut` to completion on a new current-thread runtime and returns its output.
fn run_on_one_thread<F: Future>(fut: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime builds");
    runtime.block_on(fut)
}

fn main() {
    let answer = run_on_one_thread(async {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        6 * 7
    });
    println!("the future answered {answer}");
}

// The tests `cargo exercise check` runs: part_01/checks/runtime_by_hand.rs.
#[cfg(test)]
#[path = "../checks/runtime_by_hand.rs"]
mod checks;
