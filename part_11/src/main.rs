//! Part 11: `join_all` with sleeps (Python: `asyncio.gather`), and what a gather does on an error,
//! at a deadline, and with a blocking call inside.
//!
//! Five futures sleeping 0 to 4 seconds, awaited together: about 4 s in all, results in input
//! order. On the first error, `try_join_all` drops the rest, and a `JoinSet` aborts its tasks
//! (Python's `TaskGroup`). Under one deadline, a gather loses everything, or keeps what finished.
//! Then the same `join_all` with a blocking `std::thread::sleep` inside (deliberately wrong): about
//! 10 s, one after another, and the blocking detector names each sleep. Ends with both timelines.
//!
//! ```sh
//! make part_11        # or: cargo run -p part_11
//! ```

use std::time::Duration;

use futures::future::{join_all, try_join_all};
use tokio::task::JoinSet;
use tokio::time::{Instant, error::Elapsed};
use workshop::blocking::PYTHON_DEFAULT_LIMIT;
use workshop::{BlockingDetector, Stopwatch, Timeline, Trace};

const DELAYS: [u32; 5] = [0, 1, 2, 3, 4];

/// What a gather observed: the values (in input order), the time it took and who ran when.
#[derive(Debug)]
struct Gathered {
    values: Vec<u32>,
    elapsed: Duration,
    timeline: Timeline,
}

// The multi-thread runtime, on purpose: it does not rescue the blocking version (section 6).
#[tokio::main]
async fn main() {
    workshop::banner!();
    let unit = Duration::from_secs(1);
    // asyncio's debug mode: any poll that holds the thread over 100 ms is reported.
    let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT);

    section("1. join_all: five sleeps at once (Python: asyncio.gather)");
    let concurrent = gather_sleeps(&DELAYS, unit, &detector).await;
    println!("→ blocking detector: {} reports", detector.reports().len());

    section("2. try_join_all: the first error wins, the rest are dropped");
    let _ = first_error_wins(unit).await; // its trace says what happened

    section("3. A JoinSet as a TaskGroup: the first error aborts the other tasks");
    let _ = task_group(&[(1, false), (2, true), (3, false), (4, false)], unit).await;

    section("4. One deadline for a whole gather (Python: async with asyncio.timeout(2.5))");
    let (kept, _) = gather_by_deadline(&[1, 3, 2, 5], unit * 5 / 2, unit).await;
    println!(
        "→ kept by timeout(join_all): {:?}; by the JoinSet: {:?}",
        kept.all_or_nothing.ok(),
        kept.finished
    );

    section("5. timeout around a task: it stops waiting, the task runs on (Python: wait_for)");
    timeout_on_a_task(unit, unit, false).await;
    println!("→ the same, with abort() when the timeout fires:");
    timeout_on_a_task(unit, unit, true).await;

    section("6. DELIBERATELY WRONG: std::thread::sleep inside the async fn");
    let blocking = gather_blocking_sleeps(&DELAYS, unit, &detector).await;

    section("Which sleep ran when");
    println!("join_all + tokio::time::sleep (the runtime's timer: all at once)\n");
    print!("{}", concurrent.timeline.render(40));
    println!("\njoin_all + std::thread::sleep (blocks the thread: one after another)\n");
    print!("{}", blocking.timeline.render(50));
    for (how, gathered) in [("tokio::time", &concurrent), ("std::thread", &blocking)] {
        let secs = gathered.elapsed.as_secs_f64();
        println!("{how}::sleep: {secs:5.2} s → {:?}", gathered.values);
    }
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

/// `join_all` over one `sleep_and_return` per delay (in `unit`s), each watched by `detector`.
async fn gather_sleeps(delays: &[u32], unit: Duration, detector: &BlockingDetector) -> Gathered {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    // Python: `await asyncio.gather(*(sleep_and_return(i) for i in range(5)))`. No task is spawned:
    // join_all polls all five futures inside this one task and returns their outputs in input
    // order, whatever order they finished in.
    let values = join_all(delays.iter().map(|&i| {
        let sleep = sleep_and_return(watch, &timeline, i, unit);
        detector.watch(format!("sleep {i}"), sleep)
    }))
    .await;
    let elapsed = watch.elapsed();
    watch.say(format!("join_all returned {values:?}"));
    Gathered {
        values,
        elapsed,
        timeline,
    }
}

// ── 2 to 4: errors and deadlines ────────────────────────────────────────────────────────────────

/// A job's last word when it is dropped before it ends, as Python's `except CancelledError` would
/// be: dropping a future is how Rust cancels it, and its `Drop` code runs then.
struct SaysCancelled(Option<(Trace, u32)>);

