//! The count server over real TCP (and, for timing, in-process on the paused clock).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use count_server::{self, Counter};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::ServiceExt;
use workshop::testing::within;

/// A server on an ephemeral loopback port; the returned sender shuts it down gracefully.
async fn start() -> (
    String,
    Arc<Counter>,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let counter = Arc::new(Counter::default());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(count_server::serve(listener, counter.clone(), async {
        let _ = stopped.await;
    }));
    (url, counter, stop, server)
}

/// How many requests this machine lets us keep open at once: each costs two file descriptors here
/// (client and server in one process). CI allows 20 000; a laptop may allow only 1 024 or 256.
#[allow(clippy::disallowed_methods)] // a tiny synchronous read of /proc, before any request starts
fn max_in_flight(wanted: usize) -> usize {
    let soft_limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        })
        .unwrap_or(1024);
    wanted.min(soft_limit.saturating_sub(200) / 2).max(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_concurrent_requests_lose_no_increment() {
    const N: usize = 2000;
    within(Duration::from_secs(60), "2000 concurrent requests", async {
        let (url, counter, stop, server) = start().await;
        let before = counter.get();
        let client = reqwest::Client::new();
        let in_flight = Arc::new(tokio::sync::Semaphore::new(max_in_flight(N)));
        let mut requests = tokio::task::JoinSet::new();
        for _ in 0..N {
            let (client, url, in_flight) = (client.clone(), url.clone(), in_flight.clone());
            requests.spawn(async move {
                let _permit = in_flight.acquire_owned().await.expect("semaphore open");
                // A short delay keeps every request waiting inside the server at the same time.
                let response = client
                    .get(format!("{url}/count?delay=0.2"))
                    .send()
                    .await
                    .expect("request sent");
                assert_eq!(response.status(), StatusCode::OK);
                response.json::<u64>().await.expect("a JSON number")
            });
        }
        let mut seen = HashSet::new();
        while let Some(value) = requests.join_next().await {
            let value = value.expect("request task");
            assert!(seen.insert(value), "count {value} returned twice");
        }
        assert_eq!(seen.len(), N);
        assert_eq!(
            counter.get() - before,
            N as u64,
            "the counter advanced by exactly N"
        );
        let expected: HashSet<u64> = (before + 1..=before + N as u64).collect();
        assert_eq!(seen, expected, "the answers are exactly the N new counts");
        stop.send(()).expect("server still running");
        server.await.expect("server task").expect("server io");
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_a_json_400_and_does_not_count() {
    within(Duration::from_secs(20), "bad input", async {
        let (url, counter, stop, _server) = start().await;
        let client = reqwest::Client::new();
        for bad in ["abc", "-1", "NaN", "inf", "-inf", "61", "1e400", ""] {
            let response = client
                .get(format!("{url}/count"))
                .query(&[("delay", bad)])
                .send()
                .await
                .expect("request sent");
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "delay={bad:?}");
            let body: serde_json::Value = response.json().await.expect("JSON error body");
            assert!(
                body["error"].as_str().is_some_and(|e| e.contains("delay")),
                "{body}"
            );
        }
        // A query the extractor cannot even parse (a repeated field) is a JSON 400 too.
        let response = client
            .get(format!("{url}/count?delay=1&delay=2"))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: serde_json::Value = response.json().await.expect("JSON error body");
        assert!(body["error"].is_string(), "{body}");
        assert_eq!(counter.get(), 0, "no bad request counted");

        let response = client
            .get(format!("{url}/nope"))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body: serde_json::Value = response.json().await.expect("JSON 404 body");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains("/nope")),
            "{body}"
        );

        let one: u64 = client
            .get(format!("{url}/count"))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("number");
        assert_eq!(one, 1, "no delay means 0 and counts");
        let _ = stop.send(());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn delay_waits_on_the_tokio_clock_then_counts() {
    within(Duration::from_secs(5), "delayed count", async {
        let counter = Arc::new(Counter::default());
        let app = count_server::router(counter.clone());
        let request = Request::get("/count?delay=0.5")
            .body(Body::empty())
            .expect("request");
        let mut response = tokio_test::task::spawn(app.oneshot(request));
        tokio_test::assert_pending!(response.poll());
        tokio::time::advance(Duration::from_millis(499)).await;
        tokio_test::assert_pending!(response.poll());
        assert_eq!(counter.get(), 0, "nothing counted before the delay is over");
        tokio::time::advance(Duration::from_millis(1)).await;
        let response = tokio_test::assert_ready_ok!(response.poll());
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), 64)
            .await
            .expect("body");
        assert_eq!(&body[..], b"1");
        assert_eq!(counter.get(), 1);
    })
    .await;
}

#[tokio::test]
async fn graceful_shutdown_lets_a_request_in_flight_finish() {
    within(Duration::from_secs(20), "graceful shutdown", async {
        let (url, counter, stop, server) = start().await;
        let in_flight = tokio::spawn(async move {
            reqwest::get(format!("{url}/count?delay=0.5"))
                .await?
                .json::<u64>()
                .await
        });
        // Wait until the request is inside the server (the health endpoint does not count).
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(()).expect("server running");
        let answer = in_flight
            .await
            .expect("task")
            .expect("request finished despite shutdown");
        assert_eq!(answer, 1);
        assert_eq!(counter.get(), 1);
        server
            .await
            .expect("server task")
            .expect("server stopped cleanly");
    })
    .await;
}

#[tokio::test]
async fn count_server_url_finds_or_starts_a_server() {
    within(Duration::from_secs(20), "count_server_url", async {
        let url = count_server::count_server_url()
            .await
            .expect("a count server");
        let again = count_server::count_server_url()
            .await
            .expect("a count server");
        assert_eq!(url, again, "decided once per process");
        let health: serde_json::Value = reqwest::get(format!("{url}/health"))
            .await
            .expect("server answers")
            .json()
            .await
            .expect("JSON");
        assert_eq!(health["service"], "count");
    })
    .await;
}

#[tokio::test]
async fn client_helpers_report_counts_and_errors_clearly() {
    use count_server::{CountError, get_count, get_count_blocking};
    within(Duration::from_secs(20), "client helpers", async {
        let (url, _counter, stop, _server) = start().await;
        let client = reqwest::Client::new();
        assert_eq!(get_count(&client, &url, 0.0).await.expect("count"), 1);
        let err = get_count(&client, &url, -1.0).await.expect_err("negative delay");
        assert!(
            matches!(&err, CountError::Status { status: 400, message, .. } if message.contains("negative")),
            "{err}"
        );
        let blocking_url = url.clone();
        let blocking = tokio::task::spawn_blocking(move || {
            let client = reqwest::blocking::Client::new();
            get_count_blocking(&client, &blocking_url, 0.0)
        });
        assert_eq!(blocking.await.expect("task").expect("count"), 2);

        // A port nobody listens on: bind one, note it, close it.
        let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let dead_url = format!("http://{}", closed.local_addr().expect("addr"));
        drop(closed);
        let err = get_count(&client, &dead_url, 0.0).await.expect_err("nobody there");
        assert!(matches!(err, CountError::Unreachable { .. }), "{err}");
        assert!(err.to_string().contains("make server"), "{err}");
        let _ = stop.send(());
    })
    .await;
}
