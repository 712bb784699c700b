//! Part 15 — CPU-bound work (Python: `run_in_executor` with a `ProcessPoolExecutor`).
//!
//! Sixteen honest sums `1 + 2 + … + 30_000_000·m` (m = 0..16) run on rayon's thread pool; each
//! job answers through its own oneshot channel, so async code awaits them as they complete, under
//! a progress bar. Then the same sums sequentially, with `spawn_blocking`, and as plain async fns
//! (no speedup: async is not parallelism), with measured times. Last, thread safety: `Mutex`,
//! `RwLock`, atomics, and a std `Mutex` that is not reentrant. The data race that does not compile
//! lives in `tests/ui/`.
//!
//! Run it: `make part_15` (or `cargo run -p part_15`); `-- --unit 5000000` for a shorter run.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock, TryLockError};
use std::time::Duration;

use clap::Parser;
use futures::stream::{FuturesUnordered, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::oneshot;
use tokio::time::Instant;
use workshop::Stopwatch;
use workshop::lesson::BoxError;

/// How many sums: m = 0, 1, …, 15.
const JOBS: u64 = 16;

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

/// The sum 1 + 2 + … + n, the slow way on purpose: this is the CPU-bound work.
fn sum_to(n: u64) -> u64 {
    let mut total: u64 = 0;
    for i in 1..=n {
        // `black_box` hides `i` from the optimizer. Without it, the optimizer is free to see
        // through the loop and compute n(n+1)/2 in a few instructions (LLVM does for simple
        // loops): every job would take no time and the lesson would measure nothing.
        total += std::hint::black_box(i);
    }
    total
}

/// The closed formula the loop must agree with.
fn formula(n: u64) -> u64 {
    n * (n + 1) / 2
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

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    workshop::banner!();
    workshop::lesson::exit_code(talk(args.unit).await)
}

async fn talk(unit: u64) -> Result<(), BoxError> {
    let sizes = job_sizes(unit);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{cores} cores; rayon's pool has {} threads\n",
        rayon::current_num_threads()
    );

    println!("1. Sixteen sums on rayon, awaited as they complete");
    let bar = progress_bar(sizes.len());
    let rayon_run = on_rayon_as_completed(&sizes, &bar, Stopwatch::start()).await?;
    bar.finish_and_clear();
    let wrong = rayon_run
        .sums
        .iter()
        .filter(|s| s.total != formula(s.n))
        .count();
    println!(
        "   all {} done in {:.2}s; {wrong} differ from n(n+1)/2\n",
        rayon_run.sums.len(),
        rayon_run.elapsed.as_secs_f64()
    );

    println!("2. The same sums, three other ways");
    let sequential = sequential(&sizes).await?;
    let blocking = on_spawn_blocking(&sizes).await?;
    let (async_alone, events) = async_alone(&sizes).await;
    print_table(&[
        ("sequential (one thread)", &sequential),
        ("rayon (pool of cores)", &rayon_run),
        ("spawn_blocking (a thread each)", &blocking),
        ("async alone (join_all)", &async_alone),
    ]);
    println!("   async alone, in the order things happened:");
    for event in events.iter().take(6) {
        println!("     {event}");
    }
    println!("     … one sum after another: no await inside, so no interleaving.\n");

    println!("3. Thread safety: 4 threads add 1, 250_000 times each");
    let counts = tokio::task::spawn_blocking(|| shared_counters(4, 250_000)).await?;
    for (what, value) in [
        ("Mutex<u64>", counts.mutex),
        ("RwLock<u64>", counts.rwlock),
        ("AtomicU64::fetch_add", counts.atomic),
        ("AtomicU64 load, then store", counts.racy),
    ] {
        println!("   {what:<28} {value:>9} of {}", counts.expected);
    }
    println!("   (the last one compiles, and loses updates: a race condition. The compiler");
    println!("   rules out data races, not every mistake of logic.)");
    if std_mutex_is_reentrant() {
        println!("   a std Mutex taken twice on one thread: allowed");
    } else {
        println!("   a std Mutex taken twice on one thread: refused (try_lock says WouldBlock; a");
        println!(
            "   second lock() would deadlock). Python's RLock allows it; std has no such lock."
        );
    }
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
///
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
                // An error means the receiver is gone: nobody wants the answer any more.
                let _ = tx.send(sum_to(n));
            });
            async move { (n, rx.await) }
        })
        .collect();
    let mut sums = Vec::with_capacity(sizes.len());
    while let Some((n, answer)) = pending.next().await {
        // The sender is dropped without sending only if the job panicked.
        let total = answer.map_err(|_| format!("the job summing 1..={n} panicked"))?;
        bar.inc(1);
        // `suspend` hides the bar while the line prints, so lines and bar do not overlap.
        bar.suspend(|| watch.say(format!("sum 1..={n:<11} = {total}")));
        sums.push(Sum { n, total });
    }
    Ok(Run {
        sums,
        elapsed: start.elapsed(),
    })
}

/// One thread, one sum after the other: the baseline. It runs on the blocking pool, not on the
/// runtime thread, so that it does not stall the runtime.
async fn sequential(sizes: &[u64]) -> Result<Run, BoxError> {
    let start = Instant::now();
    let sizes = sizes.to_vec();
    let sums = tokio::task::spawn_blocking(move || {
        sizes
            .into_iter()
            .map(|n| Sum {
                n,
                total: sum_to(n),
            })
            .collect()
    })
    .await?;
    Ok(Run {
        sums,
        elapsed: start.elapsed(),
    })
}

