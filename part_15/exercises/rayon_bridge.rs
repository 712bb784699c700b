//! Exercise (part 15): rayon bridged to async.
//!
//! `on_rayon(job)` must run a CPU-heavy closure on rayon's thread pool (one thread per core) and
//! let async code await its answer, without holding the runtime thread while the job computes.
//! As shipped, it calls `job()` right there: the answer is right, but the runtime thread does all
//! the work, and nothing else runs on it meanwhile. Hand the job to rayon, and have it send its
//! answer back through a channel whose receiving end you can `.await`.
//!
//! Follows part 15 (`rayon::spawn` and a `tokio::sync::oneshot` per job). Python mirrors it with
//! `await loop.run_in_executor(pool, sum_to, n)`, `pool` a `ProcessPoolExecutor()` made once for
//! the program: processes there, because of the GIL; threads here.
//!
//! The checks hand `on_rayon` jobs of their own, which note where they ran. They check the answer;
//! that the job ran on a thread of rayon's global pool (`rayon::current_thread_index()`, and not
//! a pool made for the call); that no poll of `on_rayon` held the runtime thread over 100 ms (the
//! workshop's blocking detector) and another task ran freely while the job ran; and that the
//! answer itself woke the task: `on_rayon` polled at most 3 times for one job, with no time
//! passing on tokio's paused clock (a loop that looks for the answer, sleeping or yielding in
//! between, is neither).
//!
//! Check it: `cargo exercise check rayon_bridge` (or save the file while `make exercise` runs).

/// CPU-heavy: 1 + 2 + … + n, the slow way (`black_box` stops the optimizer from using n(n+1)/2).
fn sum_to(n: u64) -> u64 {
    (1..=n).map(std::hint::black_box).sum()
}

/// Runs `job` on rayon's pool and awaits its answer; the runtime thread stays free meanwhile.
async fn on_rayon<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    // TODO: send `job` to rayon's pool, and await its answer through a channel instead of
    // computing it here, on the runtime thread.
    job()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n = 20_000_000;
    let total = on_rayon(move || sum_to(n)).await;
    println!("1 + 2 + … + {n} = {total}");
}

// The tests `cargo exercise check` runs: part_15/checks/rayon_bridge.rs.
#[cfg(test)]
#[path = "../checks/rayon_bridge.rs"]
mod checks;
