//! Part 14 — blocking I/O on a thread pool (Python: `run_in_executor(None, requests.get)`).
//!
//! Blocking HTTP requests made inside async tasks hold the runtime's two worker threads (the
//! blocking detector names them), then the same requests on tokio's blocking pool
//! (`spawn_blocking`), collected as they complete. Then the threads of the Python notes: fork/join
//! with `std::thread`, detached threads against the blocking pool at exit (Python's `daemon=True`),
//! a `CancellationToken` that workers check, and a `Semaphore` that caps the blocking pool
//! (Python's `ThreadPoolExecutor(max_workers=2)`).
//!
//! Run it: `make part_14` (or `cargo run -p part_14`). It talks to the count server: `make server`
//! in another terminal, or it starts one in-process.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use count_server::get_count_blocking;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use workshop::blocking::PYTHON_DEFAULT_LIMIT;
use workshop::lesson::{BoxError, panic_message};
use workshop::{BlockingDetector, Stopwatch, Timeline, Trace};

/// Requests of 0.5 to 2 s: the numbers the README quotes.
const DELAYS: [f64; 4] = [2.0, 0.5, 1.5, 1.0];

// Two worker threads, whatever the machine: section 1 runs two blocking requests at a time, on
// any number of cores. (Without the pin, tokio starts one worker per core.)
#[tokio::main(worker_threads = 2)]
async fn main() -> ExitCode {
    workshop::banner!();
    workshop::lesson::report_panics_in_one_line(); // section 3 panics on purpose
    workshop::lesson::exit_code(talk().await)
}

async fn talk() -> Result<(), BoxError> {
    let url = count_server::count_server_url().await?;

    let workers = tokio::runtime::Handle::current().metrics().num_workers();
    println!("1. DELIBERATELY WRONG: requests.get inside async tasks ({workers} worker threads)");
    let wrong = BlockingDetector::new(PYTHON_DEFAULT_LIMIT);
    requests_as_completed(&url, &DELAYS, On::RuntimeThreads, &wrong).await?;

    println!("\n2. The same requests on spawn_blocking, collected as they complete");
    let right = BlockingDetector::new(PYTHON_DEFAULT_LIMIT);
    requests_as_completed(&url, &DELAYS, On::BlockingPool, &right).await?;
    println!("   blocking detector: {} reports\n", right.reports().len());

    println!("3. Fork / join with std::thread (Python: Thread.start / join)");
    fork_join(Duration::from_millis(200)).await?;

    println!("\n4. At exit: detached threads (Python: daemon=True) and the blocking pool");
    let trace = Trace::start();
    let in_pool = trace.clone();
    let (work, sleeper) = (Duration::from_millis(300), Duration::from_secs(60));
    tokio::task::spawn_blocking(move || at_exit(work, sleeper, &in_pool)).await??;

    println!("\n5. Cancelling workers with a CancellationToken");
    cancel_workers(Duration::from_millis(100), Duration::from_millis(450)).await?;

    println!("\n6. spawn_blocking under a Semaphore (Python: ThreadPoolExecutor(max_workers=n))");
    at_most(2, 8, || block_for(Duration::from_millis(250))).await?;

    println!(
        "\nmain returns: section 4's `sleeper` thread dies mid-sleep with the process, while the\n\
         runtime's drop waits for any spawn_blocking job still running. Join what matters."
    );
    Ok(())
}

/// Blocks the calling thread: the stand-in for blocking work. Called only on threads of our own
/// and on the blocking pool, never on a runtime thread.
#[allow(clippy::disallowed_methods)] // deliberately blocking: a worker thread's "work"
fn block_for(duration: Duration) {
    thread::sleep(duration);
}

/// Python's `requests.get(url)`: a blocking call with a client of its own. It parks the thread it
/// runs on until the answer comes: fine on a thread of its own, wrong on a runtime thread.
fn fetch_blocking(base_url: &str, delay: f64) -> Result<u64, BoxError> {
    let client = reqwest::blocking::Client::builder().build()?;
    Ok(get_count_blocking(&client, base_url, delay)?)
}

/// Where the blocking requests run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    /// Inside async tasks, so on the runtime's worker threads: DELIBERATELY WRONG.
    RuntimeThreads,
    /// On tokio's blocking pool, with `spawn_blocking`.
    BlockingPool,
}

