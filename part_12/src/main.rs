//! Part 12: `join_all` with HTTP, and a limit (Python: `gather`, `asyncio.Semaphore`).
//!
//! Five `GET /count?delay=…` with shuffled delays, awaited together over one `reqwest::Client`;
//! the same with reqwest's blocking client inside the async fn (deliberately wrong, and named by
//! the blocking detector), then on `spawn_blocking` threads; last, six requests at most two at a
//! time, with a `Semaphore` and with `buffer_unordered(2)`.
//!
//! ```sh
//! make part_12        # or: cargo run -p part_12
//! ```

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use count_server::{CountError, get_count, get_count_blocking};
use futures::future::try_join_all;
use futures::{StreamExt, TryStreamExt, stream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use workshop::blocking::PYTHON_DEFAULT_LIMIT;
use workshop::lesson::BoxError;
use workshop::timeline::Span;
use workshop::{BlockingDetector, Stopwatch, Timeline};

/// Shuffled on purpose: in input order, the counts would look sequential whatever happened.
const DELAYS: [u32; 5] = [3, 0, 4, 1, 2];
/// Six requests of one unit each, at most `LIMIT` at a time.
const LIMITED: [u32; 6] = [1; 6];
const LIMIT: usize = 2;

/// What a gather observed: the counts, the time it took and which request ran when.
#[derive(Debug)]
struct Gathered {
    counts: Vec<u64>,
    elapsed: Duration,
    timeline: Timeline,
}

#[tokio::main]
async fn main() -> ExitCode {
    workshop::banner!();
    workshop::lesson::exit_code(run(Duration::from_secs(1)).await)
}

async fn run(unit: Duration) -> Result<(), BoxError> {
    let base_url = count_server::count_server_url().await?;
    // One client for every request, like one aiohttp.ClientSession: it keeps a connection pool, and
    // a clone is a cheap handle to the same pool.
    let client = reqwest::Client::builder().build()?;
    let fetch = |secs| get_count(&client, &base_url, secs);
    // asyncio's debug mode: any poll that holds the runtime thread over 100 ms is reported.
    let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT);

    section("1. join_all over the async client (Python: gather over aiohttp)");
    let gathered = gather_counts(fetch, &DELAYS, unit);
    let concurrent = detector.watch("gather, async client", gathered).await?;
    show(
        &concurrent,
        "ranked by when answered, listed in input order",
    );

    section("2. DELIBERATELY WRONG: reqwest's blocking client inside the async fn");
    let gathered = gather_blocking_gets(&base_url, &DELAYS, unit);
    let blocking = detector.watch("gather, blocking client", gathered).await?;
    show(&blocking, "one by one, in input order");

    section("3. The blocking client the right way: one spawn_blocking per request");
    let gathered = gather_counts_spawn_blocking(&base_url, &DELAYS, unit);
    let offloaded = detector.watch("gather, spawn_blocking", gathered).await?;
    show(&offloaded, "side by side, and the runtime thread was free");

    section("4. At most 2 at a time: a Semaphore (Python: async with asyncio.Semaphore(2))");
    let gathered = gather_with_semaphore(fetch, &LIMITED, LIMIT, unit);
    let limited = detector.watch("semaphore", gathered).await?;
    show(&limited, "in input order");

    section("5. At most 2 at a time: buffer_unordered(2) over a stream of requests");
    let gathered = buffer_unordered(fetch, &LIMITED, LIMIT, unit);
    let limited = detector.watch("buffer_unordered", gathered).await?;
    show(&limited, "in the order answered");

    println!(
        "speedup of the async client over the blocking one: {:.2}×; blocking-detector reports: {}",
        blocking.elapsed.as_secs_f64() / concurrent.elapsed.as_secs_f64(),
        detector.reports().len()
    );
    Ok(())
}

fn section(title: &str) {
    println!("\n── {title}\n");
}

/// Prints a gather's counts, how many requests were in flight at once, and its chart.
fn show(gathered: &Gathered, order: &str) {
    println!(
        "\n{:.2} s → counts {:?} ({order}); at most {} in flight at once\n",
        gathered.elapsed.as_secs_f64(),
        gathered.counts,
        most_at_once(&gathered.timeline.spans()),
    );
    print!("{}", gathered.timeline.render(40));
}

