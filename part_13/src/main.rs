//! Part 13: completion order (Python: `asyncio.as_completed`).
//!
//! Five `GET /count?delay=…` requests with shuffled delays. `FuturesUnordered` yields each result
//! as soon as it is ready, not in input order, and a progress bar (indicatif, Python's tqdm)
//! advances with every completion. Then the same with spawned tasks and `JoinSet::join_next`. Last,
//! both loops again with slow work in their bodies: the plain futures wait for the loop, the tasks
//! do not.
//!
//! ```sh
//! make part_13        # or: cargo run -p part_13
//! ```

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use count_server::{CountError, get_count};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinSet;
use tokio::time::Instant;
use workshop::lesson::BoxError;
use workshop::timeline::Span;
use workshop::{Stopwatch, Timeline};

/// Shuffled on purpose, so that the order of completion differs from the order of input.
const DELAYS: [u32; 5] = [3, 0, 4, 1, 2];

/// What one job hands back: its position in the input, its label, its result, and when it was
/// ready (measured inside the job, so a loop that comes late does not hide it).
type Done = (usize, String, Result<u64, CountError>, Instant);

/// One job's outcome, in the order the jobs finished.
#[derive(Debug)]
struct Finished {
    /// Its position in the input.
    index: usize,
    label: String,
    result: Result<u64, CountError>,
    /// When the job itself completed, since the start.
    ready: Duration,
    /// When the loop got it, since the start.
    at: Duration,
    /// The progress bar's position once it was counted.
    progress: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    workshop::banner!();
    workshop::lesson::exit_code(run(Duration::from_secs(1)).await)
}

async fn run(unit: Duration) -> Result<(), BoxError> {
    let base_url = count_server::count_server_url().await?;
    let client = reqwest::Client::builder().build()?;
    let (client, base_url) = (&client, base_url.as_str());
    println!("input order: delays {DELAYS:?} (seconds)");

    section("1. FuturesUnordered: each result as it finishes (Python: asyncio.as_completed)");
    let quick = unordered(client, base_url, unit, Duration::ZERO).await?;
    println!("\nWhen each request was ready:\n\n{}", quick.render(40));

    section("2. JoinSet::join_next: spawned tasks, results as they finish");
    spawned(client, base_url, unit, Duration::ZERO).await?;
    println!("(JoinSet's chart is the same: with a quick loop body, futures and tasks agree)");

    // Slow work for each result (writing it to a database, say): 1.5 s, more than the 1 s between
    // two results.
    let slow = unit * 3 / 2;
    let work = format!("{:.1} s of work in the loop body", slow.as_secs_f64());
    section(&format!("3. The same with {work}: FuturesUnordered"));
    let starved = unordered(client, base_url, unit, slow).await?;
    section(&format!("4. The same with {work}: JoinSet"));
    let free = spawned(client, base_url, unit, slow).await?;
    section(&format!(
        "When each request was ready, with {work} (one scale)"
    ));
    println!("futures: FuturesUnordered's futures move only while the loop waits in next()");
    println!("tasks:   JoinSet's tasks ran on their own; only the loop was late\n");
    let mut rows = Vec::new();
    for (name, timeline) in [("futures", &starved), ("tasks", &free)] {
        let named = |span: Span| Span {
            name: format!("{name}: {}", span.name),
            ..span
        };
        rows.extend(timeline.spans().into_iter().map(named));
    }
    print!("{}", workshop::timeline::render(&rows, 60));
    Ok(())
}

fn section(title: &str) {
    println!("\n── {title}\n");
}

/// One `GET /count?delay=…` per delay, as plain futures borrowing the client and the URL:
/// `FuturesUnordered` polls them inside this task.
async fn unordered(
    client: &reqwest::Client,
    base_url: &str,
    unit: Duration,
    slow_body: Duration,
) -> Result<Timeline, BoxError> {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let jobs = DELAYS.iter().map(|&d| {
        let get = get_count(client, base_url, (unit * d).as_secs_f64());
        (format!("delay {d}"), get)
    });
    let bar = progress_bar(DELAYS.len());
    let finished = as_completed(watch, &timeline, jobs, &bar, slow_body).await;
    report(&finished)?;
    Ok(timeline)
}

/// The same requests as spawned tasks. They must own what they use: a clone of the client (a
/// handle to the same pool) and of the URL.
async fn spawned(
    client: &reqwest::Client,
    base_url: &str,
    unit: Duration,
    slow_body: Duration,
) -> Result<Timeline, BoxError> {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let jobs = DELAYS.iter().map(|&d| {
        let (client, url) = (client.clone(), base_url.to_owned());
        let get = async move { get_count(&client, &url, (unit * d).as_secs_f64()).await };
        (format!("delay {d}"), get)
    });
    let bar = progress_bar(DELAYS.len());
    let finished = join_next(watch, &timeline, jobs, &bar, slow_body).await;
    report(&finished)?;
    Ok(timeline)
}