/// Python: `loop.run_in_executor(None, requests.get, url)` per URL, then `asyncio.as_completed`;
/// or, wrongly, `requests.get` inside each coroutine.
///
/// `spawn_blocking` runs the closure on the blocking pool, threads kept apart from the ones that
/// run async tasks, and gives back a Future of its result. Spawned as an async task instead, the
/// same closure runs inside one `poll` and holds a worker thread until it returns: with two
/// workers, two requests at a time, and the detector names each one.
async fn requests_as_completed(
    base_url: &str,
    delays: &[f64],
    on: On,
    detector: &BlockingDetector,
) -> Result<Vec<(f64, u64)>, BoxError> {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let mut jobs = JoinSet::new();
    for &delay in delays {
        let (url, timeline) = (base_url.to_owned(), timeline.clone());
        let request = move || {
            let start = Instant::now();
            let count = fetch_blocking(&url, delay);
            timeline.record(format!("delay {delay}s"), start, Instant::now());
            (delay, count)
        };
        let name = format!("request {delay}s");
        match on {
            // DELIBERATELY WRONG: the blocking call runs inside this task's poll.
            On::RuntimeThreads => jobs.spawn(detector.watch(name, async move { request() })),
            // The task only awaits the pool's answer: each of its polls is over at once.
            On::BlockingPool => jobs.spawn(detector.watch(name, async move {
                let joined = tokio::task::spawn_blocking(request).await;
                joined.unwrap_or_else(|panicked| (delay, Err(panicked.into())))
            })),
        };
    }
    // The collecting loop is watched too: awaiting `join_next` never holds the thread.
    let collect = async {
        let mut done = Vec::with_capacity(delays.len());
        while let Some(joined) = jobs.join_next().await {
            let (delay, count) = joined?;
            let count = count?;
            watch.say(format!("delay {delay}s → count {count}"));
            done.push((delay, count));
        }
        Ok::<_, BoxError>(done)
    };
    let done = detector.watch("collect results", collect).await?;
    for line in timeline.render(40).lines() {
        println!("   {line}");
    }
    Ok(done)
}

/// Python: `t = Thread(target=work); t.start(); …; t.join()`.
///
/// `thread::spawn` needs a `'static` closure: the thread may outlive the caller, so it must own
/// what it uses (`move`). `join` waits, and returns the thread's value, or `Err` with the panic if
/// it panicked: an exception in a Python thread is printed and lost; here the parent gets it.
/// Returns the trace and each worker's result, in join order.
async fn fork_join(work: Duration) -> Result<(Trace, Vec<Result<String, String>>), BoxError> {
    let trace = Trace::start();
    let in_pool = trace.clone();
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
        in_pool.say("3 threads started; worker-3 will panic, on purpose");
        // Joined in spawn order, whatever order they finish in.
        let mut results = Vec::new();
        for handle in handles {
            let result = handle.join().map_err(|payload| panic_message(&*payload));
            in_pool.say(format!("joined: {result:?}"));
            results.push(result);
        }
        Ok(results)
    })
    .await??;
    Ok((trace, joined))
}

/// Python: a `daemon=True` thread is killed when the program exits; a non-daemon one is waited
/// for. A `std::thread` is the daemon kind: dropping its `JoinHandle` detaches it, and when `main`
/// returns the process exits and takes it along. The blocking pool is not: `#[tokio::main]` ends by
/// dropping its runtime, and that drop waits for every `spawn_blocking` job that has started (jobs
/// still queued are dropped; `shutdown_timeout(d)` waits at most `d`). Shown on a runtime of its
/// own, built and dropped here: dropping a runtime blocks, so call this from a thread, not a task.
fn at_exit(work: Duration, sleeper: Duration, trace: &Trace) -> Result<(), BoxError> {
    let sleeping = trace.clone();
    let handle = thread::Builder::new()
        .name("sleeper".into())
        .spawn(move || {
            block_for(sleeper);
            sleeping.say("sleeper: awake");
        })?;
    drop(handle); // detached: nobody will join it
    trace.say(format!(
        "sleeper: a detached std::thread, sleeping {sleeper:?}"
    ));

    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let (job_trace, (started_tx, started_rx)) = (trace.clone(), std::sync::mpsc::channel());
    runtime.spawn_blocking(move || {
        let _ = started_tx.send(());
        block_for(work);
        job_trace.say("blocking job: finished");
    });
    started_rx.recv()?; // the job is running: one still queued would be dropped, not waited for
    trace.say("dropping a runtime while its spawn_blocking job runs…");
    drop(runtime);
    trace.say("drop returned");
    Ok(())
}