/// The most requests in flight at one instant: at each span's start, the spans open then.
fn most_at_once(spans: &[Span]) -> usize {
    let open_at = |t: Duration| spans.iter().filter(|o| o.start <= t && t < o.end).count();
    // A span that started and ended in the same instant is open at its own start too.
    let at_start = |s: &Span| open_at(s.start) + usize::from(s.start == s.end);
    spans.iter().map(at_start).max().unwrap_or(0)
}

fn delay_secs(i: u32, unit: Duration) -> f64 {
    (unit * i).as_secs_f64()
}

fn finish(watch: Stopwatch, timeline: Timeline, counts: Vec<u64>) -> Gathered {
    let elapsed = watch.elapsed();
    watch.say(format!("all answered: {counts:?}"));
    Gathered {
        counts,
        elapsed,
        timeline,
    }
}

// ── 1. the async client ─────────────────────────────────────────────────────────────────────────

/// `fetch` (one `GET /count?delay=…`) for each delay (in `unit`s), all at once: `try_join_all`
/// returns the counts in input order, or the first error.
async fn gather_counts<F, Fut>(
    fetch: F,
    delays: &[u32],
    unit: Duration,
) -> Result<Gathered, CountError>
where
    F: Fn(f64) -> Fut,
    Fut: Future<Output = Result<u64, CountError>>,
{
    let (watch, fetch) = (Stopwatch::start(), &fetch);
    let timeline = Timeline::starting_at(watch.origin());
    let requests = delays.iter().map(|&i| {
        let timeline = &timeline;
        async move {
            let count = timeline
                .track(format!("delay {i}"), fetch(delay_secs(i, unit)))
                .await?;
            watch.say(format!("delay {i} → count {count}"));
            Ok::<_, CountError>(count)
        }
    });
    let counts = try_join_all(requests).await?;
    Ok(finish(watch, timeline, counts))
}

// ── 2. a blocking call inside async code ────────────────────────────────────────────────────────

/// The same `try_join_all`, but each async fn makes a blocking call: DELIBERATELY WRONG. Each
/// future blocks the thread during its first poll, so the requests go out one by one, inside one
/// poll of this task. (On the multi-thread runtime too: these futures belong to one task.)
async fn gather_blocking_gets(
    base_url: &str,
    delays: &[u32],
    unit: Duration,
) -> Result<Gathered, BoxError> {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    // Built and dropped on a blocking-pool thread: building waits for the client's own background
    // thread to start, dropping joins it. Both are blocking waits, and not what this section shows.
    let client = tokio::task::spawn_blocking(|| reqwest::blocking::Client::builder().build());
    let client = client.await??;
    let requests = delays.iter().map(|&i| {
        let (timeline, client) = (&timeline, &client);
        async move {
            // DELIBERATELY WRONG: `send` parks this runtime thread until the answer comes. Nothing
            // else on the thread runs meanwhile, not even the other requests of this gather.
            let get = async { get_count_blocking(client, base_url, delay_secs(i, unit)) };
            let count = timeline.track(format!("delay {i}"), get).await?;
            watch.say(format!(
                "delay {i} → count {count} (the thread was stuck meanwhile)"
            ));
            Ok::<_, CountError>(count)
        }
    });
    let counts = try_join_all(requests).await;
    tokio::task::spawn_blocking(move || drop(client)).await?;
    Ok(finish(watch, timeline, counts?))
}

// ── 3. the blocking client, off the runtime ─────────────────────────────────────────────────────

