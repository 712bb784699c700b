//! The count server the HTTP lessons call (`make server`, or started in-process by
//! [`count_server_url`]).
//!
//! `GET /count?delay=SECONDS` waits `delay` seconds without blocking the runtime (a tokio sleep, so
//! thousands of requests can wait at once), increments a shared counter and answers the new count as
//! a JSON number. `GET /health` answers without counting, so a probe does not disturb the count.
//!
//! Limits: `delay` must be a finite number from 0 to [`MAX_DELAY_SECS`]; anything else is a 400 with
//! a JSON error body, and the counter is left alone. Unknown paths are a 404 with a JSON body.

pub mod log;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::OnceCell;

/// The longest delay a request may ask for, in seconds.
pub const MAX_DELAY_SECS: f64 = 60.0;

/// Where `make server` listens, and where [`count_server_url`] looks first.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8000";

/// The shared counter. An atomic `fetch_add` makes each increment, and the value it returns, unique:
/// no lock, and no lost update however many requests race.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    fn increment(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

#[derive(Debug, Deserialize)]
struct CountParams {
    delay: Option<String>,
}

/// The application: routes, the JSON 404, and the one-line-per-request log.
pub fn router(counter: Arc<Counter>) -> Router {
    Router::new()
        .route("/count", get(count))
        .route("/health", get(health))
        .fallback(not_found)
        .layer(middleware::from_fn(log_request))
        .with_state(counter)
}

/// Parses `delay`: a finite number of seconds from 0 to [`MAX_DELAY_SECS`]; absent means 0.
pub fn parse_delay(raw: Option<&str>) -> Result<Duration, String> {
    let Some(raw) = raw else {
        return Ok(Duration::ZERO);
    };
    let secs: f64 = raw
        .trim()
        .parse()
        .map_err(|_| format!("delay must be a number of seconds, got {raw:?}"))?;
    if !secs.is_finite() {
        return Err(format!("delay must be finite, got {raw:?}"));
    }
    if secs < 0.0 {
        return Err(format!("delay must not be negative, got {raw:?}"));
    }
    if secs > MAX_DELAY_SECS {
        return Err(format!(
            "delay must be at most {MAX_DELAY_SECS} seconds, got {raw:?}"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

async fn count(
    State(counter): State<Arc<Counter>>,
    params: Result<Query<CountParams>, QueryRejection>,
) -> Response {
    let delay = params
        .map_err(|rejection| rejection.body_text())
        .and_then(|Query(p)| parse_delay(p.delay.as_deref()));
    match delay {
        Ok(delay) => {
            // Validation first, then the wait, then the increment: a bad request never counts.
            // No timer for a zero delay: registering one costs the server three quarters of its
            // throughput under load (measured with `make bench-server`).
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Json(counter.increment()).into_response()
        }
        Err(message) => error(StatusCode::BAD_REQUEST, message),
    }
}

async fn health(State(counter): State<Arc<Counter>>) -> Response {
    Json(json!({ "service": "count", "count": counter.get() })).into_response()
}

async fn not_found(request: Request) -> Response {
    let message = format!(
        "no route for {} {}: try GET /count?delay=SECONDS",
        request.method(),
        request.uri().path()
    );
    error(StatusCode::NOT_FOUND, message)
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn log_request(request: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        latency_ms = format_args!("{:.3}", start.elapsed().as_secs_f64() * 1e3),
        "request"
    );
    response
}

/// Serves the count server on `listener` until `shutdown` completes, then lets requests in flight
/// finish (axum's graceful shutdown) before returning.
pub async fn serve(
    listener: TcpListener,
    counter: Arc<Counter>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(counter))
        .with_graceful_shutdown(shutdown)
        .await
}

static URL: OnceCell<String> = OnceCell::const_new();

/// Where the HTTP lessons find a count server, decided once per process:
///
/// 1. `COUNT_SERVER_URL` when set;
/// 2. else [`DEFAULT_URL`] when a count server answers there (`make server` in another terminal);
/// 3. else a count server started inside this process on an ephemeral loopback port, with one line
///    printed to say so.
///
/// The in-process server runs on a runtime of its own, on its own thread: a lesson that blocks its
/// runtime on purpose (to show why that is wrong) must not freeze the server it is calling too.
pub async fn count_server_url() -> std::io::Result<String> {
    let url = URL
        .get_or_try_init(|| async {
            if let Ok(url) = std::env::var("COUNT_SERVER_URL") {
                return Ok::<_, std::io::Error>(url.trim_end_matches('/').to_owned());
            }
            let default_addr = SocketAddr::from(([127, 0, 0, 1], 8000));
            if answers_as_count_server(default_addr).await {
                return Ok(DEFAULT_URL.to_owned());
            }
            let addr = start_in_background()?;
            let url = format!("http://{addr}");
            println!("(no count server at {DEFAULT_URL}: started one in this process at {url})");
            Ok(url)
        })
        .await?;
    Ok(url.clone())
}

/// True when `addr` answers `GET /health` like this count server does.
async fn answers_as_count_server(addr: SocketAddr) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        stream
            .write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .ok()?;
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).await.ok()?;
        let reply = String::from_utf8_lossy(&reply);
        Some(reply.starts_with("HTTP/1.") && reply.contains("\"service\":\"count\""))
    };
    matches!(
        tokio::time::timeout(Duration::from_millis(500), probe).await,
        Ok(Some(true))
    )
}

