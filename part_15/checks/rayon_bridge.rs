//! The checks of `rayon_bridge`: `cargo exercise check rayon_bridge` runs them against
//! part_15/exercises/rayon_bridge.rs. Edit that file, not this one: the runner counts these tests,
//! and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them back).

use super::*;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::ThreadId;
use std::time::{Duration, Instant};
use workshop::BlockingDetector;
use workshop::blocking::PYTHON_DEFAULT_LIMIT;
use workshop::testing::{count_polls, within};

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// Keeps a CPU busy for `how_long` on the real clock: CPU work of a known length, whatever
/// the machine's speed. Returns how many rounds it made.
fn busy_for(how_long: Duration) -> u64 {
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < how_long {
        rounds += std::hint::black_box(sum_to(1_000)) % 2 + 1;
    }
    rounds
}

#[allow(clippy::disallowed_methods)] // deliberately blocking: a job that takes a while
fn sleep_for(how_long: Duration) {
    std::thread::sleep(how_long);
}

/// Where a job ran, as the job itself saw it.
#[derive(Debug, Clone)]
struct Ran {
    thread: ThreadId,
    thread_name: String,
    rayon_index: Option<usize>,
}

fn here() -> Ran {
    let thread = std::thread::current();
    Ran {
        thread: thread.id(),
        thread_name: thread.name().unwrap_or("an unnamed thread").to_owned(),
        rayon_index: rayon::current_thread_index(),
    }
}

/// The threads of rayon's global pool, the one `rayon::spawn` uses (asked from tokio's blocking
/// pool: `rayon::broadcast` waits until each of them has answered).
async fn global_pool() -> HashSet<ThreadId> {
    tokio::task::spawn_blocking(|| rayon::broadcast(|_| std::thread::current().id()))
        .await
        .expect("rayon answers a broadcast")
        .into_iter()
        .collect()
}

/// Keeps tokio's paused clock still while `on_rayon` waits: a paused clock jumps to the next timer
/// whenever the runtime has nothing to do, unless a `spawn_blocking` job is running (a rayon
/// thread does not count). This one runs until it has had two messages (the job's "done" and the
/// test's "stop"), 10 s at most for the first and 0.5 s (real) for the second.
fn hold_the_clock() -> mpsc::Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    tokio::task::spawn_blocking(move || {
        let _ = rx.recv_timeout(Duration::from_secs(10));
        let _ = rx.recv_timeout(ms(500));
    });
    tx
}

// The real clock, except where a test says otherwise: CPU work stops tokio's paused clock too.
// These tests check values, threads, and which polls were slow, never how long the run took.
#[tokio::test]
async fn the_answer_comes_back() {
    within(Duration::from_secs(30), "on_rayon", async {
        let total = on_rayon(|| sum_to(1_000_000)).await;
        assert_eq!(
            total, 500_000_500_000,
            "on_rayon must hand back what the job returned"
        );
        let words = on_rayon(|| format!("{} jobs", sum_to(3))).await;
        assert_eq!(
            words, "6 jobs",
            "on_rayon must hand back what the job returned"
        );
    })
    .await;
}

#[tokio::test]
async fn the_job_runs_on_rayons_global_pool() {
    within(Duration::from_secs(30), "on_rayon", async {
        let pool = global_pool().await;
        for job in 0..2 {
            let ran = on_rayon(here).await;
            assert!(
                ran.rayon_index.is_some(),
                "job {job} ran outside rayon's pool, on {:?} (rayon::current_thread_index() was \
                 None): hand it to rayon::spawn",
                ran.thread_name
            );
            assert!(
                pool.contains(&ran.thread),
                "job {job} ran on a rayon pool made for it, not on rayon's global pool: \
                 rayon::spawn uses the global pool, made once, one thread per core (a pool per \
                 call is `with ProcessPoolExecutor() as pool:` around each job: new threads, \
                 every time)"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn no_poll_holds_the_runtime_thread_while_the_job_runs() {
    within(Duration::from_secs(30), "on_rayon", async {
        for work in [ms(150), ms(300)] {
            let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
            let rounds = detector
                .watch("on_rayon", on_rayon(move || busy_for(work)))
                .await;
            assert!(rounds > 0, "the job must run, and its answer come back");
            if let Some(report) = detector.reports().first() {
                panic!(
                    "'{}' held its runtime thread for {:.2}s in one poll (the job computes for \
                     {work:?}): the job computed there, or the runtime thread waited for it \
                     (a blocking recv, rayon::scope, join or install); await a channel's \
                     receiver (tokio::sync::oneshot) instead",
                    report.task,
                    report.took.as_secs_f64()
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn another_task_runs_freely_while_the_job_runs() {
    within(Duration::from_secs(30), "on_rayon", async {
        for wanted in [100, 1000] {
            // A task that ticks each time it runs, then yields; and a job that waits until it has
            // seen `wanted` ticks (2 s at most). With the runtime thread free, that is at once.
            let (tick, ticks) = mpsc::channel::<()>();
            let heartbeat = tokio::spawn(async move {
                while tick.send(()).is_ok() {
                    tokio::task::yield_now().await;
                }
            });
            let seen = Arc::new(AtomicUsize::new(0));
            let counted = Arc::clone(&seen);
            on_rayon(move || {
                let deadline = Instant::now() + Duration::from_secs(2);
                while counted.load(Ordering::SeqCst) < wanted {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match ticks.recv_timeout(left) {
                        Ok(()) => counted.fetch_add(1, Ordering::SeqCst),
                        Err(_) => break,
                    };
                }
            })
            .await;
            heartbeat.abort();
            let seen = seen.load(Ordering::SeqCst);
            assert!(
                seen >= wanted,
                "while the job ran (it waits up to 2 s for {wanted} ticks of a task that ticks \
                 each time it runs), that task ticked {seen} times: the runtime thread was \
                 held, by the job itself or by on_rayon waiting for it (a blocking recv, \
                 rayon::scope, or waiting in short slices); await a oneshot receiver, which \
                 leaves the thread to other tasks"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_answer_wakes_the_task_at_once() {
    within(Duration::from_secs(30), "on_rayon", async {
        for work in [ms(100), ms(300)] {
            let clock = hold_the_clock();
            let done = clock.clone();
            let start = tokio::time::Instant::now();
            let (ran, polls) = count_polls(on_rayon(move || {
                sleep_for(work);
                let _ = done.send(());
                here()
            }))
            .await;
            let took = start.elapsed();
            let _ = clock.send(());
            assert!(
                polls <= 3,
                "on_rayon was polled {polls} times for one job of {work:?}: it kept coming back \
                 to look for the answer (a loop around try_recv with yield_now, asyncio's \
                 `await asyncio.sleep(0)`, or waiting in short slices); `.await` a oneshot \
                 receiver: the task sleeps until the job's send wakes it, once"
            );
            assert!(
                took.is_zero(),
                "on_rayon took {took:?} on tokio's paused clock, which moves only when every task \
                 waits for a timer: it slept between looks at the answer (asyncio's `while not \
                 fut.done(): await asyncio.sleep(...)`), and the answer waited for the next \
                 look; `.await` a oneshot receiver: the job's send wakes the task at once"
            );
            assert!(
                ran.rayon_index.is_some(),
                "the job ran outside rayon's pool, on {:?}: hand it to rayon::spawn",
                ran.thread_name
            );
        }
    })
    .await;
}
