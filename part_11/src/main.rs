//! Part 11: `join_all` with sleeps (Python: `asyncio.gather`).
//!
//! Five futures sleeping 0 to 4 seconds, awaited together: about 4 s in all, results in input
//! order. `try_join_all` returns the first error and drops the futures still running. Then the
//! same `join_all` with a blocking `std::thread::sleep` inside (deliberately wrong): about 10 s,
//! one after another. Ends with both timelines, both totals and the speedup.
//!
//! ```sh
//! make part_11        # or: cargo run -p part_11
//! ```

use std::time::Duration;

use futures::future::{join_all, try_join_all};
use workshop::{Stopwatch, Timeline};

const DELAYS: [u32; 5] = [0, 1, 2, 3, 4];

/// What a gather observed: the values (in input order), the time it took and who ran when.
#[derive(Debug)]
struct Gathered {
    values: Vec<u32>,
    elapsed: Duration,
    timeline: Timeline,
}

// The multi-thread runtime, on purpose: it does not rescue the blocking version (section 3).
#[tokio::main]
async fn main() {
    workshop::banner!();
    let unit = Duration::from_secs(1);

    section("1. join_all: five sleeps at once (Python: asyncio.gather)");
    let concurrent = gather_sleeps(&DELAYS, unit).await;

    section("2. try_join_all: the first error wins, the rest are dropped");
    let first_error = first_error_wins(unit).await;
    let finished: Vec<String> = first_error
        .timeline
        .spans()
        .into_iter()
        .map(|s| s.name)
        .collect();
    println!(
        "→ {:?} after {:.2} s; finished: {finished:?}; job 3 never will",
        first_error.result,
        first_error.elapsed.as_secs_f64()
    );

    section("3. DELIBERATELY WRONG: std::thread::sleep inside the async fn");
    let blocking = gather_blocking_sleeps(&DELAYS, unit).await;

    section("Which sleep ran when");
    println!("join_all + tokio::time::sleep (the runtime's timer: all at once)\n");
    print!("{}", concurrent.timeline.render(40));
    println!("\njoin_all + std::thread::sleep (blocks the thread: one after another)\n");
    print!("{}", blocking.timeline.render(50));
    println!();
    println!(
        "tokio::time::sleep: {:5.2} s → {:?}",
        concurrent.elapsed.as_secs_f64(),
        concurrent.values
    );
    println!(
        "std::thread::sleep: {:5.2} s → {:?}",
        blocking.elapsed.as_secs_f64(),
        blocking.values
    );
    println!(
        "speedup:            {:5.2}×",
        blocking.elapsed.as_secs_f64() / concurrent.elapsed.as_secs_f64()
    );
}

fn section(title: &str) {
    println!("\n── {title}\n");
}

// ── 1. join_all ─────────────────────────────────────────────────────────────────────────────────

async fn sleep_and_return(watch: Stopwatch, timeline: &Timeline, i: u32, unit: Duration) -> u32 {
    // tokio's sleep registers a timer and returns Pending: the thread is free for the others.
    timeline
        .track(format!("sleep {i}"), tokio::time::sleep(unit * i))
        .await;
    watch.say(format!("sleep {i} done"));
    i
}

/// `join_all` over one `sleep_and_return` per delay (in `unit`s).
async fn gather_sleeps(delays: &[u32], unit: Duration) -> Gathered {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    // Python: `await asyncio.gather(*(sleep_and_return(i) for i in range(5)))`. No task is spawned:
    // join_all polls all five futures inside this one task and returns their outputs in input
    // order, whatever order they finished in.
    let values = join_all(
        delays
            .iter()
            .map(|&i| sleep_and_return(watch, &timeline, i, unit)),
    )
    .await;
    let elapsed = watch.elapsed();
    watch.say(format!("join_all returned {values:?}"));
    Gathered {
        values,
        elapsed,
        timeline,
    }
}

// ── 2. try_join_all ─────────────────────────────────────────────────────────────────────────────

/// What `first_error_wins` observed.
#[derive(Debug)]
struct FirstError {
    result: Result<Vec<u32>, String>,
    elapsed: Duration,
    /// Spans of the jobs that finished (a dropped job records none).
    timeline: Timeline,
}

async fn job(watch: Stopwatch, i: u32, unit: Duration, fails: bool) -> Result<u32, String> {
    tokio::time::sleep(unit * i).await;
    if fails {
        watch.say(format!("job {i} fails"));
        Err(format!("job {i} failed"))
    } else {
        watch.say(format!("job {i} ok"));
        Ok(i)
    }
}

/// Jobs of 1, 2 and 3 units; job 2 fails. `try_join_all` returns job 2's error at 2 units and drops
/// job 3, which never finishes. (Python's `gather` raises the first exception too, but leaves the
/// other awaitables running.)
async fn first_error_wins(unit: Duration) -> FirstError {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let jobs = [1, 2, 3].map(|i| timeline.track(format!("job {i}"), job(watch, i, unit, i == 2)));
    let result = try_join_all(jobs).await;
    let elapsed = watch.elapsed();
    match &result {
        Ok(values) => watch.say(format!("try_join_all returned Ok({values:?})")),
        Err(e) => watch.say(format!("try_join_all returned Err({e:?})")),
    };
    FirstError {
        result,
        elapsed,
        timeline,
    }
}

// ── 3. blocking inside async code ───────────────────────────────────────────────────────────────

