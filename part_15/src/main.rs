//! Part 15 — CPU-bound work (Python: `run_in_executor` with a `ProcessPoolExecutor`).
//!
//! Sixteen honest sums `1 + 2 + … + 30_000_000·m` (m = 0..16) run on rayon's thread pool; each job
//! answers (or reports its panic) on its own oneshot channel, awaited as they complete. Then the
//! same sums sequentially, on `spawn_blocking` and as plain async fns (no speedup, and the blocking
//! detector names the stalled task), timed. Last, `Mutex`, `RwLock`, atomics, a lost update, a std
//! `Mutex` that is not reentrant; data races that do not compile live in `tests/ui/`.
//!
//! Run it: `make part_15` (or `cargo run -p part_15`); `-- --unit 5000000` for a shorter run.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, PoisonError, RwLock, TryLockError};
use std::time::Duration;

use clap::Parser;
use futures::stream::{FuturesUnordered, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::{Semaphore, oneshot};
use tokio::time::Instant;
use workshop::blocking::PYTHON_DEFAULT_LIMIT;
use workshop::lesson::{BoxError, panic_message};
use workshop::{BlockingDetector, Stopwatch, Trace};

/// How many sums: m = 0, 1, …, 15.
const JOBS: u64 = 16;
/// How many sums `spawn_blocking` may run at once: 2 on any machine, whatever rayon does.
const AT_ONCE: usize = 2;

#[derive(Debug, Parser)]
#[command(about = "CPU-bound work on rayon, bridged to async (Python: ProcessPoolExecutor)")]
struct Args {
    /// Job m sums 1..=unit*m (at most 100_000_000, so that every sum fits in a u64).
    #[arg(
        long,
        default_value_t = 30_000_000,
        value_parser = clap::value_parser!(u64).range(1..=100_000_000)
    )]
    unit: u64,
}

/// The sum 1 + 2 + … + n, the slow way on purpose: this is the CPU-bound work. It panics on an n
/// whose sum does not fit in a u64 (over 6_074_000_999; `--unit` keeps every job far below).
fn sum_to(n: u64) -> u64 {
    assert!(n <= 6_074_000_999, "the sum 1..={n} overflows a u64");
    let mut total: u64 = 0;
    for i in 1..=n {
        // `black_box` hides `i` from the optimizer, which could otherwise see through the loop
        // and compute n(n+1)/2 (LLVM does for simple loops): every job would take no time.
        total += std::hint::black_box(i);
    }
    total
}

/// The sixteen job sizes: unit·0, unit·1, …, unit·15.
fn job_sizes(unit: u64) -> Vec<u64> {
    (0..JOBS).map(|m| unit * m).collect()
}

/// One finished job: the sum of 1..=n.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sum {
    n: u64,
    total: u64,
}

/// A whole strategy's run: its results (in completion order) and how long it took.
#[derive(Debug)]
struct Run {
    sums: Vec<Sum>,
    elapsed: Duration,
}

impl Run {
    fn since(start: Instant, sums: Vec<Sum>) -> Self {
        let elapsed = start.elapsed();
        Self { sums, elapsed }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    workshop::banner!();
    // asyncio.run(talk(), debug=True): talk runs as a task; every runtime thread is watched.
    let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT);
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    let talk = talk(args.unit, detector.clone());
    workshop::lesson::exit_code(detector.run(runtime.enable_all(), talk))
}