/// reqwest's blocking client with `get_count_blocking`, each request on a thread of tokio's
/// blocking pool (Python: `loop.run_in_executor`). The runtime thread only awaits the handles.
async fn gather_counts_spawn_blocking(
    base_url: &str,
    delays: &[u32],
    unit: Duration,
) -> Result<Gathered, BoxError> {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let client =
        tokio::task::spawn_blocking(|| reqwest::blocking::Client::builder().build()).await??;
    let handles: Vec<_> = delays
        .iter()
        .map(|&i| {
            // A blocking task owns what it uses ('static), like a spawned one: hence the clones.
            let (client, base_url, timeline) =
                (client.clone(), base_url.to_owned(), timeline.clone());
            tokio::task::spawn_blocking(move || {
                let start = Instant::now();
                let count = get_count_blocking(&client, &base_url, delay_secs(i, unit));
                timeline.record(format!("delay {i}"), start, Instant::now());
                if let Ok(count) = &count {
                    watch.say(format!(
                        "delay {i} → count {count} (on a blocking-pool thread)"
                    ));
                }
                count
            })
        })
        .collect();
    // Dropping the last handle joins the client's background thread: a blocking wait as well.
    let dropped = tokio::task::spawn_blocking(move || drop(client));
    let mut counts = Vec::with_capacity(handles.len());
    for handle in handles {
        counts.push(handle.await??); // in input order
    }
    dropped.await?;
    Ok(finish(watch, timeline, counts))
}

// ── 4. limiting concurrency ─────────────────────────────────────────────────────────────────────

/// Python: `async with sem:` around each request, all of them gathered. Every future starts at
/// once and waits for a permit; tokio's `Semaphore` is fair, so permits go in the order asked.
async fn gather_with_semaphore<F, Fut>(
    fetch: F,
    delays: &[u32],
    limit: usize,
    unit: Duration,
) -> Result<Gathered, CountError>
where
    F: Fn(f64) -> Fut,
    Fut: Future<Output = Result<u64, CountError>>,
{
    let (watch, fetch, semaphore) = (Stopwatch::start(), &fetch, &Semaphore::new(limit));
    let timeline = Timeline::starting_at(watch.origin());
    let requests = delays.iter().enumerate().map(|(n, &i)| {
        let timeline = &timeline;
        async move {
            // `_permit`, not `_`: `let _ = …` drops the permit at once, and limits nothing. The
            // permit goes back when it is dropped, at the end of this block (Python: `async with`).
            let _permit = semaphore
                .acquire()
                .await
                .expect("this semaphore is never closed");
            let count = timeline
                .track(format!("request {n}"), fetch(delay_secs(i, unit)))
                .await?;
            watch.say(format!("request {n} → count {count}"));
            Ok::<_, CountError>(count)
        }
    });
    let counts = try_join_all(requests).await?;
    Ok(finish(watch, timeline, counts))
}