/// Binds an ephemeral loopback port and serves on a dedicated thread and runtime for the rest of the
/// process. Returns the bound address.
pub fn start_in_background() -> std::io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("count-server")
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("count-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener)?;
                serve(listener, Arc::default(), std::future::pending()).await
            })
        })?;
    Ok(addr)
}

/// Why a call to the count server gave no count, worded for a learner reading the trace.
#[derive(Debug)]
pub enum CountError {
    /// No answer: nothing listens there, or the connection broke.
    Unreachable { url: String, cause: String },
    /// An answer, but an error status (the server's JSON error message when it sent one).
    Status {
        url: String,
        status: u16,
        message: String,
    },
    /// A 200 whose body is not a JSON number: not this count server.
    BadBody { url: String, cause: String },
}

impl std::fmt::Display for CountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable { url, cause } => write!(
                f,
                "count server at {url} is not reachable ({cause}); start one with `make server`, \
                 or unset COUNT_SERVER_URL to let the lesson start its own"
            ),
            Self::Status {
                url,
                status,
                message,
            } => {
                write!(f, "count server at {url} answered {status}: {message}")
            }
            Self::BadBody { url, cause } => {
                write!(
                    f,
                    "{url} answered 200 but not with a count ({cause}): is it the count server?"
                )
            }
        }
    }
}

impl std::error::Error for CountError {}

fn count_url(base_url: &str, delay_secs: f64) -> String {
    format!(
        "{}/count?delay={delay_secs}",
        base_url.trim_end_matches('/')
    )
}

fn status_error(url: String, status: reqwest::StatusCode, body: &str) -> CountError {
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect());
    CountError::Status {
        url,
        status: status.as_u16(),
        message,
    }
}

/// `GET {base_url}/count?delay={delay_secs}` with the async client: the count it answered.
pub async fn get_count(
    client: &reqwest::Client,
    base_url: &str,
    delay_secs: f64,
) -> Result<u64, CountError> {
    let url = count_url(base_url, delay_secs);
    let unreachable = |e: reqwest::Error| CountError::Unreachable {
        url: url.clone(),
        cause: e.to_string(),
    };
    let response = client.get(&url).send().await.map_err(unreachable)?;
    let status = response.status();
    let body = response.text().await.map_err(unreachable)?;
    if !status.is_success() {
        return Err(status_error(url, status, &body));
    }
    body.trim()
        .parse()
        .map_err(|e: std::num::ParseIntError| CountError::BadBody {
            url,
            cause: e.to_string(),
        })
}

/// The same call with reqwest's blocking client: for threads and `spawn_blocking` only. Called on an
/// async runtime thread it stalls every task on that thread (a build of reqwest with debug
/// assertions panics there instead; this workspace compiles its dependencies without them).
pub fn get_count_blocking(
    client: &reqwest::blocking::Client,
    base_url: &str,
    delay_secs: f64,
) -> Result<u64, CountError> {
    let url = count_url(base_url, delay_secs);
    let unreachable = |e: reqwest::Error| CountError::Unreachable {
        url: url.clone(),
        cause: e.to_string(),
    };
    let response = client.get(&url).send().map_err(unreachable)?;
    let status = response.status();
    let body = response.text().map_err(unreachable)?;
    if !status.is_success() {
        return Err(status_error(url, status, &body));
    }
    body.trim()
        .parse()
        .map_err(|e: std::num::ParseIntError| CountError::BadBody {
            url,
            cause: e.to_string(),
        })
}

/// The count server's own [`router`], called in-process through `tower`: no socket, so its delays
/// run on the caller's clock, a paused test clock included. (Over real TCP a paused clock can jump
/// past a delay while a request is still in the kernel.) Clones share one counter, and what the
/// server saw: how many requests it answered and how many it served at once, figures a caller
/// cannot make up (the exercises' checks read them).
#[derive(Clone, Debug)]
pub struct InProcess {
    app: Router,
    counter: Arc<Counter>,
    load: Arc<Load>,
}