/// A bar on stderr, like tqdm; hidden when stderr is not a terminal.
fn progress_bar(len: usize) -> ProgressBar {
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} done  {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(len as u64).with_style(style)
}

/// Wraps a job so that it hands back its input position, its label and when it was ready.
async fn labelled<F>(index: usize, label: String, job: F) -> Done
where
    F: Future<Output = Result<u64, CountError>>,
{
    let result = job.await;
    (index, label, result, Instant::now())
}

/// Counts one completion: the bar advances, the trace line is printed above it (`suspend` hides the
/// bar while printing, and still prints when the bar is hidden), and the timeline gets a span from
/// the start until the job was ready.
fn complete(
    watch: Stopwatch,
    timeline: &Timeline,
    bar: &ProgressBar,
    (index, label, result, ready): Done,
) -> Finished {
    bar.inc(1);
    bar.set_message(format!("last: {label}"));
    timeline.record(&label, watch.origin(), ready);
    let done = Finished {
        index,
        label,
        result,
        ready: ready.saturating_duration_since(watch.origin()),
        at: watch.elapsed(),
        progress: bar.position(),
    };
    let outcome = match &done.result {
        Ok(count) => format!("count {count:>2}"),
        Err(e) => format!("failed: {e}"),
    };
    // Read the length first: the closure runs while the bar is locked.
    let total = bar.length().unwrap_or_default();
    bar.suspend(|| {
        println!(
            "[{:5.2}s] {} (input #{}) → {outcome}, ready at {:.2}s   [{}/{total} done]",
            done.at.as_secs_f64(),
            done.label,
            done.index,
            done.ready.as_secs_f64(),
            done.progress,
        );
    });
    done
}

/// Slow work in the loop body, for each result (none when `slow_body` is zero).
async fn work_on_it(slow_body: Duration) {
    if !slow_body.is_zero() {
        tokio::time::sleep(slow_body).await;
    }
}

/// Ends the bar where the loop stopped: `finish_with_message` would jump it to its length (5/5),
/// `abandon_with_message` leaves the position as it is (2/5 after a `break` at two).
fn close(bar: &ProgressBar) {
    let all = bar.length().is_some_and(|len| bar.position() >= len);
    bar.abandon_with_message(if all { "all done" } else { "stopped early" });
}

/// Python: `for fut in asyncio.as_completed(jobs): await fut`. FuturesUnordered is a set of futures
/// that is also a stream: `next()` yields whichever finishes first. Its futures are not tasks: they
/// make progress only while this loop is waiting in `next()`, never while its body runs.
async fn as_completed<F>(
    watch: Stopwatch,
    timeline: &Timeline,
    jobs: impl IntoIterator<Item = (String, F)>,
    bar: &ProgressBar,
    slow_body: Duration,
) -> Vec<Finished>
where
    F: Future<Output = Result<u64, CountError>>,
{
    let mut pending: FuturesUnordered<_> = jobs
        .into_iter()
        .enumerate()
        .map(|(index, (label, job))| labelled(index, label, job))
        .collect();
    let mut finished = Vec::with_capacity(pending.len());
    while let Some(done) = pending.next().await {
        finished.push(complete(watch, timeline, bar, done));
        work_on_it(slow_body).await;
    }
    close(bar);
    finished
}

/// The same with spawned tasks: they run on their own (on any worker thread), also while the loop
/// body runs, and `join_next` returns whichever task finishes first. A task that panicked comes
/// back as an error, and is counted too.
async fn join_next<F>(
    watch: Stopwatch,
    timeline: &Timeline,
    jobs: impl IntoIterator<Item = (String, F)>,
    bar: &ProgressBar,
    slow_body: Duration,
) -> Vec<Finished>
where
    F: Future<Output = Result<u64, CountError>> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    for (index, (label, job)) in jobs.into_iter().enumerate() {
        tasks.spawn(labelled(index, label, job));
    }
    let mut finished = Vec::with_capacity(tasks.len());
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(done) => finished.push(complete(watch, timeline, bar, done)),
            Err(e) => {
                bar.inc(1);
                bar.suspend(|| watch.say(format!("a task failed: {e}")));
            }
        }
        work_on_it(slow_body).await;
    }
    close(bar);
    finished
}

