//! Part 13: completion order (Python: `asyncio.as_completed`).
//!
//! Five `GET /count?delay=…` requests with shuffled delays. `FuturesUnordered` yields each result
//! as soon as it is ready, not in input order, and a progress bar (indicatif, Python's tqdm)
//! advances with every completion. Then the same with spawned tasks and `JoinSet::join_next`.
//!
//! ```sh
//! make part_13        # or: cargo run -p part_13
//! ```

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinSet;
use tokio::time::Instant;
use workshop::count_server::{CountError, get_count};
use workshop::lesson::BoxError;
use workshop::{Stopwatch, Timeline};

/// Shuffled on purpose, so that the order of completion differs from the order of input.
const DELAYS: [u32; 5] = [3, 0, 4, 1, 2];

/// One job's outcome, in the order the jobs finished.
#[derive(Debug)]
struct Finished {
    /// Its position in the input.
    index: usize,
    label: String,
    result: Result<u64, CountError>,
    /// When it finished, since the start.
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
    let base_url = workshop::count_server_url().await?;
    let client = reqwest::Client::builder().build()?;
    println!("input order: delays {DELAYS:?} (seconds)");

    section("1. FuturesUnordered: each result as it finishes (Python: asyncio.as_completed)");
    let watch = Stopwatch::start();
    let unordered = Timeline::starting_at(watch.origin());
    // Plain futures borrowing the client and the URL: FuturesUnordered polls them in this task.
    let jobs = DELAYS.iter().map(|&d| {
        let get = get_count(&client, &base_url, (unit * d).as_secs_f64());
        (format!("delay {d}"), get)
    });
    let bar = progress_bar(DELAYS.len());
    let finished = as_completed(watch, &unordered, jobs, &bar).await;
    report(&finished)?;

    section("2. JoinSet::join_next: spawned tasks, results as they finish");
    let watch = Stopwatch::start();
    let joined = Timeline::starting_at(watch.origin());
    // Spawned tasks must own what they use: a clone of the client (a handle to the same pool).
    let jobs = DELAYS.iter().map(|&d| {
        let (client, url) = (client.clone(), base_url.clone());
        let get = async move { get_count(&client, &url, (unit * d).as_secs_f64()).await };
        (format!("delay {d}"), get)
    });
    let bar = progress_bar(DELAYS.len());
    let finished = join_next(watch, &joined, jobs, &bar).await;
    report(&finished)?;

    section("When each result arrived: from the start until the loop got it");
    println!("FuturesUnordered\n");
    print!("{}", unordered.render(40));
    println!("\nJoinSet\n");
    print!("{}", joined.render(40));
    Ok(())
}

fn section(title: &str) {
    println!("\n── {title}\n");
}

/// A bar on stderr, like tqdm; hidden when stderr is not a terminal.
fn progress_bar(len: usize) -> ProgressBar {
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} done  {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(len as u64).with_style(style)
}

/// Counts one completion: the bar advances, the trace line is printed above it (`suspend` hides the
/// bar while printing, and still prints when the bar is hidden), and the timeline gets a span from
/// the start until the result arrived.
fn complete(
    watch: Stopwatch,
    timeline: &Timeline,
    bar: &ProgressBar,
    (index, label, result): (usize, String, Result<u64, CountError>),
) -> Finished {
    bar.inc(1);
    bar.set_message(format!("last: {label}"));
    timeline.record(&label, watch.origin(), Instant::now());
    let done = Finished {
        index,
        label,
        result,
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
            "[{:5.2}s] {} (input #{}) → {outcome}   [{}/{total} done]",
            done.at.as_secs_f64(),
            done.label,
            done.index,
            done.progress,
        );
    });
    done
}

/// Python: `for fut in asyncio.as_completed(jobs): await fut`. FuturesUnordered is a set of futures
/// that is also a stream: `next()` yields whichever finishes first. Its futures are not tasks: they
/// make progress only while this loop is waiting in `next()`.
async fn as_completed<F>(
    watch: Stopwatch,
    timeline: &Timeline,
    jobs: impl IntoIterator<Item = (String, F)>,
    bar: &ProgressBar,
) -> Vec<Finished>
where
    F: Future<Output = Result<u64, CountError>>,
{
    let mut pending: FuturesUnordered<_> = jobs
        .into_iter()
        .enumerate()
        .map(|(index, (label, job))| async move { (index, label, job.await) })
        .collect();
    let mut finished = Vec::with_capacity(pending.len());
    while let Some(done) = pending.next().await {
        finished.push(complete(watch, timeline, bar, done));
    }
    bar.finish_with_message("all done");
    finished
}

