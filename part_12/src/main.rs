//! Part 12: `join_all` with HTTP (Python: `gather` over aiohttp, then over requests).
//!
//! Five `GET /count?delay=i` requests (i = 0..5 seconds) through one shared `reqwest::Client`,
//! awaited together: about 4 s, values in input order. Then the same five with a blocking HTTP
//! call inside the async fn (deliberately wrong): about 10 s, one by one, while the runtime thread
//! stalls. Then the blocking client used the right way, on `spawn_blocking` threads: about 4 s.
//!
//! The count server is found or started by `workshop::count_server_url()`: no second terminal.
//!
//! ```sh
//! make part_12        # or: cargo run -p part_12
//! ```

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use futures::future::try_join_all;
use tokio::time::Instant;
use workshop::count_server::{CountError, get_count, get_count_blocking};
use workshop::lesson::BoxError;
use workshop::{Stopwatch, Timeline};

const DELAYS: [u32; 5] = [0, 1, 2, 3, 4];

/// What a gather observed: the counts (in input order), the time it took and who ran when.
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
    let base_url = workshop::count_server_url().await?;
    // One client for every request, like one aiohttp.ClientSession: it keeps a connection pool, and
    // a clone is a cheap handle to the same pool.
    let client = reqwest::Client::builder().build()?;

    section("1. join_all over the async client (Python: gather over aiohttp)");
    let concurrent = gather_counts(&client, &base_url, &DELAYS, unit).await?;

    section(
        "2. DELIBERATELY WRONG: a blocking GET inside the async fn (Python: gather over requests)",
    );
    let blocking = gather_blocking_gets(&base_url, &DELAYS, unit).await?;

    section("3. The blocking client the right way: one spawn_blocking per request");
    let offloaded = gather_counts_spawn_blocking(&base_url, &DELAYS, unit).await?;

    section("Which request ran when");
    for (title, gathered) in [
        ("async client, join_all", &concurrent),
        ("blocking GET inside async code", &blocking),
        ("blocking client on spawn_blocking threads", &offloaded),
    ] {
        println!(
            "{title}: {:.2} s → {:?}\n",
            gathered.elapsed.as_secs_f64(),
            gathered.counts
        );
        // 10 columns a second for the short runs, 5 for the long one.
        let width = if gathered.elapsed < unit * 5 { 40 } else { 50 };
        print!("{}", gathered.timeline.render(width));
        println!();
    }
    println!(
        "speedup of the async client over the blocking GETs: {:.2}×",
        blocking.elapsed.as_secs_f64() / concurrent.elapsed.as_secs_f64()
    );
    Ok(())
}

fn section(title: &str) {
    println!("\n── {title}\n");
}

fn delay_secs(i: u32, unit: Duration) -> f64 {
    (unit * i).as_secs_f64()
}

// ── 1. the async client ─────────────────────────────────────────────────────────────────────────

/// `GET /count?delay=…` for each delay (in `unit`s), all at once: `try_join_all` returns the counts
/// in input order, or the first error.
async fn gather_counts(
    client: &reqwest::Client,
    base_url: &str,
    delays: &[u32],
    unit: Duration,
) -> Result<Gathered, CountError> {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let requests = delays.iter().map(|&i| {
        let timeline = &timeline;
        async move {
            let count = timeline
                .track(
                    format!("delay {i}"),
                    get_count(client, base_url, delay_secs(i, unit)),
                )
                .await?;
            watch.say(format!("delay {i} → count {count}"));
            Ok::<_, CountError>(count)
        }
    });
    let counts = try_join_all(requests).await?;
    let elapsed = watch.elapsed();
    watch.say(format!("all answered: {counts:?}"));
    Ok(Gathered {
        counts,
        elapsed,
        timeline,
    })
}

// ── 2. a blocking call inside async code ────────────────────────────────────────────────────────

/// A plain blocking `GET` over `std::net::TcpStream`: it knows nothing about tokio, so on a runtime
/// thread it just stalls that thread until the answer comes (Python's `requests.get` in an
/// `async def`). reqwest's blocking client would stall it the same way, except that a debug build
/// of reqwest checks where it runs and panics instead (see the README).
#[allow(clippy::disallowed_methods)] // deliberately blocking: the stall is what section 2 shows
fn get_count_std(base_url: &str, delay_secs: f64) -> Result<u64, CountError> {
    let url = format!(
        "{}/count?delay={delay_secs}",
        base_url.trim_end_matches('/')
    );
    let unreachable = |cause: String| CountError::Unreachable {
        url: url.clone(),
        cause,
    };
    let parsed = reqwest::Url::parse(&url).map_err(|e| unreachable(e.to_string()))?;
    let (Some(host), Some(port)) = (parsed.host_str(), parsed.port_or_known_default()) else {
        return Err(unreachable("no host in the URL".into()));
    };
    if parsed.scheme() != "http" {
        return Err(unreachable("this plain GET speaks http:// only".into()));
    }
    let mut stream =
        std::net::TcpStream::connect((host, port)).map_err(|e| unreachable(e.to_string()))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(90)))
        .map_err(|e| unreachable(e.to_string()))?;
    let request = format!(
        "GET {}?{} HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n",
        parsed.path(),
        parsed.query().unwrap_or("")
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| unreachable(e.to_string()))?;
    let mut reply = String::new();
    stream
        .read_to_string(&mut reply)
        .map_err(|e| unreachable(e.to_string()))?;

    let bad_body = |cause: &str| CountError::BadBody {
        url: url.clone(),
        cause: cause.into(),
    };
    let (head, body) = reply
        .split_once("\r\n\r\n")
        .ok_or_else(|| bad_body("not an HTTP response"))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad_body("no status code"))?;
    if !(200..300).contains(&status) {
        return Err(CountError::Status {
            url,
            status,
            message: body.trim().to_owned(),
        });
    }
    body.trim().parse().map_err(|_| bad_body(body.trim()))
}

