//! Exercise (part 02): lazy until awaited.
//!
//! Calling an `async fn` runs none of its body: it returns a future, and the body runs when that
//! future is awaited, in the order you await. Python's coroutines are the same: calling `work(1)`
//! runs nothing, and one dropped unawaited only warns "coroutine 'work' was never awaited". Two
//! things to make true (lesson: part 02, "async fn and block_on"):
//!
//! 1. `queue(jobs, n)` logs "queued n" at the moment it is called, and returns a future that, when
//!    awaited, does job n's work (`jobs.work(n)`: a second, then "ran n") and gives `n`. As shipped
//!    it is an `async fn`, so even "queued n" waits for the `.await`. Split it: a plain `fn` that
//!    does the eager part, then returns an `async move` block with the rest.
//! 2. `run` queues jobs 1 and 2, says "main: queued both", then runs job 2, then job 1.
//!
//! The Python it mirrors: a `def queue(n)` (not `async def`) that logs at once and returns the
//! coroutine `work(n)`; then `one, two = queue(1), queue(2)`, `await two`, `await one`.
//!
//! The checks, on tokio's paused clock, read the notes `Jobs` keeps of each job's work (when it
//! started and ended), not only the log: calling `queue` logs "queued n" and starts no work, nor
//! does waiting without an `.await`; the work starts at the `.await` and ends a second later. `run`
//! logs "queued 1", "queued 2", "main: queued both" first; then job 2 works from 0 s to 1 s and job
//! 1 from 1 s to 2 s, one after the other.
//!
//! Check it: `cargo exercise check lazy_until_awaited` (or save the file while `make exercise`
//! runs).

use std::sync::Mutex;
use std::time::Duration;

use workshop::Trace;

/// How long a job works once it is awaited.
const WORK: Duration = Duration::from_secs(1);

/// The jobs: a log, and notes of the work done (given; the tests read the notes).
#[derive(Debug, Default)]
struct Jobs {
    trace: Trace,
    /// ("job 2 starts", 0 s), ("job 2 ends", 1 s), …: when each job's work started and ended.
    notes: Mutex<Vec<(String, Duration)>>,
}

impl Jobs {
    /// Job `n`'s work: takes `WORK`, logs "ran {n}", gives `n`.
    async fn work(&self, n: u32) -> u32 {
        self.note(format!("job {n} starts"));
        tokio::time::sleep(WORK).await;
        self.trace.say(format!("ran {n}"));
        self.note(format!("job {n} ends"));
        n
    }

    fn note(&self, what: String) {
        let at = self.trace.watch().elapsed();
        let mut notes = self.notes.lock().expect("nobody panics holding the notes");
        notes.push((what, at));
    }
}

/// Logs "queued {n}" now; the future it returns does job `n`'s work and gives `n`.
fn queue(jobs: &Jobs, n: u32) -> impl Future<Output = u32> {
    jobs.trace.say(format!("queued {n}")); // runs at the call
    async move {
        // runs when awaited
        jobs.work(n).await
    }
}

/// Queues jobs 1 and 2, says so, then runs job 2 and then job 1.
async fn run(jobs: &Jobs) {
    let one = queue(jobs, 1);
    let two = queue(jobs, 2);
    jobs.trace.say("main: queued both");
    two.await;
    one.await;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let jobs = Jobs::default();
    run(&jobs).await;
    println!("the log: {:?}", jobs.trace.messages());
}

// The tests `cargo exercise check` runs: part_02/checks/lazy_until_awaited.rs.
#[cfg(test)]
#[path = "../checks/lazy_until_awaited.rs"]
mod checks;