/// The "cancellation thread" of the Python notes: workers check a shared `threading.Event`
/// between steps, and someone sets it. A `CancellationToken` does both jobs: threads poll
/// `is_cancelled()` between blocking steps, async tasks `.await` `cancelled()`. A thread cannot be
/// stopped from outside (there is no `Thread.kill`, in Python or Rust); it has to look. Returns
/// the trace, where each worker says when it saw the token.
async fn cancel_workers(step: Duration, cancel_after: Duration) -> Result<Vec<String>, BoxError> {
    let trace = Trace::start();
    let token = CancellationToken::new();
    let mut workers = JoinSet::new();
    for name in ["thread-1", "thread-2"] {
        let (token, trace) = (token.clone(), trace.clone());
        workers.spawn_blocking(move || {
            let mut steps = 0;
            while !token.is_cancelled() {
                block_for(step); // one blocking step; the token is checked between steps
                steps += 1;
            }
            trace.say(format!("{name} saw the token after {steps} steps"));
        });
    }
    let (token_for_task, in_task) = (token.clone(), trace.clone());
    workers.spawn(async move {
        let mut ticks = 0;
        loop {
            tokio::select! {
                () = token_for_task.cancelled() => break,
                () = tokio::time::sleep(step) => ticks += 1,
            }
        }
        in_task.say(format!("async task saw the token after {ticks} ticks"));
    });

    tokio::time::sleep(cancel_after).await;
    trace.say("token.cancel()");
    token.cancel();
    while let Some(joined) = workers.join_next().await {
        joined?;
    }
    Ok(trace.messages())
}

