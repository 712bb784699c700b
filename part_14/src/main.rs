//! Part 14 — blocking I/O on a thread pool (Python: `run_in_executor(None, requests.get)`).
//!
//! Blocking HTTP requests run on tokio's blocking pool (`spawn_blocking`) and are collected as
//! they complete: four requests of 1 to 4 s take about 4 s. Then the threads of the Python notes:
//! fork/join with `std::thread`, detached threads and what happens to them when `main` returns
//! (Python's `daemon=True`), scoped threads that borrow, a `CancellationToken` that workers check,
//! a fixed-size pool against `spawn_blocking`, and a showdown: the same five requests run
//! sequentially, on threads, on `spawn_blocking` and with async, in a table of measured times.
//!
//! Run it: `make part_14` (or `cargo run -p part_14`). It talks to the count server: `make server`
//! in another terminal, or it starts one in-process.

use std::any::Any;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use workshop::count_server::{get_count, get_count_blocking};
use workshop::lesson::BoxError;
use workshop::{Stopwatch, Timeline};

#[tokio::main]
async fn main() -> ExitCode {
    workshop::banner!();
    workshop::lesson::exit_code(talk().await)
}

async fn talk() -> Result<(), BoxError> {
    let url = workshop::count_server_url().await?;

    println!("1. Blocking requests on spawn_blocking, collected as they complete");
    let done = blocking_requests_as_completed(&url, &[4.0, 1.0, 3.0, 2.0]).await?;
    let last = done.last().map_or(Duration::ZERO, |d| d.at);
    println!("   {} requests in {:.2}s\n", done.len(), last.as_secs_f64());

    println!("2. Fork / join with std::thread (Python: Thread.start / join)");
    fork_join(Duration::from_millis(200)).await?;

    println!("\n3. Detached threads (Python: daemon=True)");
    detached_threads(Duration::from_millis(300), Duration::from_secs(60)).await?;

    println!("\n4. Scoped threads borrow the client and the URL");
    let watch = Stopwatch::start();
    let url_for_threads = url.clone();
    let counts = tokio::task::spawn_blocking(move || {
        fetch_on_scoped_threads(&url_for_threads, &[0.5, 0.2, 0.3], Some(watch))
    })
    .await??;
    watch.say(format!("the scope joined all three: {counts:?}"));

    println!("\n5. Cancelling workers with a CancellationToken");
    let cancelled = cancel_workers(Duration::from_millis(100), Duration::from_millis(450)).await?;
    let steps: u32 = cancelled.steps.iter().map(|(_, steps)| steps).sum();
    println!(
        "   {} workers stopped, {steps} steps done in all",
        cancelled.steps.len()
    );

    println!("\n6. A pool of 2 threads vs spawn_blocking: 4 blocking jobs of 0.25 s");
    pool_vs_spawn_blocking(4, Duration::from_millis(250)).await?;

    println!("\n7. Showdown: the same 5 requests (0.5 s each), four ways");
    let rows = showdown(&url, 5, 0.5).await?;
    print_showdown(&rows);

    println!(
        "\nmain returns: the process exits, and section 3's `sleeper` thread dies mid-sleep.\n\
         (Python waits for non-daemon threads at exit; Rust waits for none: join what matters.)"
    );
    Ok(())
}

/// Blocks the calling thread: the stand-in for blocking work. Called only on threads of our own
/// and on the blocking pool, never on a runtime thread.
#[allow(clippy::disallowed_methods)] // deliberately blocking: a worker thread's "work"
fn block_for(duration: Duration) {
    thread::sleep(duration);
}

/// Python's `requests.get(url)`: a blocking call with a client of its own. For threads and the
/// blocking pool only: on a runtime thread it would stall every task scheduled there.
fn fetch_blocking(base_url: &str, delay: f64) -> Result<u64, BoxError> {
    let client = reqwest::blocking::Client::builder().build()?;
    Ok(get_count_blocking(&client, base_url, delay)?)
}

/// A panic payload as text: what `JoinHandle::join` hands back when the thread panicked.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else {
        "a panic without a message".to_owned()
    }
}

/// One request's answer, and when it arrived.
#[derive(Debug, Clone, PartialEq)]
struct Done {
    delay: f64,
    count: u64,
    at: Duration,
}