async fn talk(unit: u64, detector: BlockingDetector) -> Result<(), BoxError> {
    let sizes = job_sizes(unit);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = rayon::current_num_threads();
    println!("{cores} cores; rayon's pool has {threads} threads\n");

    println!("1. Sixteen sums on rayon, awaited as they complete");
    let bar = progress_bar(sizes.len());
    let rayon_run = on_rayon_as_completed(&sizes, &bar, Stopwatch::start()).await?;
    bar.finish_and_clear();
    let (done, secs) = (rayon_run.sums.len(), rayon_run.elapsed.as_secs_f64());
    println!("   all {done} done in {secs:.2}s\n");

    println!("2. The same sums, three other ways");
    let sequential = on_blocking_pool(&sizes, 1).await?;
    let blocking = on_blocking_pool(&sizes, AT_ONCE).await?;
    let (async_alone, events) = async_alone(&sizes, &detector).await;
    print_table(&[
        ("sequential (one at a time)", &sequential),
        ("rayon (pool of cores)", &rayon_run),
        ("spawn_blocking (2 at a time)", &blocking),
        ("async alone (join_all)", &async_alone),
    ]);
    println!("   async alone, in the order things happened:");
    for event in events.messages().iter().take(6) {
        println!("     {event}");
    }
    println!("     … one sum after another: no await inside, so no interleaving.\n");

    println!("3. Thread safety: 4 threads add 1, 250_000 times each");
    let counts = tokio::task::spawn_blocking(|| shared_counters(4, 250_000)).await?;
    for (what, value) in [
        ("Mutex<u64>", counts.mutex),
        ("RwLock<u64>", counts.rwlock),
        ("AtomicU64::fetch_add", counts.atomic),
    ] {
        println!("   {what:<28} {value:>9} of {}", counts.expected);
    }
    let lost = tokio::task::spawn_blocking(lost_update).await?;
    println!("   2 threads, each an atomic load then a store, both loading first: {lost} of 2");
    println!("   (it compiles, and loses an update: the compiler rules out data races only)");
    let reentrant = std_mutex_is_reentrant();
    println!("   std Mutex taken twice on one thread, allowed: {reentrant} (Python's RLock: yes)");
    Ok(())
}

fn progress_bar(len: usize) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    // The template is a constant: if it ever failed to parse, keep indicatif's default style.
    if let Ok(style) = ProgressStyle::with_template("   {bar:32} {pos}/{len} sums  {elapsed}") {
        bar.set_style(style);
    }
    bar
}

/// Python: `run_in_executor(pool, cpu_bound, n)` for each n, then `as_completed` under tqdm.
/// Each job goes to rayon's pool (one thread per core) and answers on its own oneshot channel.
/// The receiver is a Future, so the async side awaits the results in completion order without
/// blocking the runtime, and other tasks keep running meanwhile.
async fn on_rayon_as_completed(
    sizes: &[u64],
    bar: &ProgressBar,
    watch: Stopwatch,
) -> Result<Run, BoxError> {
    let start = Instant::now();
    let mut pending: FuturesUnordered<_> = sizes
        .iter()
        .map(|&n| {
            let (tx, rx) = oneshot::channel();
            rayon::spawn(move || {
                // A panic in a `rayon::spawn` job goes to the pool's `panic_handler`; with none set,
                // rayon aborts the whole process. So the job catches its own panic and sends it as
                // its answer: the awaiter gets an error, as Python's `.get()` re-raises. (`send`
                // fails only if the receiver is gone: nobody wants the answer any more.)
                let outcome = std::panic::catch_unwind(|| sum_to(n));
                let _ = tx.send(outcome.map_err(|panic| panic_message(panic.as_ref())));
            });
            async move { (n, rx.await) }
        })
        .collect();
    let mut sums = Vec::with_capacity(sizes.len());
    while let Some((n, answer)) = pending.next().await {
        // The outer `Err`: the job was dropped unrun (the pool is gone); the inner: it panicked.
        let total = answer?.map_err(|e| format!("the job summing 1..={n} panicked: {e}"))?;
        bar.inc(1);
        // `suspend` hides the bar while the line prints, so lines and bar do not overlap.
        bar.suspend(|| watch.say(format!("sum 1..={n:<11} = {total}")));
        sums.push(Sum { n, total });
    }
    Ok(Run::since(start, sums))
}

/// Python: `run_in_executor(None, …)` or `asyncio.to_thread`, at most `at_once` at a time.
/// tokio's blocking pool starts a thread per job (up to 512), sized for blocking I/O; for CPU work
/// tokio's docs say: cap it with a `Semaphore`, or use rayon. A permit is held while a job runs;
/// with 1 permit the jobs run one after another, the sequential baseline.
async fn on_blocking_pool(sizes: &[u64], at_once: usize) -> Result<Run, BoxError> {
    let start = Instant::now();
    let permits = Arc::new(Semaphore::new(at_once));
    let mut handles = Vec::with_capacity(sizes.len());
    for &n in sizes {
        let permit = Arc::clone(&permits).acquire_owned().await?;
        handles.push(tokio::task::spawn_blocking(move || {
            let total = sum_to(n);
            drop(permit);
            Sum { n, total }
        }));
    }
    let sums = futures::future::try_join_all(handles).await?;
    Ok(Run::since(start, sums))
}