// DELIBERATELY WRONG: `std::thread::sleep` blocks the thread that polls this future. join_all polls
// its futures one at a time on one thread, so each sleep starts only when the previous one is over.
// The multi-thread runtime does not change that: the five futures belong to one task, and a task
// runs on one thread at a time. (Spawned as separate tasks, they would each block a worker thread
// instead, and every other task queued there would wait. The fix is `spawn_blocking`.)
#[allow(clippy::disallowed_methods)] // deliberately blocking: the wrong version, for comparison
async fn blocking_sleep_and_return(
    watch: Stopwatch,
    timeline: &Timeline,
    i: u32,
    unit: Duration,
) -> u32 {
    timeline
        .track(format!("sleep {i}"), async { std::thread::sleep(unit * i) })
        .await;
    watch.say(format!("sleep {i} done (blocked the thread all along)"));
    i
}

/// The same `join_all` as [`gather_sleeps`], over the blocking version.
async fn gather_blocking_sleeps(delays: &[u32], unit: Duration) -> Gathered {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let values = join_all(
        delays
            .iter()
            .map(|&i| blocking_sleep_and_return(watch, &timeline, i, unit)),
    )
    .await;
    let elapsed = watch.elapsed();
    watch.say(format!("join_all returned {values:?}"));
    Gathered {
        values,
        elapsed,
        timeline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    const UNIT: Duration = Duration::from_secs(1);

    fn names(spans: &[workshop::timeline::Span]) -> Vec<&str> {
        spans.iter().map(|s| s.name.as_str()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn join_all_returns_input_order_after_the_longest_sleep() {
        within(Duration::from_secs(60), "gather", async {
            let gathered = gather_sleeps(&DELAYS, UNIT).await;
            assert_eq!(gathered.values, vec![0, 1, 2, 3, 4]);
            assert_eq!(gathered.elapsed, 4 * UNIT);
            let spans = gathered.timeline.spans();
            assert_eq!(spans.len(), 5);
            assert!(spans.iter().all(|s| s.start == Duration::ZERO), "{spans:?}");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn results_follow_input_order_not_finishing_order() {
        within(Duration::from_secs(60), "gather", async {
            let gathered = gather_sleeps(&[3, 0, 2], UNIT).await;
            assert_eq!(gathered.values, vec![3, 0, 2]);
            // Spans are recorded as they finish: shortest first.
            let spans = gathered.timeline.spans();
            assert_eq!(names(&spans), ["sleep 0", "sleep 2", "sleep 3"]);
            assert_eq!(gathered.elapsed, 3 * UNIT);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn try_join_all_returns_the_first_error_and_drops_the_rest() {
        within(Duration::from_secs(60), "try_join_all", async {
            let outcome = first_error_wins(UNIT).await;
            assert_eq!(outcome.result, Err("job 2 failed".to_string()));
            assert_eq!(outcome.elapsed, 2 * UNIT);
            // Give job 3 time to finish if it were still running: it was dropped, so it never does.
            tokio::time::sleep(5 * UNIT).await;
            assert_eq!(names(&outcome.timeline.spans()), ["job 1", "job 2"]);
        })
        .await;
    }

    // Real time (blocking sleeps do not move tokio's paused clock), so a tiny unit, and order only.
    #[tokio::test]
    async fn blocking_sleeps_run_one_after_another() {
        within(Duration::from_secs(10), "blocking gather", async {
            let unit = Duration::from_millis(5);
            let gathered = gather_blocking_sleeps(&[4, 3, 2, 1, 0], unit).await;
            assert_eq!(gathered.values, vec![4, 3, 2, 1, 0]);
            let spans = gathered.timeline.spans();
            // Concurrent sleeps would finish shortest first; these finish in input order...
            assert_eq!(
                names(&spans),
                ["sleep 4", "sleep 3", "sleep 2", "sleep 1", "sleep 0"]
            );
            // ...and each starts only after the previous one ended.
            for pair in spans.windows(2) {
                assert!(pair[1].start >= pair[0].end, "overlap: {pair:?}");
            }
        })
        .await;
    }

    // The paused-clock trap, part 1: a blocking sleep takes real time but no virtual time, so a
    // paused-clock test cannot see that it was slow.
    #[tokio::test(start_paused = true)]
    async fn blocking_sleep_is_invisible_to_the_paused_clock() {
        within(Duration::from_secs(10), "blocking gather", async {
            let gathered = gather_blocking_sleeps(&[1, 2], Duration::from_millis(10)).await;
            assert_eq!(gathered.values, vec![1, 2]);
            assert_eq!(gathered.elapsed, Duration::ZERO);
        })
        .await;
    }

    // The paused-clock trap, part 2: when no task can run, the paused clock jumps to the next timer
    // at once. Work on a rayon (or std) thread does not count, so this timeout fires although the
    // work needs far less than the timeout in real time.
    #[tokio::test(start_paused = true)]
    async fn auto_advance_does_not_wait_for_rayon_work() {
        within(Duration::from_secs(60), "rayon", async {
            let (done, answer) = tokio::sync::oneshot::channel();
            rayon::spawn(move || {
                #[allow(clippy::disallowed_methods)] // deliberately blocking: a rayon thread
                std::thread::sleep(Duration::from_millis(200));
                let _ = done.send(42);
            });
            let waited = tokio::time::timeout(Duration::from_secs(10), answer).await;
            assert!(
                waited.is_err(),
                "expected the virtual timeout to fire first: {waited:?}"
            );
        })
        .await;
    }

    // ...whereas tokio's own blocking pool holds the paused clock while its work runs.
    #[tokio::test(start_paused = true)]
    async fn auto_advance_waits_for_spawn_blocking() {
        within(Duration::from_secs(60), "spawn_blocking", async {
            let work = tokio::task::spawn_blocking(|| {
                #[allow(clippy::disallowed_methods)] // deliberately blocking: the blocking pool
                std::thread::sleep(Duration::from_millis(20));
                42
            });
            let waited = tokio::time::timeout(Duration::from_secs(10), work).await;
            assert!(matches!(waited, Ok(Ok(42))), "{waited:?}");
        })
        .await;
    }
}