/// Python: `loop.run_in_executor(None, requests.get, url)` per URL, then `asyncio.as_completed`.
///
/// `spawn_blocking` runs the closure on tokio's blocking pool, a set of threads kept apart from
/// the ones running async tasks, and gives back a Future of its result. A `JoinSet` hands the
/// results over in the order they complete.
async fn blocking_requests_as_completed(
    base_url: &str,
    delays: &[f64],
) -> Result<Vec<Done>, BoxError> {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let mut jobs = JoinSet::new();
    for &delay in delays {
        let (url, timeline) = (base_url.to_owned(), timeline.clone());
        jobs.spawn_blocking(move || {
            let start = Instant::now();
            let count = fetch_blocking(&url, delay);
            timeline.record(format!("delay {delay}s"), start, Instant::now());
            (delay, count)
        });
    }
    watch.say(format!("{} blocking requests started", delays.len()));
    let mut done = Vec::with_capacity(delays.len());
    while let Some(joined) = jobs.join_next().await {
        let (delay, count) = joined?;
        let count = count?;
        let at = watch.elapsed();
        watch.say(format!("delay {delay}s → count {count}"));
        done.push(Done { delay, count, at });
    }
    print!("{}", indent(&timeline.render(40)));
    Ok(done)
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("   {line}\n")).collect()
}

/// Python: `t = Thread(target=work); t.start(); …; t.join()`.
///
/// `thread::spawn` needs a `'static` closure: the thread may outlive the caller, so it must own
/// what it uses (`move`). `join` waits, and returns the thread's value, or `Err` with the panic if
/// it panicked: an exception in a Python thread is printed and lost; here the parent gets it.
/// Returns each worker's result, in join order.
async fn fork_join(work: Duration) -> Result<Vec<Result<String, String>>, BoxError> {
    let watch = Stopwatch::start();
    watch.say("3 threads started; worker-3 will panic, on purpose");
    // `join` blocks the thread calling it, so the whole fork/join runs on the blocking pool.
    let joined = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<_>> {
        let mut handles = Vec::new();
        for i in 1..=3u32 {
            let name = format!("worker-{i}");
            let handle = thread::Builder::new().name(name.clone()).spawn(move || {
                block_for(work * i);
                if i == 3 {
                    // DELIBERATELY failing, to show what `join` returns for a panicked thread.
                    // The thread prints its panic message itself, as Python prints the traceback.
                    panic!("{name} gave up");
                }
                format!("{name} worked {:.1}s", (work * i).as_secs_f64())
            })?;
            handles.push(handle);
        }
        // Joined in spawn order, whatever order they finish in.
        let mut results = Vec::new();
        for handle in handles {
            let result = handle.join().map_err(|payload| panic_message(&*payload));
            watch.say(format!("joined: {result:?}"));
            results.push(result);
        }
        Ok(results)
    })
    .await??;
    Ok(joined)
}

/// Python: a `daemon=True` thread is killed when the program exits; a non-daemon one is waited
/// for. Rust has only the first kind: dropping a `JoinHandle` detaches the thread (it keeps
/// running), and when `main` returns the process exits with every thread still running.
///
/// One detached thread finishes `work` and reports back over a oneshot channel (a thread can
/// hand a result to async code without anyone calling the blocking `join`). The `sleeper` is left
/// asleep for `sleeper`: `main` ends long before, taking it along. Returns the trace.
async fn detached_threads(work: Duration, sleeper: Duration) -> Result<Vec<String>, BoxError> {
    let watch = Stopwatch::start();
    let mut events = Vec::new();
    let (done_tx, done_rx) = oneshot::channel();
    let handle = thread::Builder::new()
        .name("detached".into())
        .spawn(move || {
            block_for(work);
            let _ = done_tx.send(format!("worked {:.1}s", work.as_secs_f64()));
        })?;
    drop(handle);
    events.push(watch.say("detached: JoinHandle dropped, the thread runs on"));
    let report = done_rx.await.map_err(|_| "the detached thread died")?;
    events.push(watch.say(format!("detached: {report}, finished anyway")));

    thread::Builder::new()
        .name("sleeper".into())
        .spawn(move || {
            block_for(sleeper);
            println!("sleeper: awake after {sleeper:?}");
        })?;
    events.push(watch.say(format!(
        "sleeper: started, sleeping {:.0}s; nobody will join it",
        sleeper.as_secs_f64()
    )));
    Ok(events)
}