impl Drop for SaysCancelled {
    fn drop(&mut self) {
        if let Some((trace, i)) = self.0.take() {
            trace.say(format!("job {i} cancelled"));
        }
    }
}

/// Sleeps `i` units, then succeeds or fails. Dropped before that, it says "job i cancelled".
async fn job(trace: Trace, i: u32, unit: Duration, fails: bool) -> Result<u32, String> {
    let mut guard = SaysCancelled(Some((trace.clone(), i)));
    tokio::time::sleep(unit * i).await;
    guard.0 = None; // done: nothing to say when dropped
    if fails {
        trace.say(format!("job {i} fails"));
        return Err(format!("job {i} failed"));
    }
    trace.say(format!("job {i} ok"));
    Ok(i)
}

/// Jobs of 1, 2 and 3 units; job 2 fails. `try_join_all` returns job 2's error at 2 units and drops
/// job 3. (Python's `gather` raises the first exception too, but leaves the others running.)
async fn first_error_wins(unit: Duration) -> (Result<Vec<u32>, String>, Vec<(Duration, String)>) {
    let trace = Trace::start();
    let jobs = [1, 2, 3].map(|i| job(trace.clone(), i, unit, i == 2));
    let result = try_join_all(jobs).await;
    trace.say(format!("try_join_all returned {result:?}"));
    (result, trace.events_with_time())
}

/// Spawns one job per `(units, fails)` in a `JoinSet` and takes results as they come. The first
/// error aborts the other tasks and waits until they are gone: Python 3.11's
/// `async with asyncio.TaskGroup() as tg:`, which cancels the siblings and waits, then raises.
async fn task_group(
    jobs: &[(u32, bool)],
    unit: Duration,
) -> (Result<Vec<u32>, String>, Vec<(Duration, String)>) {
    let trace = Trace::start();
    let mut tasks = JoinSet::new();
    for &(i, fails) in jobs {
        tasks.spawn(job(trace.clone(), i, unit, fails));
    }
    let mut values = Vec::new();
    let result = loop {
        match tasks.join_next().await {
            None => break Ok(values),
            Some(Ok(Ok(value))) => values.push(value),
            Some(Ok(Err(failed))) => break Err(failed),
            Some(Err(panicked)) => break Err(panicked.to_string()),
        }
    };
    // abort_all, then join_next until empty: when it returns, every sibling has been dropped and
    // its Drop code has run. (Dropping the JoinSet would abort them too, but without waiting.)
    tasks.shutdown().await;
    trace.say(format!("the group returned {result:?}"));
    (result, trace.events_with_time())
}

/// What `gather_by_deadline` observed.
#[derive(Debug)]
struct ByDeadline {
    /// `timeout(d, join_all(..))`: all or nothing.
    all_or_nothing: Result<Vec<Result<u32, String>>, Elapsed>,
    /// The `JoinSet` under the same deadline: the values that made it, in finishing order.
    finished: Vec<u32>,
}

/// Jobs of `lengths` units gathered twice under one `deadline`, as one future, then as tasks.
/// Returns what each kept, and the trace.
async fn gather_by_deadline(
    lengths: &[u32],
    deadline: Duration,
    unit: Duration,
) -> (ByDeadline, Vec<(Duration, String)>) {
    let trace = Trace::start();
    // Python: `async with asyncio.timeout(d): await asyncio.gather(...)`. At the deadline the whole
    // join_all is dropped, every job in it: the unfinished ones are cancelled, and the results of
    // those that finished are lost with it. (`asyncio.wait_for(aw, d)` is the same for one future.)
    let jobs = lengths.iter().map(|&i| job(trace.clone(), i, unit, false));
    let all_or_nothing = tokio::time::timeout(deadline, join_all(jobs)).await;
    trace.say(format!("timeout(join_all) returned {all_or_nothing:?}"));

    // Python: `async with asyncio.timeout(d): async with asyncio.TaskGroup() as tg:` keeping each
    // task. A JoinSet hands over each result as it comes; join_next is cancel safe, so a timeout
    // around it loses nothing. At the deadline, the tasks still running are aborted.
    let deadline = Instant::now() + deadline;
    let mut tasks = JoinSet::new();
    for &i in lengths {
        tasks.spawn(job(trace.clone(), i, unit, false));
    }
    let mut finished = Vec::new();
    while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, tasks.join_next()).await {
        finished.extend(joined.ok().and_then(Result::ok));
    }
    trace.say(format!(
        "deadline: kept {finished:?}, aborting {} tasks",
        tasks.len()
    ));
    tasks.shutdown().await;
    let kept = ByDeadline {
        all_or_nothing,
        finished,
    };
    (kept, trace.events_with_time())
}