/// The same limit as a stream: `buffer_unordered(limit)` creates the next request only when one of
/// the `limit` in flight has finished, and yields the counts as they come, not in input order.
async fn buffer_unordered<F, Fut>(
    fetch: F,
    delays: &[u32],
    limit: usize,
    unit: Duration,
) -> Result<Gathered, CountError>
where
    F: Fn(f64) -> Fut,
    Fut: Future<Output = Result<u64, CountError>>,
{
    let (watch, fetch) = (Stopwatch::start(), &fetch);
    let timeline = Timeline::starting_at(watch.origin());
    let counts = stream::iter(delays.iter().enumerate())
        .map(|(n, &i)| {
            let timeline = &timeline;
            async move {
                let count = timeline
                    .track(format!("request {n}"), fetch(delay_secs(i, unit)))
                    .await?;
                watch.say(format!("request {n} → count {count}"));
                Ok::<_, CountError>(count)
            }
        })
        .buffer_unordered(limit)
        .try_collect()
        .await?;
    Ok(finish(watch, timeline, counts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use count_server::{InProcess, start_in_background};
    use workshop::testing::within;

    // Paused clock: the count server's router is called in-process, so the server's delays run on
    // the test's clock and the schedule is exact. Real HTTP (a server thread of its own, real time):
    // only what the structure guarantees (counts, overlap, the detector), never a timing race.
    const UNIT: Duration = Duration::from_secs(1);
    const HTTP_UNIT: Duration = Duration::from_millis(100);
    /// Above any poll of correct code, even on a loaded machine; below the blocking section's
    /// one poll, which takes at least the sum of its delays (10 × 100 ms).
    const HTTP_LIMIT: Duration = Duration::from_millis(400);

    /// `GET /count?delay=…` answered by the count server's own router, in this task.
    fn in_process() -> impl Fn(f64) -> futures::future::BoxFuture<'static, Result<u64, CountError>>
    {
        let server = InProcess::new();
        move |secs| {
            let server = server.clone();
            Box::pin(async move { server.get_count(secs).await })
        }
    }

    fn server() -> String {
        format!(
            "http://{}",
            start_in_background().expect("start a count server")
        )
    }

    /// A URL where nothing listens: a port that was free a moment ago.
    fn nobody_home() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        format!("http://{addr}")
    }

    fn client() -> reqwest::Client {
        reqwest::Client::builder().build().expect("client")
    }

    fn sorted(mut counts: Vec<u64>) -> Vec<u64> {
        counts.sort_unstable();
        counts
    }

    #[tokio::test(start_paused = true)]
    async fn join_all_answers_in_delay_order_and_lists_in_input_order() {
        within(Duration::from_secs(60), "async gather", async {
            let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
            let gathered = gather_counts(in_process(), &DELAYS, UNIT);
            let gathered = detector.watch("gather", gathered).await.expect("counts");
            // Delays [3, 0, 4, 1, 2]: delay 0 was answered first (count 1), delay 4 last (count 5),
            // yet each count sits at its request's place in the input.
            assert_eq!(gathered.counts, vec![4, 1, 5, 2, 3]);
            assert_eq!(
                gathered.elapsed,
                UNIT * 4,
                "the longest delay, not their sum"
            );
            assert_eq!(most_at_once(&gathered.timeline.spans()), 5);
            assert_eq!(
                detector.reports(),
                [],
                "awaiting I/O never holds the thread"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn join_all_over_http_has_every_request_in_flight_at_once() {
        within(Duration::from_secs(20), "async gather over HTTP", async {
            let (url, client) = (server(), client());
            let detector = BlockingDetector::new(HTTP_LIMIT).quiet();
            let fetch = |secs| get_count(&client, &url, secs);
            let gathered = gather_counts(fetch, &DELAYS, HTTP_UNIT);
            let gathered = detector.watch("gather", gathered).await.expect("counts");
            assert_eq!(sorted(gathered.counts), [1, 2, 3, 4, 5]);
            // All five start in the first poll, before any answer can be read.
            assert_eq!(most_at_once(&gathered.timeline.spans()), 5);
            assert_eq!(detector.reports(), []);
        })
        .await;
    }

    #[tokio::test]
    async fn a_blocking_client_inside_async_code_runs_one_by_one_and_is_reported() {
        within(Duration::from_secs(20), "blocking gather", async {
            let detector = BlockingDetector::new(HTTP_LIMIT).quiet();
            let url = server();
            let gathered = gather_blocking_gets(&url, &DELAYS, HTTP_UNIT);
            let gathered = detector.watch("blocking", gathered).await.expect("counts");
            // One by one, in input order: each answer came before the next request was sent.
            assert_eq!(gathered.counts, vec![1, 2, 3, 4, 5]);
            assert_eq!(most_at_once(&gathered.timeline.spans()), 1);
            // All five inside one poll: the server kept each request at least its delay.
            let reports = detector.reports();
            assert_eq!(reports.len(), 1, "{reports:?}");
            assert_eq!(reports[0].task, "blocking");
            assert!(reports[0].took >= HTTP_UNIT * 10, "{reports:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn the_blocking_client_on_spawn_blocking_threads_leaves_the_runtime_free() {
        within(Duration::from_secs(20), "spawn_blocking gather", async {
            let detector = BlockingDetector::new(HTTP_LIMIT).quiet();
            let url = server();
            let gathered = gather_counts_spawn_blocking(&url, &DELAYS, HTTP_UNIT);
            let gathered = detector.watch("offloaded", gathered).await.expect("counts");
            assert_eq!(sorted(gathered.counts), [1, 2, 3, 4, 5]);
            assert_eq!(gathered.timeline.spans().len(), 5);
            assert_eq!(detector.reports(), []);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_semaphore_keeps_at_most_n_requests_in_flight() {
        within(Duration::from_secs(60), "semaphore", async {
            for limit in 1..=3 {
                let gathered = gather_with_semaphore(in_process(), &LIMITED, limit, UNIT).await;
                let gathered = gathered.expect("counts");
                assert_eq!(most_at_once(&gathered.timeline.spans()), limit);
                assert_eq!(gathered.elapsed, UNIT * (6 / limit) as u32, "limit {limit}");
                assert_eq!(sorted(gathered.counts), [1, 2, 3, 4, 5, 6]);
            }
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn buffer_unordered_keeps_at_most_n_requests_in_flight() {
        within(Duration::from_secs(60), "buffer_unordered", async {
            for limit in 1..=3 {
                let gathered = buffer_unordered(in_process(), &LIMITED, limit, UNIT).await;
                let gathered = gathered.expect("counts");
                assert_eq!(most_at_once(&gathered.timeline.spans()), limit);
                assert_eq!(gathered.elapsed, UNIT * (6 / limit) as u32, "limit {limit}");
                assert_eq!(sorted(gathered.counts), [1, 2, 3, 4, 5, 6]);
            }
            // Answers in completion order: the short request's count comes first.
            let gathered = buffer_unordered(in_process(), &[2, 0, 1], 3, UNIT).await;
            assert_eq!(gathered.expect("counts").counts, [1, 2, 3]);
        })
        .await;
    }

    #[test]
    fn most_at_once_counts_overlap_not_touching_ends() {
        let span = |start: u64, end: u64| Span {
            name: String::new(),
            start: Duration::from_secs(start),
            end: Duration::from_secs(end),
        };
        assert_eq!(most_at_once(&[span(0, 1), span(1, 2), span(1, 2)]), 2);
        assert_eq!(most_at_once(&[span(0, 2), span(1, 3), span(1, 1)]), 3);
        assert_eq!(most_at_once(&[]), 0);
    }

    #[tokio::test]
    async fn a_server_that_is_down_is_reported_not_unwrapped() {
        within(Duration::from_secs(20), "server down", async {
            let (url, client) = (nobody_home(), client());
            let fetch = |secs| get_count(&client, &url, secs);
            let err = gather_counts(fetch, &[0], UNIT).await.unwrap_err();
            assert!(matches!(err, CountError::Unreachable { .. }), "{err:?}");
            let err = gather_with_semaphore(fetch, &[0], 1, UNIT)
                .await
                .unwrap_err();
            assert!(matches!(err, CountError::Unreachable { .. }), "{err:?}");
            let err = buffer_unordered(fetch, &[0], 1, UNIT).await.unwrap_err();
            assert!(matches!(err, CountError::Unreachable { .. }), "{err:?}");
            for err in [
                gather_blocking_gets(&url, &[0], UNIT).await.unwrap_err(),
                gather_counts_spawn_blocking(&url, &[0], UNIT)
                    .await
                    .unwrap_err(),
            ] {
                let err = err.downcast_ref::<CountError>();
                assert!(
                    matches!(err, Some(CountError::Unreachable { .. })),
                    "{err:?}"
                );
            }
        })
        .await;
    }

    #[tokio::test]
    async fn an_error_status_is_reported_with_the_servers_message() {
        within(Duration::from_secs(20), "error status", async {
            // 100 s is over the server's 60 s limit: a 400 with a JSON message, at once.
            let (url, client, too_long) = (server(), client(), Duration::from_secs(100));
            let is_400 = |err: Option<&CountError>| {
                matches!(err, Some(CountError::Status { status: 400, message, .. })
                    if message.contains("at most"))
            };
            let fetch = |secs| get_count(&client, &url, secs);
            let err = gather_counts(fetch, &[1], too_long).await.unwrap_err();
            assert!(is_400(Some(&err)), "{err:?}");
            for err in [
                gather_blocking_gets(&url, &[1], too_long)
                    .await
                    .unwrap_err(),
                gather_counts_spawn_blocking(&url, &[1], too_long)
                    .await
                    .unwrap_err(),
            ] {
                assert!(is_400(err.downcast_ref()), "{err:?}");
            }
        })
        .await;
    }
}