/// Scoped threads (`std::thread::scope`): the scope joins every thread before it returns, so the
/// threads may borrow from the caller: here one blocking client and the URL, shared by reference,
/// with no `Arc` and no clones. Blocks until all are done: call it from a thread, not a task.
/// Returns the counts in the order of `delays`.
fn fetch_on_scoped_threads(
    base_url: &str,
    delays: &[f64],
    trace: Option<Stopwatch>,
) -> Result<Vec<u64>, BoxError> {
    let client = reqwest::blocking::Client::builder().build()?;
    let client = &client;
    let joined: Vec<_> = thread::scope(|scope| {
        let handles: Vec<_> = delays
            .iter()
            .map(|&delay| {
                scope.spawn(move || {
                    let count = get_count_blocking(client, base_url, delay);
                    if let (Some(watch), Ok(count)) = (trace, &count) {
                        watch.say(format!("thread for delay {delay}s → count {count}"));
                    }
                    count
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join()).collect()
    });
    joined
        .into_iter()
        .map(|result| match result {
            Ok(count) => Ok(count?),
            Err(payload) => Err(panic_message(&*payload).into()),
        })
        .collect()
}

/// What the cancellation section observed.
#[derive(Debug)]
struct Cancelled {
    #[cfg_attr(not(test), allow(dead_code))] // the trace: printed as it happens, read by the tests
    events: Vec<String>,
    /// (worker, steps done before it saw the cancellation)
    steps: Vec<(&'static str, u32)>,
}

/// The "cancellation thread" of the Python notes: workers check a shared `threading.Event`
/// between steps, and someone sets it. A `CancellationToken` does both jobs: threads poll
/// `is_cancelled()` between blocking steps, async tasks `.await` `cancelled()`. A thread cannot be
/// stopped from outside (there is no `Thread.kill`, in Python or Rust); it has to look.
async fn cancel_workers(step: Duration, cancel_after: Duration) -> Result<Cancelled, BoxError> {
    let watch = Stopwatch::start();
    let token = CancellationToken::new();
    let mut events = Vec::new();

    let mut workers = JoinSet::new();
    for name in ["thread-1", "thread-2"] {
        let token = token.clone();
        workers.spawn_blocking(move || {
            let mut steps = 0;
            while !token.is_cancelled() {
                block_for(step); // one blocking step; the token is checked between steps
                steps += 1;
            }
            (name, steps)
        });
    }
    let token_for_task = token.clone();
    workers.spawn(async move {
        let mut ticks = 0;
        loop {
            tokio::select! {
                () = token_for_task.cancelled() => break ("async task", ticks),
                () = tokio::time::sleep(step) => ticks += 1,
            }
        }
    });

    tokio::time::sleep(cancel_after).await;
    events.push(watch.say("token.cancel()"));
    token.cancel();

    let mut steps = Vec::new();
    while let Some(joined) = workers.join_next().await {
        let (name, done) = joined?;
        events.push(watch.say(format!("{name} stopped after {done} steps")));
        steps.push((name, done));
    }
    steps.sort();
    Ok(Cancelled { events, steps })
}

/// One way of running blocking jobs, measured.
#[derive(Debug)]
struct PoolRun {
    elapsed: Duration,
    /// The most jobs that were running at the same moment.
    peak: usize,
    #[cfg_attr(not(test), allow(dead_code))] // the job ids, in submission order: for the tests
    results: Vec<usize>,
}

/// Counts jobs running right now, and the most at once.
#[derive(Debug, Default)]
struct Gauge {
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl Gauge {
    fn job(&self, id: usize, work: Duration) -> usize {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        block_for(work);
        self.running.fetch_sub(1, Ordering::SeqCst);
        id
    }
}

/// Python: `ThreadPoolExecutor(max_workers=2)` against `run_in_executor(None, …)`.
///
/// A fixed pool (a rayon `ThreadPool` of 2 threads) runs at most 2 jobs at once; the others
/// queue. tokio's blocking pool starts a new thread whenever none is idle (up to 512 by default),
/// so all the jobs run at once. Results come back to async code through oneshot channels.
async fn pool_vs_spawn_blocking(
    jobs: usize,
    work: Duration,
) -> Result<(PoolRun, PoolRun), BoxError> {
    let watch = Stopwatch::start();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .thread_name(|i| format!("pool-{i}"))
        .build()?;
    let gauge = Arc::new(Gauge::default());
    let start = Instant::now();
    let receivers: Vec<_> = (0..jobs)
        .map(|id| {
            let (tx, rx) = oneshot::channel();
            let gauge = Arc::clone(&gauge);
            pool.spawn(move || {
                let _ = tx.send(gauge.job(id, work));
            });
            rx
        })
        .collect();
    let results = futures::future::try_join_all(receivers).await?;
    let fixed = PoolRun {
        elapsed: start.elapsed(),
        peak: gauge.peak.load(Ordering::SeqCst),
        results,
    };
    watch.say(format!(
        "pool of 2:      {jobs} jobs in {:.2}s, at most {} at once",
        fixed.elapsed.as_secs_f64(),
        fixed.peak
    ));

    let gauge = Arc::new(Gauge::default());
    let start = Instant::now();
    let handles: Vec<_> = (0..jobs)
        .map(|id| {
            let gauge = Arc::clone(&gauge);
            tokio::task::spawn_blocking(move || gauge.job(id, work))
        })
        .collect();
    let results = futures::future::try_join_all(handles).await?;
    let blocking = PoolRun {
        elapsed: start.elapsed(),
        peak: gauge.peak.load(Ordering::SeqCst),
        results,
    };
    watch.say(format!(
        "spawn_blocking: {jobs} jobs in {:.2}s, at most {} at once",
        blocking.elapsed.as_secs_f64(),
        blocking.peak
    ));
    Ok((fixed, blocking))
}

/// One row of the showdown.
#[derive(Debug)]
struct Row {
    method: &'static str,
    elapsed: Duration,
    counts: Vec<u64>,
}

/// The same `n` requests of `delay` seconds each: sequentially (Python: a `requests` loop), on
/// scoped threads (`threading`), on `spawn_blocking` (`run_in_executor`), and async (`aiohttp`
/// with `gather`). I/O-bound work waits; the three concurrent ways overlap the waits.
async fn showdown(base_url: &str, n: usize, delay: f64) -> Result<Vec<Row>, BoxError> {
    let delays = vec![delay; n];
    let mut rows = Vec::new();

    let start = Instant::now();
    let (url, these) = (base_url.to_owned(), delays.clone());
    let counts = tokio::task::spawn_blocking(move || -> Result<Vec<u64>, BoxError> {
        let client = reqwest::blocking::Client::builder().build()?;
        these
            .iter()
            .map(|&delay| Ok(get_count_blocking(&client, &url, delay)?))
            .collect()
    })
    .await??;
    rows.push(Row {
        method: "sequential (one thread)",
        elapsed: start.elapsed(),
        counts,
    });

    let start = Instant::now();
    let (url, these) = (base_url.to_owned(), delays.clone());
    let counts =
        tokio::task::spawn_blocking(move || fetch_on_scoped_threads(&url, &these, None)).await??;
    rows.push(Row {
        method: "threads (a thread each)",
        elapsed: start.elapsed(),
        counts,
    });

    let start = Instant::now();
    let handles: Vec<_> = delays
        .iter()
        .map(|&delay| {
            let url = base_url.to_owned();
            tokio::task::spawn_blocking(move || fetch_blocking(&url, delay))
        })
        .collect();
    let counts = futures::future::try_join_all(handles)
        .await?
        .into_iter()
        .collect::<Result<Vec<u64>, BoxError>>()?;
    rows.push(Row {
        method: "spawn_blocking",
        elapsed: start.elapsed(),
        counts,
    });

    let start = Instant::now();
    let client = reqwest::Client::builder().build()?;
    let requests = delays
        .iter()
        .map(|&delay| get_count(&client, base_url, delay));
    let counts = futures::future::try_join_all(requests).await?;
    rows.push(Row {
        method: "async (no extra thread)",
        elapsed: start.elapsed(),
        counts,
    });
    Ok(rows)
}

fn print_showdown(rows: &[Row]) {
    println!("   {:<26} {:>6}   counts", "method", "time");
    for row in rows {
        println!(
            "   {:<26} {:>5.2}s   {:?}",
            row.method,
            row.elapsed.as_secs_f64(),
            row.counts
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::count_server::start_in_background;
    use workshop::testing::within;

    // Real clock throughout: these tests wait on threads and sockets, and a paused clock would
    // jump straight to the time limit while the runtime waits for them. Durations are small, and
    // the assertions are about values and order, never about how long things took.

    /// A count server of the test's own, so its counter starts at zero.
    fn fresh_server() -> String {
        let addr = start_in_background().expect("start a count server");
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn blocking_requests_arrive_in_completion_order() {
        within(Duration::from_secs(20), "as completed", async {
            let url = fresh_server();
            // 0.3 s between finishes: wide enough that a busy CI machine cannot reorder them.
            let done = blocking_requests_as_completed(&url, &[0.9, 0.3, 0.6])
                .await
                .unwrap();
            let order: Vec<(f64, u64)> = done.iter().map(|d| (d.delay, d.count)).collect();
            // The shortest wait is answered first, and the server counted it first.
            assert_eq!(order, [(0.3, 1), (0.6, 2), (0.9, 3)]);
            assert!(done.windows(2).all(|w| w[0].at <= w[1].at), "{done:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn join_returns_values_in_join_order_and_panics_as_errors() {
        within(Duration::from_secs(20), "fork/join", async {
            let joined = fork_join(Duration::from_millis(5)).await.unwrap();
            assert_eq!(joined.len(), 3);
            assert_eq!(joined[0], Ok("worker-1 worked 0.0s".to_owned()));
            assert_eq!(joined[1], Ok("worker-2 worked 0.0s".to_owned()));
            assert_eq!(joined[2], Err("worker-3 gave up".to_owned()));
        })
        .await;
    }

    #[tokio::test]
    async fn a_detached_thread_keeps_running() {
        within(Duration::from_secs(20), "detached", async {
            let events = detached_threads(Duration::from_millis(100), Duration::from_millis(10))
                .await
                .unwrap();
            // The answer came after the handle was dropped: dropping it did not stop the thread.
            assert!(events[0].ends_with("JoinHandle dropped, the thread runs on"));
            assert!(
                events[1].ends_with("worked 0.1s, finished anyway"),
                "{events:?}"
            );
            assert_eq!(events.len(), 3);
        })
        .await;
    }

    #[tokio::test]
    async fn scoped_threads_share_one_borrowed_client() {
        within(Duration::from_secs(20), "scoped threads", async {
            let url = fresh_server();
            let mut counts = tokio::task::spawn_blocking(move || {
                fetch_on_scoped_threads(&url, &[0.05, 0.01, 0.03], None)
            })
            .await
            .unwrap()
            .unwrap();
            counts.sort_unstable();
            assert_eq!(counts, [1, 2, 3]);
        })
        .await;
    }

    #[tokio::test]
    async fn every_worker_stops_after_cancel() {
        within(Duration::from_secs(20), "cancellation", async {
            let seen = cancel_workers(Duration::from_millis(5), Duration::from_millis(60))
                .await
                .unwrap();
            // Nobody stops before the cancel: they only stop because they saw the token.
            assert!(seen.events[0].ends_with("token.cancel()"), "{seen:?}");
            assert_eq!(seen.events.len(), 4);
            assert!(seen.events[1..].iter().all(|e| e.contains("stopped after")));
            let names: Vec<&str> = seen.steps.iter().map(|s| s.0).collect();
            assert_eq!(names, ["async task", "thread-1", "thread-2"]);
        })
        .await;
    }

    #[tokio::test]
    async fn a_fixed_pool_caps_concurrency_and_spawn_blocking_does_not() {
        within(Duration::from_secs(20), "pools", async {
            // Jobs of 0.4 s: ample time for spawn_blocking to start its third thread even on a
            // busy machine, which is what the second assertion needs.
            let (fixed, blocking) = pool_vs_spawn_blocking(4, Duration::from_millis(400))
                .await
                .unwrap();
            assert_eq!(fixed.results, [0, 1, 2, 3]);
            assert_eq!(blocking.results, [0, 1, 2, 3]);
            // The pool never ran more than its 2 threads at once...
            assert!((1..=2).contains(&fixed.peak), "{fixed:?}");
            // ...while the blocking pool started more threads than that.
            assert!(blocking.peak > 2, "{blocking:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn the_showdown_runs_every_request_once_per_method() {
        within(Duration::from_secs(20), "showdown", async {
            let url = fresh_server();
            let rows = showdown(&url, 5, 0.02).await.unwrap();
            let methods: Vec<&str> = rows.iter().map(|r| r.method).collect();
            assert_eq!(
                methods,
                [
                    "sequential (one thread)",
                    "threads (a thread each)",
                    "spawn_blocking",
                    "async (no extra thread)"
                ]
            );
            // One after another: the server counted them in order.
            assert_eq!(rows[0].counts, [1, 2, 3, 4, 5]);
            // Every request of every method was answered, each with a count of its own.
            let mut all: Vec<u64> = rows.iter().flat_map(|r| r.counts.clone()).collect();
            all.sort_unstable();
            assert_eq!(all, (1..=20).collect::<Vec<u64>>());
        })
        .await;
    }
}