/// Python's `await asyncio.wait_for(task, d)` cancels the task when time is up. `timeout(d,
/// handle)` only drops the `JoinHandle`, which detaches the task: it runs on to its end. To
/// cancel it, keep its `AbortHandle` and call `abort()` (with `abort`). A job of 3 units under a
/// `deadline`; returns the trace, which goes on 3 units more: time enough for the job to finish.
async fn timeout_on_a_task(
    deadline: Duration,
    unit: Duration,
    abort: bool,
) -> Vec<(Duration, String)> {
    let trace = Trace::start();
    let handle = tokio::spawn(job(trace.clone(), 3, unit, false));
    let stop = handle.abort_handle();
    if tokio::time::timeout(deadline, handle).await.is_err() {
        trace.say("timeout: stopped waiting");
        if abort {
            trace.say("abort()");
            stop.abort();
        }
    }
    tokio::time::sleep(unit * 3).await;
    trace.events_with_time()
}

// ── 6. blocking inside async code ───────────────────────────────────────────────────────────────

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

/// The same `join_all` as [`gather_sleeps`], over the blocking version: `detector` names each
/// sleep that held the thread longer than its limit.
async fn gather_blocking_sleeps(
    delays: &[u32],
    unit: Duration,
    detector: &BlockingDetector,
) -> Gathered {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let values = join_all(delays.iter().map(|&i| {
        let sleep = blocking_sleep_and_return(watch, &timeline, i, unit);
        detector.watch(format!("sleep {i}"), sleep)
    }))
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

    fn quiet(limit: Duration) -> BlockingDetector {
        BlockingDetector::new(limit).quiet()
    }

    /// The messages of a trace, with their times in units.
    fn in_units(trace: &[(Duration, String)]) -> Vec<(f64, &str)> {
        let unit = UNIT.as_secs_f64();
        let units = |at: &Duration| at.as_secs_f64() / unit;
        trace
            .iter()
            .map(|(at, m)| (units(at), m.as_str()))
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn join_all_returns_input_order_after_the_longest_sleep() {
        within(Duration::from_secs(60), "gather", async {
            let gathered = gather_sleeps(&DELAYS, UNIT, &quiet(PYTHON_DEFAULT_LIMIT)).await;
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
            let gathered = gather_sleeps(&[3, 0, 2], UNIT, &quiet(PYTHON_DEFAULT_LIMIT)).await;
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
            let (result, trace) = first_error_wins(UNIT).await;
            assert_eq!(result, Err("job 2 failed".to_string()));
            assert_eq!(
                in_units(&trace),
                [
                    (1.0, "job 1 ok"),
                    (2.0, "job 2 fails"),
                    (2.0, "job 3 cancelled"),
                    (2.0, r#"try_join_all returned Err("job 2 failed")"#),
                ]
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_error_aborts_the_other_tasks_and_waits_for_them() {
        within(Duration::from_secs(60), "task group", async {
            let jobs = [(1, false), (2, true), (3, false), (4, false)];
            let (result, trace) = task_group(&jobs, UNIT).await;
            assert_eq!(result, Err("job 2 failed".to_string()));
            let trace = in_units(&trace);
            assert_eq!(
                trace.len(),
                5,
                "the siblings' last words are missing: {trace:#?}"
            );
            assert_eq!(trace[..2], [(1.0, "job 1 ok"), (2.0, "job 2 fails")]);
            // The siblings' Drop code ran before the group returned (in either order)...
            let mut cancelled = trace[2..4].to_vec();
            cancelled.sort_by(|a, b| a.1.cmp(b.1));
            assert_eq!(
                cancelled,
                [(2.0, "job 3 cancelled"), (2.0, "job 4 cancelled")]
            );
            assert_eq!(trace[4], (2.0, r#"the group returned Err("job 2 failed")"#));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn without_an_error_the_group_returns_every_value() {
        within(Duration::from_secs(60), "task group", async {
            let (result, trace) = task_group(&[(2, false), (1, false)], UNIT).await;
            assert_eq!(result, Ok(vec![1, 2]), "in finishing order");
            assert!(
                !trace.iter().any(|(_, m)| m.contains("cancelled")),
                "{trace:#?}"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_drops_all_of_join_all_but_keeps_what_the_tasks_finished() {
        within(Duration::from_secs(60), "deadline", async {
            let (outcome, trace) = gather_by_deadline(&[1, 3, 2, 5], UNIT * 5 / 2, UNIT).await;
            // timeout(join_all): jobs 1 and 2 were done, and their results are lost all the same.
            assert!(outcome.all_or_nothing.is_err(), "{outcome:?}");
            // The JoinSet kept them.
            assert_eq!(outcome.finished, [1, 2]);
            let trace = in_units(&trace);
            let expected = [
                (1.0, "job 1 ok"),
                (2.0, "job 2 ok"),
                (2.5, "job 3 cancelled"),
                (2.5, "job 5 cancelled"),
                (2.5, "timeout(join_all) returned Err(Elapsed(()))"),
                (3.5, "job 1 ok"),
                (4.5, "job 2 ok"),
                (5.0, "deadline: kept [1, 2], aborting 2 tasks"),
            ];
            assert_eq!(trace[..8], expected, "{trace:#?}");
            // shutdown() waited until both aborted tasks were dropped: their last words are in.
            let mut cancelled = trace[8..].to_vec();
            cancelled.sort_by(|a, b| a.1.cmp(b.1));
            assert_eq!(
                cancelled,
                [(5.0, "job 3 cancelled"), (5.0, "job 5 cancelled")]
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn timeout_around_a_join_handle_stops_waiting_but_not_the_task() {
        within(Duration::from_secs(60), "timeout on a task", async {
            // The timeout at 1 unit drops the JoinHandle: the task goes on, and ends at 3 units.
            let trace = timeout_on_a_task(UNIT, UNIT, false).await;
            assert_eq!(
                in_units(&trace),
                [(1.0, "timeout: stopped waiting"), (3.0, "job 3 ok")]
            );
            // Python's wait_for cancels the task: here that takes an abort().
            let trace = timeout_on_a_task(UNIT, UNIT, true).await;
            assert_eq!(
                in_units(&trace),
                [
                    (1.0, "timeout: stopped waiting"),
                    (1.0, "abort()"),
                    (1.0, "job 3 cancelled")
                ]
            );
        })
        .await;
    }

    // Real time (blocking sleeps do not move tokio's paused clock), so a tiny unit, and order only.
    #[tokio::test]
    async fn blocking_sleeps_run_one_after_another() {
        within(Duration::from_secs(10), "blocking gather", async {
            let unit = Duration::from_millis(5);
            let detector = quiet(PYTHON_DEFAULT_LIMIT);
            let gathered = gather_blocking_sleeps(&[4, 3, 2, 1, 0], unit, &detector).await;
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

    // Real time too: the detector times each poll on the real clock. A blocking sleep lasts at
    // least as long as asked, so the sleeps of 1 to 4 units are always over a half-unit limit.
    #[tokio::test]
    async fn the_detector_names_each_blocking_sleep() {
        within(Duration::from_secs(10), "detector", async {
            let unit = Duration::from_millis(20);
            let detector = quiet(unit / 2);
            gather_blocking_sleeps(&DELAYS, unit, &detector).await;
            let reports = detector.reports();
            // sleep 0 blocks for no time; it is not asserted either way, since a loaded machine
            // may pre-empt even that poll for longer than the limit.
            let blocked: Vec<_> = reports.iter().filter(|r| r.task != "sleep 0").collect();
            let tasks: Vec<_> = blocked.iter().map(|r| r.task.as_str()).collect();
            assert_eq!(tasks, ["sleep 1", "sleep 2", "sleep 3", "sleep 4"]);
            for (i, report) in (1..).zip(&blocked) {
                assert!(report.took >= unit * i, "{report:?}");
            }
        })
        .await;
    }

    // The right version under asyncio's own limit: a tokio sleep never holds the thread.
    #[tokio::test(start_paused = true)]
    async fn the_detector_has_nothing_to_say_about_tokio_sleeps() {
        within(Duration::from_secs(60), "detector", async {
            let detector = quiet(PYTHON_DEFAULT_LIMIT);
            let gathered = gather_sleeps(&DELAYS, UNIT, &detector).await;
            assert_eq!(gathered.values, DELAYS);
            assert_eq!(detector.reports(), []);
        })
        .await;
    }

    // The paused-clock trap, part 1: a blocking sleep takes real time but no virtual time, so a
    // paused-clock test cannot see that it was slow.
    #[tokio::test(start_paused = true)]
    async fn blocking_sleep_is_invisible_to_the_paused_clock() {
        within(Duration::from_secs(10), "blocking gather", async {
            let detector = quiet(PYTHON_DEFAULT_LIMIT);
            let gathered =
                gather_blocking_sleeps(&[1, 2], Duration::from_millis(10), &detector).await;
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