/// The same `try_join_all` as [`gather_counts`], but each async fn makes the blocking call:
/// DELIBERATELY WRONG. Each future blocks the thread during its first poll, so the requests go out
/// one by one. (On the multi-thread runtime too: these futures belong to one task.)
async fn gather_blocking_gets(
    base_url: &str,
    delays: &[u32],
    unit: Duration,
) -> Result<Gathered, CountError> {
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let requests = delays.iter().map(|&i| {
        let timeline = &timeline;
        async move {
            let get = async { get_count_std(base_url, delay_secs(i, unit)) };
            let count = timeline.track(format!("delay {i}"), get).await?;
            watch.say(format!(
                "delay {i} → count {count} (the thread was stuck meanwhile)"
            ));
            Ok::<_, CountError>(count)
        }
    });
    let counts = try_join_all(requests).await?;
    let elapsed = watch.elapsed();
    watch.say(format!("all answered: {counts:?}"));
    Ok(Gathered {
        counts,
        elapsed,
        timeline,
    })
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
    // Built off the runtime threads too: building one waits for its own background thread to start
    // (and a debug build of reqwest refuses to do that on a runtime thread).
    let client =
        tokio::task::spawn_blocking(|| reqwest::blocking::Client::builder().build()).await??;
    let handles: Vec<_> = delays
        .iter()
        .map(|&i| {
            let (client, base_url, timeline) =
                (client.clone(), base_url.to_owned(), timeline.clone());
            // A blocking task owns what it uses ('static), like a spawned one: hence the clones.
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
    let elapsed = watch.elapsed();
    watch.say(format!("all answered: {counts:?}"));
    Ok(Gathered {
        counts,
        elapsed,
        timeline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::count_server::start_in_background;
    use workshop::testing::within;

    // Real HTTP in real time: small delays, and assertions on counts and order, not on durations.
    // Each test starts a server of its own, so its counter starts at 0: a count says in which order
    // the server answered.
    const UNIT: Duration = Duration::from_millis(50);
    const REVERSED: [u32; 4] = [3, 2, 1, 0];

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

    #[tokio::test]
    async fn async_gets_overlap_and_keep_input_order() {
        within(Duration::from_secs(20), "async gather", async {
            let gathered = gather_counts(&client(), &server(), &REVERSED, UNIT).await;
            let gathered = gathered.expect("the server answers");
            // The shortest delay was answered first (count 1), yet results are in input order.
            assert_eq!(gathered.counts, vec![4, 3, 2, 1]);
            let spans = gathered.timeline.spans();
            let first_end = spans.iter().map(|s| s.end).min().expect("spans");
            assert!(spans.iter().all(|s| s.start <= first_end), "{spans:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn blocking_gets_inside_async_code_run_one_by_one() {
        within(Duration::from_secs(20), "blocking gather", async {
            let gathered = gather_blocking_gets(&server(), &REVERSED, UNIT).await;
            let gathered = gathered.expect("the server answers");
            // One by one: the longest delay, asked first, was answered first.
            assert_eq!(gathered.counts, vec![1, 2, 3, 4]);
            let spans = gathered.timeline.spans();
            for pair in spans.windows(2) {
                assert!(pair[1].start >= pair[0].end, "overlap: {pair:?}");
            }
        })
        .await;
    }

    #[tokio::test]
    async fn blocking_client_on_spawn_blocking_threads_runs_side_by_side() {
        within(Duration::from_secs(20), "spawn_blocking gather", async {
            let gathered = gather_counts_spawn_blocking(&server(), &REVERSED, UNIT).await;
            let gathered = gathered.expect("the server answers");
            assert_eq!(gathered.counts, vec![4, 3, 2, 1]);
            assert_eq!(gathered.timeline.spans().len(), 4);
        })
        .await;
    }

    #[tokio::test]
    async fn a_server_that_is_down_is_reported_not_unwrapped() {
        within(Duration::from_secs(20), "server down", async {
            let url = nobody_home();
            let err = gather_counts(&client(), &url, &[0], UNIT)
                .await
                .unwrap_err();
            assert!(matches!(err, CountError::Unreachable { .. }), "{err:?}");
            let err = gather_blocking_gets(&url, &[0], UNIT).await.unwrap_err();
            assert!(matches!(err, CountError::Unreachable { .. }), "{err:?}");
            let err = gather_counts_spawn_blocking(&url, &[0], UNIT)
                .await
                .unwrap_err();
            let err = err.downcast_ref::<CountError>();
            assert!(
                matches!(err, Some(CountError::Unreachable { .. })),
                "{err:?}"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn an_error_status_is_reported_with_the_servers_message() {
        within(Duration::from_secs(20), "error status", async {
            // 100 s is over the server's 60 s limit: a 400 with a JSON message, at once.
            let (url, too_long) = (server(), Duration::from_secs(100));
            let is_400 = |err: &CountError| {
                matches!(err, CountError::Status { status: 400, message, .. }
                    if message.contains("at most"))
            };
            let err = gather_counts(&client(), &url, &[1], too_long)
                .await
                .unwrap_err();
            assert!(is_400(&err), "{err:?}");
            let err = gather_blocking_gets(&url, &[1], too_long)
                .await
                .unwrap_err();
            assert!(is_400(&err), "{err:?}");
            let err = gather_counts_spawn_blocking(&url, &[1], too_long)
                .await
                .unwrap_err();
            let err = err.downcast_ref::<CountError>();
            assert!(
                matches!(err, Some(CountError::Status { status: 400, .. })),
                "{err:?}"
            );
        })
        .await;
    }
}