/// Python: `run_in_executor(None, …)` or `asyncio.to_thread`. tokio's blocking pool starts a
/// thread per job (up to 512): 16 threads sharing the cores. Fine for blocking I/O; for CPU work
/// a pool sized to the cores (rayon) is the better fit, though here the time comes out about the
/// same.
async fn on_spawn_blocking(sizes: &[u64]) -> Result<Run, BoxError> {
    let start = Instant::now();
    let handles: Vec<_> = sizes
        .iter()
        .map(|&n| {
            tokio::task::spawn_blocking(move || Sum {
                n,
                total: sum_to(n),
            })
        })
        .collect();
    let sums = futures::future::try_join_all(handles).await?;
    Ok(Run {
        sums,
        elapsed: start.elapsed(),
    })
}

/// The sum as an `async fn`: it has no `.await` inside, so its first poll runs it to the end.
async fn sum_async(n: u64, events: &Mutex<Vec<String>>) -> Sum {
    log(events, format!("start sum 1..={n}"));
    let total = sum_to(n);
    log(events, format!("end   sum 1..={n}"));
    Sum { n, total }
}

fn log(events: &Mutex<Vec<String>>, event: String) {
    events
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(event);
}

/// DELIBERATELY WRONG: CPU-bound work as plain async fns, joined. Python's `gather` of CPU-bound
/// coroutines is just as sequential. `join_all` polls each future in turn on this one task, and
/// each runs to completion before the next starts: no speedup, and the runtime thread is blocked
/// for the whole time (any other task on it would stall). Returns the run and the event order.
async fn async_alone(sizes: &[u64]) -> (Run, Vec<String>) {
    let start = Instant::now();
    let events = Mutex::new(Vec::new());
    let sums = futures::future::join_all(sizes.iter().map(|&n| sum_async(n, &events))).await;
    let run = Run {
        sums,
        elapsed: start.elapsed(),
    };
    (
        run,
        events.into_inner().unwrap_or_else(PoisonError::into_inner),
    )
}

fn print_table(rows: &[(&str, &Run)]) {
    let baseline = rows[0].1.elapsed.as_secs_f64();
    println!("   {:<32} {:>7} {:>8}", "strategy", "time", "speedup");
    for (name, run) in rows {
        let secs = run.elapsed.as_secs_f64();
        println!(
            "   {name:<32} {secs:>6.2}s {:>7.2}×",
            baseline / secs.max(1e-9)
        );
    }
}

/// What four ways of sharing a counter between threads counted.
#[derive(Debug)]
struct Counters {
    expected: u64,
    mutex: u64,
    rwlock: u64,
    atomic: u64,
    racy: u64,
}

/// `threads` scoped threads each add 1, `per_thread` times, to four shared counters.
///
/// The threads borrow the counters (scoped threads may borrow; `thread::spawn` would need an
/// `Arc`). Sharing `&T` across threads needs `T: Sync`: `Mutex`, `RwLock` and atomics are, while
/// `Cell`, `RefCell` and `Rc` are not, so a racy version does not compile (see `tests/ui/`).
fn shared_counters(threads: u64, per_thread: u64) -> Counters {
    let mutex = Mutex::new(0u64);
    let rwlock = RwLock::new(0u64);
    let atomic = AtomicU64::new(0);
    let racy = AtomicU64::new(0);
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
                    // DELIBERATELY WRONG: two atomic steps are not one. Another thread can store
                    // in between, and its update is overwritten. No data race, so it compiles.
                    let seen = racy.load(Ordering::Relaxed);
                    racy.store(seen + 1, Ordering::Relaxed);
                }
            });
        }
    });
    Counters {
        expected: threads * per_thread,
        mutex: mutex.into_inner().unwrap_or_else(PoisonError::into_inner),
        rwlock: rwlock.into_inner().unwrap_or_else(PoisonError::into_inner),
        atomic: atomic.into_inner(),
        racy: racy.into_inner(),
    }
}

/// Python's `RLock` may be taken again by the thread holding it. std's `Mutex` may not: a second
/// `lock()` on the same thread deadlocks (or panics). `try_lock` shows it without hanging.
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
            let sequential = sequential(&sizes).await.unwrap();
            let blocking = on_spawn_blocking(&sizes).await.unwrap();
            let (alone, _) = async_alone(&sizes).await;
            assert_eq!(sorted(&sequential), expected);
            assert_eq!(sorted(&blocking), expected);
            assert_eq!(sorted(&alone), expected);
            // The sequential ones also finish in submission order.
            assert_eq!(sequential.sums, expected);
            assert_eq!(alone.sums, expected);
        })
        .await;
    }

    #[tokio::test]
    async fn async_alone_runs_one_sum_after_another() {
        within(Duration::from_secs(20), "async alone", async {
            let sizes = [UNIT, 2 * UNIT, 3 * UNIT];
            let (_, events) = async_alone(&sizes).await;
            let expected: Vec<String> = sizes
                .iter()
                .flat_map(|n| [format!("start sum 1..={n}"), format!("end   sum 1..={n}")])
                .collect();
            assert_eq!(events, expected);
        })
        .await;
    }

    #[test]
    fn locks_and_atomics_lose_no_update() {
        let counts = shared_counters(4, 20_000);
        assert_eq!(counts.expected, 80_000);
        assert_eq!(counts.mutex, counts.expected);
        assert_eq!(counts.rwlock, counts.expected);
        assert_eq!(counts.atomic, counts.expected);
        // The load-then-store counter can only lose updates, never invent them.
        assert!(counts.racy <= counts.expected, "{counts:?}");
    }

    #[test]
    fn std_mutex_is_not_reentrant() {
        assert!(!std_mutex_is_reentrant());
    }
}