/// The same with spawned tasks: they run on their own (on any worker thread), and `join_next`
/// returns whichever task finishes first. A task that panicked comes back as an error, and is
/// counted too.
async fn join_next<F>(
    watch: Stopwatch,
    timeline: &Timeline,
    jobs: impl IntoIterator<Item = (String, F)>,
    bar: &ProgressBar,
) -> Vec<Finished>
where
    F: Future<Output = Result<u64, CountError>> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    for (index, (label, job)) in jobs.into_iter().enumerate() {
        tasks.spawn(async move { (index, label, job.await) });
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
    }
    bar.finish_with_message("all done");
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
    use workshop::count_server::start_in_background;
    use workshop::testing::within;

    const UNIT: Duration = Duration::from_secs(1);

    /// Jobs that sleep their delay and answer it: the ordering claim on the paused clock.
    fn sleepers(
        delays: &[u32],
    ) -> Vec<(
        String,
        impl Future<Output = Result<u64, CountError>> + Send + 'static,
    )> {
        delays
            .iter()
            .map(|&d| {
                let job = async move {
                    tokio::time::sleep(UNIT * d).await;
                    Ok(u64::from(d))
                };
                (format!("delay {d}"), job)
            })
            .collect()
    }

    fn values(finished: &[Finished]) -> Vec<u64> {
        finished
            .iter()
            .map(|f| *f.result.as_ref().expect("a value"))
            .collect()
    }

    fn check_follows_the_delays(finished: &[Finished], bar: &ProgressBar, timeline: &Timeline) {
        assert_eq!(values(finished), vec![0, 1, 2, 3, 4]);
        let indices: Vec<usize> = finished.iter().map(|f| f.index).collect();
        assert_eq!(indices, vec![1, 3, 4, 0, 2]); // where delays 0, 1, 2, 3, 4 sit in DELAYS
        let at: Vec<Duration> = finished.iter().map(|f| f.at).collect();
        assert_eq!(at, (0..5).map(|d| UNIT * d).collect::<Vec<_>>());
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
            let (watch, bar) = (Stopwatch::start(), ProgressBar::hidden());
            let timeline = Timeline::starting_at(watch.origin());
            let finished = as_completed(watch, &timeline, sleepers(&DELAYS), &bar).await;
            check_follows_the_delays(&finished, &bar, &timeline);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn join_set_yields_in_order_of_delay() {
        within(Duration::from_secs(60), "join_next", async {
            let (watch, bar) = (Stopwatch::start(), ProgressBar::hidden());
            let timeline = Timeline::starting_at(watch.origin());
            let finished = join_next(watch, &timeline, sleepers(&DELAYS), &bar).await;
            check_follows_the_delays(&finished, &bar, &timeline);
        })
        .await;
    }

    // Real HTTP: a fresh server counts from 0, so each count is the rank in which it answered.
    fn http_jobs(
        delays: &[u32],
        unit: Duration,
    ) -> Vec<(
        String,
        impl Future<Output = Result<u64, CountError>> + Send + 'static,
    )> {
        let url = format!("http://{}", start_in_background().expect("a count server"));
        let client = reqwest::Client::builder().build().expect("a client");
        delays
            .iter()
            .map(|&d| {
                let (client, url) = (client.clone(), url.clone());
                let job = async move { get_count(&client, &url, (unit * d).as_secs_f64()).await };
                (format!("delay {d}"), job)
            })
            .collect()
    }

    #[tokio::test]
    async fn http_counts_arrive_in_completion_order() {
        within(Duration::from_secs(20), "http as_completed", async {
            let unit = Duration::from_millis(60);
            let bar = ProgressBar::hidden();
            let finished = as_completed(
                Stopwatch::start(),
                &Timeline::new(),
                http_jobs(&[3, 0, 2, 1], unit),
                &bar,
            )
            .await;
            assert_eq!(values(&finished), vec![1, 2, 3, 4]);
            let labels: Vec<&str> = finished.iter().map(|f| f.label.as_str()).collect();
            assert_eq!(labels, ["delay 0", "delay 1", "delay 2", "delay 3"]);

            let bar = ProgressBar::hidden();
            let finished = join_next(
                Stopwatch::start(),
                &Timeline::new(),
                http_jobs(&[3, 0, 2, 1], unit),
                &bar,
            )
            .await;
            assert_eq!(values(&finished), vec![1, 2, 3, 4]);
            let indices: Vec<usize> = finished.iter().map(|f| f.index).collect();
            assert_eq!(indices, vec![1, 3, 2, 0]);
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
            let finished = as_completed(Stopwatch::start(), &Timeline::new(), jobs, &bar).await;
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