/// The sum as an `async fn`: it has no `.await` inside, so its first poll runs it to the end.
async fn sum_async(n: u64, trace: &Trace) -> Sum {
    trace.record(format!("start sum 1..={n}"));
    let total = sum_to(n);
    trace.record(format!("end   sum 1..={n}"));
    Sum { n, total }
}

/// DELIBERATELY WRONG: CPU-bound work as plain async fns, joined. Python's `gather` of CPU-bound
/// coroutines is just as sequential. `join_all` polls each future in turn on this one task, and
/// each runs to completion before the next starts: no speedup, and the runtime thread is held for
/// the whole time, in one poll, as the detector reports. Returns the run and the events.
async fn async_alone(sizes: &[u64], detector: &BlockingDetector) -> (Run, Trace) {
    let start = Instant::now();
    let trace = Trace::start();
    let joined = futures::future::join_all(sizes.iter().map(|&n| sum_async(n, &trace)));
    let sums = detector.watch("async alone (join_all)", joined).await;
    (Run::since(start, sums), trace)
}

fn print_table(rows: &[(&str, &Run)]) {
    let baseline = rows[0].1.elapsed.as_secs_f64();
    println!("   {:<32} {:>7} {:>8}", "strategy", "time", "speedup");
    for (name, run) in rows {
        let secs = run.elapsed.as_secs_f64();
        let speedup = baseline / secs.max(1e-9);
        println!("   {name:<32} {secs:>6.2}s {speedup:>7.2}×");
    }
}

/// What three ways of sharing a counter between threads counted.
#[derive(Debug)]
struct Counters {
    expected: u64,
    mutex: u64,
    rwlock: u64,
    atomic: u64,
}

/// `threads` scoped threads each add 1, `per_thread` times, to three shared counters. They borrow
/// the counters (scoped threads may borrow; `thread::spawn` would need an `Arc`). Sharing `&T`
/// across threads needs `T: Sync`: `Mutex`, `RwLock` and atomics are, while `Cell`, `RefCell` and
/// `Rc` are not, so a racy version does not compile (see `tests/ui/`).
fn shared_counters(threads: u64, per_thread: u64) -> Counters {
    let mutex = Mutex::new(0u64);
    let rwlock = RwLock::new(0u64);
    let atomic = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..per_thread {
                    // The guard unlocks at the end of the statement. Poisoning (a panic while
                    // locked) cannot leave a u64 half-written, so take the value anyway.
                    *mutex.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                    // RwLock: many readers at once or one writer; here every access writes.
                    *rwlock.write().unwrap_or_else(PoisonError::into_inner) += 1;
                    // One indivisible read-modify-write: no lock at all.
                    atomic.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    Counters {
        expected: threads * per_thread,
        mutex: mutex.into_inner().unwrap_or_else(PoisonError::into_inner),
        rwlock: rwlock.into_inner().unwrap_or_else(PoisonError::into_inner),
        atomic: atomic.into_inner(),
    }
}

/// DELIBERATELY WRONG: two atomic steps are not one. Two threads each add 1 with a load, then a
/// store: no data race, so it compiles, but a thread that stores between the other's load and
/// store has its update overwritten. A `Barrier` makes that unlucky order certain (both load 0,
/// both store 1), so one update is lost every time. `fetch_add` is the fix. Returns the count.
fn lost_update() -> u64 {
    let counter = AtomicU64::new(0);
    let both_loaded = Barrier::new(2);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let seen = counter.load(Ordering::SeqCst);
                both_loaded.wait(); // the other thread loads before this one stores
                counter.store(seen + 1, Ordering::SeqCst);
            });
        }
    });
    counter.into_inner()
}