/// Prints the order of completion. The first failure, if any, ends the lesson with an error.
fn report(finished: &[Finished]) -> Result<(), BoxError> {
    let order: Vec<&str> = finished.iter().map(|f| f.label.as_str()).collect();
    println!("\ncompletion order: {order:?}");
    match finished.iter().find_map(|f| f.result.as_ref().err()) {
        Some(e) => Err(e.to_string().into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use count_server::{InProcess, start_in_background};
    use workshop::testing::within;

    const UNIT: Duration = Duration::from_secs(1);

    type Job = (
        String,
        futures::future::BoxFuture<'static, Result<u64, CountError>>,
    );

    /// Jobs that sleep their delay and answer it: the ordering claims on the paused clock. Each
    /// timer starts when the job is made, like a request already on its way: what a job shows is
    /// when its future saw the answer.
    fn sleepers(delays: &[u32]) -> Vec<Job> {
        let sleep = |d: u32| {
            let timer = tokio::time::sleep(UNIT * d);
            async move {
                timer.await;
                Ok(u64::from(d))
            }
        };
        delays
            .iter()
            .map(|&d| (format!("delay {d}"), Box::pin(sleep(d)) as _))
            .collect()
    }

    /// `GET /count?delay=…` answered by the count server's own router, in-process: no socket, so
    /// the server's delays run on the paused clock. A fresh counter: count n = answered n-th.
    fn in_process(delays: &[u32]) -> Vec<Job> {
        let server = InProcess::new();
        let count = |server: InProcess, d: u32| async move {
            server.get_count((UNIT * d).as_secs_f64()).await
        };
        delays
            .iter()
            .map(|&d| {
                (
                    format!("delay {d}"),
                    Box::pin(count(server.clone(), d)) as _,
                )
            })
            .collect()
    }

    fn values(finished: &[Finished]) -> Vec<u64> {
        finished
            .iter()
            .map(|f| *f.result.as_ref().expect("a value"))
            .collect()
    }

    /// Both loops over fresh jobs: `[FuturesUnordered's results, JoinSet's results]`.
    async fn both(jobs: impl Fn() -> Vec<Job>, slow_body: Duration) -> [Vec<Finished>; 2] {
        let (timeline, bar) = (Timeline::new(), hidden_bar());
        let plain = as_completed(Stopwatch::start(), &timeline, jobs(), &bar, slow_body).await;
        let bar = hidden_bar();
        let tasks = join_next(Stopwatch::start(), &timeline, jobs(), &bar, slow_body).await;
        [plain, tasks]
    }

    fn hidden_bar() -> ProgressBar {
        ProgressBar::with_draw_target(Some(5), indicatif::ProgressDrawTarget::hidden())
    }

    fn units(times: &[f64]) -> Vec<Duration> {
        times.iter().map(|&t| UNIT.mul_f64(t)).collect()
    }

    fn check_follows_the_delays(finished: &[Finished], bar: &ProgressBar, timeline: &Timeline) {
        assert_eq!(values(finished), vec![0, 1, 2, 3, 4]);
        let indices: Vec<usize> = finished.iter().map(|f| f.index).collect();
        assert_eq!(indices, vec![1, 3, 4, 0, 2]); // where delays 0, 1, 2, 3, 4 sit in DELAYS
        let at: Vec<Duration> = finished.iter().map(|f| f.at).collect();
        assert_eq!(at, units(&[0.0, 1.0, 2.0, 3.0, 4.0]));
        let ready: Vec<Duration> = finished.iter().map(|f| f.ready).collect();
        assert_eq!(
            ready, at,
            "a quick loop body gets each result when it is ready"
        );
        let progress: Vec<u64> = finished.iter().map(|f| f.progress).collect();
        assert_eq!(progress, vec![1, 2, 3, 4, 5]);
        assert!(bar.is_finished());
        let ends: Vec<(String, Duration)> = timeline
            .spans()
            .into_iter()
            .map(|s| (s.name, s.end))
            .collect();
        let expected: Vec<(String, Duration)> =
            (0..5).map(|d| (format!("delay {d}"), UNIT * d)).collect();
        assert_eq!(ends, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn futures_unordered_yields_in_order_of_delay() {
        within(Duration::from_secs(60), "as_completed", async {
            let (watch, bar) = (Stopwatch::start(), hidden_bar());
            let timeline = Timeline::starting_at(watch.origin());
            let jobs = sleepers(&DELAYS);
            let finished = as_completed(watch, &timeline, jobs, &bar, Duration::ZERO).await;
            check_follows_the_delays(&finished, &bar, &timeline);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn join_set_yields_in_order_of_delay() {
        within(Duration::from_secs(60), "join_next", async {
            let (watch, bar) = (Stopwatch::start(), hidden_bar());
            let timeline = Timeline::starting_at(watch.origin());
            let jobs = sleepers(&DELAYS);
            let finished = join_next(watch, &timeline, jobs, &bar, Duration::ZERO).await;
            check_follows_the_delays(&finished, &bar, &timeline);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_loop_body_holds_up_futures_unordered_but_not_join_set() {
        within(Duration::from_secs(60), "slow loop body", async {
            let [plain, tasks] = both(|| sleepers(&DELAYS), UNIT * 3 / 2).await;
            // The loop gets a result every 1.5 s either way…
            let collected = units(&[0.0, 1.5, 3.0, 4.5, 6.0]);
            for finished in [&plain, &tasks] {
                assert_eq!(values(finished), vec![0, 1, 2, 3, 4]);
                let at: Vec<Duration> = finished.iter().map(|f| f.at).collect();
                assert_eq!(at, collected);
            }
            // …but the plain futures were not even polled meanwhile: each became ready only when
            // the loop came back to `next()`. The tasks were ready on time, 1 s apart.
            let ready = |f: &[Finished]| f.iter().map(|f| f.ready).collect::<Vec<_>>();
            assert_eq!(ready(&plain), collected);
            assert_eq!(ready(&tasks), units(&[0.0, 1.0, 2.0, 3.0, 4.0]));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_count_server_counts_in_the_order_it_answers() {
        within(Duration::from_secs(60), "in-process count server", async {
            for finished in both(|| in_process(&DELAYS), Duration::ZERO).await {
                assert_eq!(values(&finished), vec![1, 2, 3, 4, 5]);
                let indices: Vec<usize> = finished.iter().map(|f| f.index).collect();
                assert_eq!(indices, vec![1, 3, 4, 0, 2]);
            }
        })
        .await;
    }

    #[test]
    fn stopping_early_leaves_the_bar_where_it_stopped() {
        let bar = hidden_bar();
        bar.inc(2);
        close(&bar);
        assert!(bar.is_finished());
        assert_eq!(bar.position(), 2, "not jumped to 5/5");
        let bar = hidden_bar();
        bar.inc(5);
        close(&bar);
        assert_eq!((bar.is_finished(), bar.position()), (true, 5));
    }

    // Real HTTP in real time: only what holds whatever the timing (every request answered and
    // counted once); the order is proven above on the paused clock.
    fn http_jobs(url: &str, delays: &[u32]) -> Vec<Job> {
        let client = reqwest::Client::builder().build().expect("a client");
        delays
            .iter()
            .map(|&d| {
                let (client, url) = (client.clone(), url.to_owned());
                let secs = (Duration::from_millis(20) * d).as_secs_f64();
                let job = async move { get_count(&client, &url, secs).await };
                (format!("delay {d}"), Box::pin(job) as _)
            })
            .collect()
    }

    #[tokio::test]
    async fn http_requests_are_each_answered_and_counted_once() {
        within(Duration::from_secs(20), "http as_completed", async {
            let url = format!("http://{}", start_in_background().expect("a count server"));
            let [plain, tasks] = both(|| http_jobs(&url, &DELAYS), Duration::ZERO).await;
            let mut counts = [values(&plain), values(&tasks)].concat();
            counts.sort_unstable();
            assert_eq!(counts, (1..=10).collect::<Vec<u64>>());
            for finished in [plain, tasks] {
                let mut indices: Vec<usize> = finished.iter().map(|f| f.index).collect();
                indices.sort_unstable();
                assert_eq!(indices, [0, 1, 2, 3, 4]);
                let progress: Vec<u64> = finished.iter().map(|f| f.progress).collect();
                assert_eq!(progress, [1, 2, 3, 4, 5]);
            }
        })
        .await;
    }

    #[tokio::test]
    async fn a_server_that_is_down_is_reported_for_every_request() {
        within(Duration::from_secs(20), "server down", async {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            let url = format!("http://{}", listener.local_addr().expect("addr"));
            drop(listener);
            let client = reqwest::Client::builder().build().expect("a client");
            let jobs = (0..3).map(|d| (format!("delay {d}"), get_count(&client, &url, 0.0)));
            let bar = ProgressBar::hidden();
            let finished = as_completed(
                Stopwatch::start(),
                &Timeline::new(),
                jobs,
                &bar,
                Duration::ZERO,
            )
            .await;
            assert_eq!(finished.len(), 3);
            assert!(
                finished
                    .iter()
                    .all(|f| matches!(f.result, Err(CountError::Unreachable { .. }))),
                "{finished:?}"
            );
            assert_eq!(bar.position(), 3);
            assert!(report(&finished).is_err());
        })
        .await;
    }
}