/// Requests in flight now, and the most there were at once.
#[derive(Debug, Default)]
struct Load {
    now: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
}

impl Default for InProcess {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcess {
    /// A router with a fresh counter: the n-th answer is count n.
    pub fn new() -> Self {
        let counter = Arc::new(Counter::default());
        Self {
            app: router(counter.clone()),
            counter,
            load: Arc::default(),
        }
    }

    /// How many requests the server has answered (its counter).
    pub fn answered(&self) -> u64 {
        self.counter.get()
    }

    /// The most requests the server was serving at the same time.
    pub fn most_at_once(&self) -> usize {
        self.load.most.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// `GET /count?delay={delay_secs}`, answered by the router in this task.
    pub async fn get_count(&self, delay_secs: f64) -> Result<u64, CountError> {
        use tower::ServiceExt;
        let url = count_url("", delay_secs);
        let bad = |cause: String| CountError::BadBody {
            url: url.clone(),
            cause,
        };
        let request = axum::http::Request::get(&url)
            .body(axum::body::Body::empty())
            .map_err(|e| bad(e.to_string()))?;
        let response = {
            use std::sync::atomic::Ordering::SeqCst;
            let now = self.load.now.fetch_add(1, SeqCst) + 1;
            self.load.most.fetch_max(now, SeqCst);
            // Counted down however the request ends, a cancelled one included.
            let _leaving = Leaving(&self.load.now);
            match self.app.clone().oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        };
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .map_err(|e| bad(e.to_string()))?;
        let body = String::from_utf8_lossy(&body);
        if !status.is_success() {
            return Err(status_error(url, status, &body));
        }
        body.trim()
            .parse()
            .map_err(|e: std::num::ParseIntError| bad(e.to_string()))
    }
}

/// Takes one from a gauge when dropped.
struct Leaving<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn in_process_reports_what_the_server_saw() {
        workshop::testing::timeout(async {
            let server = InProcess::new();
            let probe = server.clone();
            let ask = |d: f64| {
                let server = server.clone();
                async move { server.get_count(d).await }
            };
            let (a, b, c) = tokio::join!(ask(1.0), ask(2.0), ask(1.0));
            assert_eq!((probe.answered(), probe.most_at_once()), (3, 3));
            let mut counts = [a.unwrap(), b.unwrap(), c.unwrap()];
            counts.sort_unstable();
            assert_eq!(counts, [1, 2, 3]);
            ask(0.5).await.unwrap();
            ask(0.5).await.unwrap();
            assert_eq!((probe.answered(), probe.most_at_once()), (5, 3));
            // A request dropped while in flight leaves the gauge.
            let cancelled = tokio::time::timeout(Duration::from_millis(10), ask(1.0)).await;
            assert!(cancelled.is_err());
            let _answers = tokio::join!(ask(0.1), ask(0.1), ask(0.1), ask(0.1));
            assert_eq!(
                probe.most_at_once(),
                4,
                "a cancelled request must leave the gauge"
            );
        })
        .await;
    }

    #[test]
    fn delay_parsing_accepts_finite_non_negative_numbers_up_to_the_cap() {
        assert_eq!(parse_delay(None), Ok(Duration::ZERO));
        assert_eq!(parse_delay(Some("0.5")), Ok(Duration::from_millis(500)));
        assert_eq!(parse_delay(Some("60")), Ok(Duration::from_secs(60)));
        for bad in [
            "abc", "", "-1", "NaN", "nan", "inf", "-inf", "60.001", "1e9",
        ] {
            assert!(parse_delay(Some(bad)).is_err(), "{bad:?} must be rejected");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn in_process_calls_count_in_answer_order_on_the_callers_clock() {
        workshop::testing::within(Duration::from_secs(10), "in-process counts", async {
            let server = InProcess::new();
            let start = tokio::time::Instant::now();
            let (slow, fast) = tokio::join!(server.get_count(2.0), server.get_count(1.0));
            assert_eq!(
                (slow.unwrap(), fast.unwrap()),
                (2, 1),
                "answered first, counted first"
            );
            assert_eq!(
                start.elapsed(),
                Duration::from_secs(2),
                "the delays overlap, virtually"
            );
            let refused = server.get_count(-1.0).await.expect_err("a negative delay");
            assert!(
                matches!(refused, CountError::Status { status: 400, .. }),
                "{refused}"
            );
        })
        .await;
    }
}