/// Python: `ThreadPoolExecutor(max_workers=2)` for blocking I/O.
///
/// tokio's blocking pool starts a thread whenever none is idle (up to 512), so it has no size to
/// give. A `Semaphore` of `permits` is the cap: the permit is awaited in async code (waiting costs
/// no thread), moved into the job, and released when the job returns. (rayon's pool is sized for
/// CPU work, part 15: a thread of it parked on I/O is a core left idle.) Runs `job` `jobs` times;
/// returns the most jobs that ran at once, and the job ids in submission order.
async fn at_most(
    permits: usize,
    jobs: usize,
    job: impl Fn() + Clone + Send + 'static,
) -> Result<(usize, Vec<usize>), BoxError> {
    let watch = Stopwatch::start();
    let semaphore = Arc::new(Semaphore::new(permits));
    let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut handles = Vec::new();
    for id in 0..jobs {
        let permit = Arc::clone(&semaphore).acquire_owned().await?;
        let (running, peak, job) = (Arc::clone(&running), Arc::clone(&peak), job.clone());
        handles.push(tokio::task::spawn_blocking(move || {
            let _permit = permit; // released when the job ends
            peak.fetch_max(running.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            job();
            running.fetch_sub(1, Ordering::SeqCst);
            id
        }));
    }
    let ids = futures::future::try_join_all(handles).await?;
    let peak = peak.load(Ordering::SeqCst);
    let line = format!("{permits} permits: {jobs} jobs done, at most {peak} at once");
    watch.say(line);
    Ok((peak, ids))
}

#[cfg(test)]
mod tests {
    use super::*;
    use count_server::start_in_background;
    use workshop::testing::within;

    // Real clock throughout: these tests wait on threads and sockets, and a paused clock would
    // jump straight to the time limit while the runtime waits for them. The assertions are about
    // values, order and lower bounds (a request delayed 0.2 s takes at least 0.2 s), never about
    // how fast a loaded machine gets things done.

    /// A count server of the test's own, so its counter starts at zero.
    fn fresh_server() -> String {
        let addr = start_in_background().expect("start a count server");
        format!("http://{addr}")
    }

    fn sorted_counts(done: &[(f64, u64)]) -> Vec<u64> {
        let mut counts: Vec<u64> = done.iter().map(|&(_, count)| count).collect();
        counts.sort_unstable();
        counts
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_blocking_request_in_a_task_is_reported_by_name() {
        within(Duration::from_secs(20), "blocking in tasks", async {
            let url = fresh_server();
            let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
            let delays = [0.3, 0.15, 0.2];
            let done = requests_as_completed(&url, &delays, On::RuntimeThreads, &detector)
                .await
                .unwrap();
            assert_eq!(sorted_counts(&done), [1, 2, 3]);
            let mut reports = detector.reports();
            reports.sort_by_key(|r| r.took);
            let names: Vec<&str> = reports.iter().map(|r| r.task.as_str()).collect();
            // Every request held a worker thread for its whole wait, and nothing else did.
            assert_eq!(names, ["request 0.15s", "request 0.2s", "request 0.3s"]);
            for (report, delay) in reports.iter().zip([0.15, 0.2, 0.3]) {
                assert!(report.took >= Duration::from_secs_f64(delay), "{report:?}");
                assert!(report.took > detector.limit(), "{report:?}");
            }
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_same_requests_on_spawn_blocking_are_not_reported() {
        within(Duration::from_secs(20), "spawn_blocking", async {
            let url = fresh_server();
            let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
            let delays = [0.3, 0.15, 0.2];
            let done = requests_as_completed(&url, &delays, On::BlockingPool, &detector)
                .await
                .unwrap();
            assert_eq!(sorted_counts(&done), [1, 2, 3]);
            assert_eq!(detector.reports(), []);
        })
        .await;
    }

    #[tokio::test]
    async fn join_returns_values_in_join_order_and_panics_as_errors() {
        within(Duration::from_secs(20), "fork/join", async {
            let (trace, joined) = fork_join(Duration::from_millis(5)).await.unwrap();
            assert_eq!(
                joined,
                [
                    Ok("worker-1 worked 0.0s".to_owned()),
                    Ok("worker-2 worked 0.0s".to_owned()),
                    Err("worker-3 gave up".to_owned()),
                ]
            );
            // "started" is said once the three spawns returned, before any join.
            let messages = trace.messages();
            assert!(messages[0].starts_with("3 threads started"), "{messages:?}");
            assert_eq!(messages.len(), 4, "{messages:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn dropping_a_runtime_waits_for_its_running_blocking_job() {
        within(Duration::from_secs(20), "runtime drop", async {
            let trace = Trace::start();
            let in_pool = trace.clone();
            let (work, sleeper) = (Duration::from_millis(100), Duration::from_secs(60));
            tokio::task::spawn_blocking(move || at_exit(work, sleeper, &in_pool))
                .await
                .unwrap()
                .unwrap();
            let messages = trace.messages();
            let at = |text: &str| messages.iter().position(|m| m.starts_with(text));
            let finished = at("blocking job: finished").expect("the job ran to its end");
            let returned = at("drop returned").expect("the drop returned");
            assert!(finished < returned, "{messages:?}");
            // The detached sleeper is still asleep: nobody waited for it.
            assert_eq!(at("sleeper: awake"), None, "{messages:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn every_worker_stops_after_cancel() {
        within(Duration::from_secs(20), "cancellation", async {
            let events = cancel_workers(Duration::from_millis(5), Duration::from_millis(60))
                .await
                .unwrap();
            // Each worker wrote its own line when its loop saw the token: none before the
            // cancel, and every one of them after it (the loops run until told, however long).
            assert_eq!(events[0], "token.cancel()", "{events:?}");
            let mut stopped: Vec<&str> = events[1..]
                .iter()
                .map(|e| e.split(" saw the token").next().unwrap_or(e))
                .collect();
            stopped.sort_unstable();
            assert_eq!(
                stopped,
                ["async task", "thread-1", "thread-2"],
                "{events:?}"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn a_semaphore_caps_the_blocking_pool_at_n_at_a_time() {
        within(Duration::from_secs(20), "semaphore", async {
            for permits in [1, 2, 3] {
                // Each job waits at a barrier until `permits` jobs are in (the pool must run n at
                // once for any of them to finish), then lingers: the semaphore must let no more in.
                let company = Arc::new(std::sync::Barrier::new(permits));
                let (peak, ids) = at_most(permits, 6, move || {
                    company.wait();
                    block_for(Duration::from_millis(10));
                })
                .await
                .unwrap();
                assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
                assert_eq!(peak, permits, "{permits} permits, but {peak} jobs at once");
            }
        })
        .await;
    }
}