/// Python's `RLock` may be taken again by the thread holding it; std's `Mutex` may not: a second
/// `lock()` on that thread never returns (std's docs: it "might panic or deadlock"; on Linux it
/// hangs). `try_lock` shows the refusal without hanging. Reentrant: `parking_lot::ReentrantMutex`.
fn std_mutex_is_reentrant() -> bool {
    let mutex = Mutex::new(());
    let _held = mutex.lock().unwrap_or_else(PoisonError::into_inner);
    !matches!(mutex.try_lock(), Err(TryLockError::WouldBlock))
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    // Small sums: the loop is the same, the tests stay fast.
    const UNIT: u64 = 10_000;

    /// The closed formula the loop must agree with.
    fn formula(n: u64) -> u64 {
        n * (n + 1) / 2
    }

    fn sorted(run: &Run) -> Vec<Sum> {
        let mut sums = run.sums.clone();
        sums.sort_by_key(|s| s.n);
        sums
    }

    #[test]
    fn the_loop_agrees_with_the_closed_formula() {
        for n in [0, 1, 2, 10, 12_345, 1_000_000] {
            assert_eq!(sum_to(n), formula(n), "n = {n}");
        }
        // The refusal is at the right place: 6_074_000_999 fits, one more does not.
        let fits = |n: u64| u64::try_from(u128::from(n) * (u128::from(n) + 1) / 2).is_ok();
        assert!(fits(6_074_000_999) && !fits(6_074_001_000));
        assert!(std::panic::catch_unwind(|| sum_to(6_074_001_000)).is_err());
        // The largest sum `--unit` allows still fits in a u64, and a larger unit is refused.
        let largest = 100_000_000 * (JOBS - 1);
        assert!(largest.checked_mul(largest + 1).is_some());
        assert!(Args::try_parse_from(["part_15", "--unit", "100000001"]).is_err());
        assert_eq!(Args::try_parse_from(["part_15"]).unwrap().unit, 30_000_000);
    }

    // Real clock, not a paused one: the jobs run on other threads, and a paused clock would jump
    // straight to the test's time limit while the runtime waits for them.
    #[tokio::test]
    async fn rayon_answers_every_job_through_its_oneshot() {
        within(Duration::from_secs(20), "rayon jobs", async {
            let sizes = job_sizes(UNIT);
            let run = on_rayon_as_completed(&sizes, &ProgressBar::hidden(), Stopwatch::start())
                .await
                .unwrap();
            let sums = sorted(&run);
            assert_eq!(sums.iter().map(|s| s.n).collect::<Vec<_>>(), sizes);
            for s in sums {
                assert_eq!(s.total, formula(s.n), "sum 1..={}", s.n);
            }
        })
        .await;
    }

    // Without the job's `catch_unwind`, this panic would abort the whole test binary.
    #[tokio::test]
    async fn a_panicking_job_is_reported_as_an_error() {
        within(Duration::from_secs(20), "a panicking rayon job", async {
            // sum_to refuses a sum that overflows a u64: that job panics on a rayon thread.
            let sizes = [UNIT, u64::MAX, 2 * UNIT];
            let bar = ProgressBar::hidden();
            let run = on_rayon_as_completed(&sizes, &bar, Stopwatch::start()).await;
            let error = run.expect_err("the panic must come back as an error");
            let expected = format!(
                "the job summing 1..={0} panicked: the sum 1..={0} overflows",
                u64::MAX
            );
            assert!(error.to_string().starts_with(&expected), "{error}");
        })
        .await;
    }

    #[tokio::test]
    async fn every_strategy_computes_the_same_sums() {
        within(Duration::from_secs(20), "strategies", async {
            let sizes = job_sizes(UNIT);
            let expected: Vec<Sum> = sizes
                .iter()
                .map(|&n| Sum {
                    n,
                    total: formula(n),
                })
                .collect();
            let sequential = on_blocking_pool(&sizes, 1).await.unwrap();
            let blocking = on_blocking_pool(&sizes, AT_ONCE).await.unwrap();
            let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
            let (alone, _) = async_alone(&sizes, &detector).await;
            assert_eq!(sorted(&sequential), expected);
            assert_eq!(sorted(&blocking), expected);
            assert_eq!(sorted(&alone), expected);
            // Awaited all together, they come back in submission order.
            assert_eq!(sequential.sums, expected);
            assert_eq!(blocking.sums, expected);
            assert_eq!(alone.sums, expected);
        })
        .await;
    }

    #[tokio::test]
    async fn async_alone_runs_one_sum_after_another() {
        within(Duration::from_secs(20), "async alone", async {
            let sizes = [UNIT, 2 * UNIT, 3 * UNIT];
            let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
            let (_, trace) = async_alone(&sizes, &detector).await;
            let expected: Vec<String> = sizes
                .iter()
                .flat_map(|n| [format!("start sum 1..={n}"), format!("end   sum 1..={n}")])
                .collect();
            assert_eq!(trace.messages(), expected);
        })
        .await;
    }

    #[tokio::test]
    async fn async_alone_holds_the_runtime_thread_in_one_poll() {
        within(Duration::from_secs(20), "detector", async {
            // A zero limit reports every poll: one report means join_all did all sixteen sums
            // in a single poll, and that poll lasted from the first sum's start to the last one's
            // end (both recorded inside it).
            let detector = BlockingDetector::new(Duration::ZERO).quiet();
            let (_, trace) = async_alone(&job_sizes(UNIT), &detector).await;
            let reports = detector.reports();
            assert_eq!(reports.len(), 1, "{reports:?}");
            assert_eq!(reports[0].task, "async alone (join_all)");
            let events = trace.events_with_time();
            let (first, last) = (events[0].0, events[events.len() - 1].0);
            assert!(reports[0].took >= last - first, "{reports:?} vs {events:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn awaiting_rayon_and_the_blocking_pool_never_holds_the_runtime_thread() {
        within(Duration::from_secs(20), "detector", async {
            // Sums big enough that doing them inline would hold the thread past the limit.
            let sizes = job_sizes(3_000_000);
            let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
            let bar = ProgressBar::hidden();
            let rayon = on_rayon_as_completed(&sizes, &bar, Stopwatch::start());
            detector.watch("rayon", rayon).await.unwrap();
            let blocking = on_blocking_pool(&sizes, AT_ONCE);
            detector.watch("spawn_blocking", blocking).await.unwrap();
            assert_eq!(detector.reports(), []);
        })
        .await;
    }

    // Try it 2, in a test: a runtime thread waits for a std Mutex that does not come free (there
    // it waits for itself; here the test holds the lock, and lets go once it has seen the report).
    // The task is not wrapped: the detector watches every thread of the runtime, as main sets it
    // up, and reports the held thread while it is held. Real time: a blocked thread moves no
    // paused clock, so the test waits for the report, up to 10 s.
    #[test]
    #[allow(clippy::disallowed_methods)] // the test's own thread waits between looks
    fn a_task_stuck_on_a_std_mutex_is_reported_while_it_is_stuck() {
        let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
        let mutex = Arc::new(Mutex::new(()));
        let held = mutex.lock().unwrap_or_else(PoisonError::into_inner);
        let runner = std::thread::spawn({
            let (detector, mutex) = (detector.clone(), Arc::clone(&mutex));
            move || {
                let mut runtime = tokio::runtime::Builder::new_multi_thread();
                detector.run(runtime.enable_all(), async move {
                    drop(mutex.lock()); // blocks this runtime thread until the test lets go
                    "let go"
                })
            }
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let report = loop {
            if let Some(report) = detector.stuck().first().cloned() {
                break report;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no report within 10 s"
            );
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(!runner.is_finished(), "the lock is still held");
        assert_eq!(
            report.task, None,
            "an unwrapped task has no name: {report:?}"
        );
        assert!(report.thread.contains("tokio-rt-worker"), "{report:?}");
        assert!(report.so_far > PYTHON_DEFAULT_LIMIT, "{report:?}");
        drop(held);
        assert_eq!(runner.join().expect("the runtime ends"), "let go");
    }

    #[test]
    fn locks_and_atomics_lose_no_update() {
        let counts = shared_counters(4, 20_000);
        assert_eq!(counts.expected, 80_000);
        assert_eq!(counts.mutex, counts.expected);
        assert_eq!(counts.rwlock, counts.expected);
        assert_eq!(counts.atomic, counts.expected);
    }

    #[test]
    fn a_load_then_a_store_loses_an_update() {
        // Two threads added 1 each; the barrier made both load before either stored.
        assert_eq!(lost_update(), 1);
    }

    #[test]
    fn std_mutex_is_not_reentrant() {
        assert!(!std_mutex_is_reentrant());
    }
}
