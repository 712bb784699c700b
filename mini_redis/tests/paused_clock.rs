//! The connection handler over an in-memory pipe (`tokio::io::duplex`) on a paused clock: expiry,
//! the idle timeout and shutdown are timed in virtual time, exactly, without waiting.

use mini_redis::Client;
use mini_redis::Config;
use mini_redis::client::ClientError;
use mini_redis::connection::{self, Ending};
use mini_redis::frame::Frame;
use mini_redis::state::Shared;
use mini_redis::store::purge_expired_keys;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::DuplexStream;
use tokio::task::JoinHandle;
use tokio::time::{Instant, advance};
use tokio_util::sync::CancellationToken;
use workshop::testing::within;

/// One connection served over a pipe: the client end, and the server task's result.
fn connect(
    shared: &Arc<Shared>,
    stop: &CancellationToken,
) -> (Client<DuplexStream>, JoinHandle<std::io::Result<Ending>>) {
    let (client_end, server_end) = tokio::io::duplex(64 * 1024);
    let (shared, stop) = (Arc::clone(shared), stop.clone());
    let task = tokio::spawn(async move { connection::serve(server_end, &shared, 1, &stop).await });
    (Client::new(client_end), task)
}

#[tokio::test(start_paused = true)]
async fn keys_expire_exactly_on_time_and_are_purged_in_the_background() {
    within(Duration::from_secs(120), "expiry", async {
        let shared = Arc::new(Shared::new(Config::default()));
        let stop = CancellationToken::new();
        let purger = tokio::spawn(purge_expired_keys(shared.store.clone(), stop.clone()));
        let (mut c, _task) = connect(&shared, &stop);

        c.set_expiring("short", "v", Duration::from_millis(1500))
            .await
            .expect("SET PX");
        c.set("long", "v").await.expect("SET");
        assert!(c.expire("long", 10).await.expect("EXPIRE"));
        c.set("forever", "v").await.expect("SET");
        let start = Instant::now();

        advance(Duration::from_millis(1499)).await;
        assert_eq!(
            c.get("short").await.expect("GET").as_deref(),
            Some(&b"v"[..])
        );
        assert_eq!(c.ttl("short").await.expect("TTL"), 0); // 1 ms left, rounded
        assert_eq!(c.ttl("long").await.expect("TTL"), 9); // 8.501 s left, rounded

        advance(Duration::from_millis(1)).await;
        assert_eq!(c.get("short").await.expect("GET"), None);
        assert_eq!(c.ttl("short").await.expect("TTL"), -2);

        // Nobody reads "long": the purge task removes it at t = 10 s, not a tick later.
        tokio::time::sleep_until(start + Duration::from_secs(10)).await;
        tokio::task::yield_now().await;
        assert_eq!(
            c.call(&["DBSIZE"]).await.expect("DBSIZE"),
            Frame::Integer(1)
        );
        assert_eq!(c.ttl("forever").await.expect("TTL"), -1);
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        stop.cancel();
        purger.await.expect("purge task stops");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn an_idle_connection_is_closed_after_the_timeout_but_a_subscriber_is_not() {
    within(Duration::from_secs(600), "idle timeout", async {
        let config = Config {
            idle_timeout: Some(Duration::from_secs(30)),
            ..Config::default()
        };
        let shared = Arc::new(Shared::new(config));
        let stop = CancellationToken::new();

        let (mut c, task) = connect(&shared, &stop);
        let start = Instant::now();
        advance(Duration::from_secs(29)).await;
        c.ping().await.expect("alive at 29 s"); // a request restarts the clock
        advance(Duration::from_secs(29)).await;
        c.ping().await.expect("alive at 58 s");
        let ending = task.await.expect("connection task").expect("no I/O error");
        assert_eq!(ending, Ending::IdleTimeout);
        assert_eq!(start.elapsed(), Duration::from_secs(58 + 30));
        assert!(matches!(c.read_reply().await, Err(ClientError::Closed)));

        let (subscriber, task) = connect(&shared, &stop);
        let mut subscriber = subscriber.subscribe(&["news"]).await.expect("subscribe");
        advance(Duration::from_secs(300)).await;
        assert!(
            !task.is_finished(),
            "a subscriber waiting for messages is not idle"
        );
        assert_eq!(shared.pubsub.publish(b"news", "still here".into()), 1);
        let message = subscriber
            .next_message()
            .await
            .expect("message")
            .expect("open");
        assert_eq!(&message.payload[..], b"still here");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn on_shutdown_requests_already_received_are_answered_then_the_connection_closes() {
    within(Duration::from_secs(5), "shutdown", async {
        let shared = Arc::new(Shared::new(Config::default()));
        let stop = CancellationToken::new();
        let (mut c, task) = connect(&shared, &stop);
        // Three requests are in the pipe, not yet read by the server, when shutdown comes.
        c.feed(&["SET", "k", "v"]).await.expect("feed");
        c.feed(&["INCR", "n"]).await.expect("feed");
        c.feed(&["GET", "k"]).await.expect("feed");
        c.flush().await.expect("flush");
        stop.cancel();
        assert_eq!(
            task.await.expect("task").expect("no I/O error"),
            Ending::Shutdown
        );
        assert_eq!(c.read_reply().await.expect("reply"), Frame::ok());
        assert_eq!(c.read_reply().await.expect("reply"), Frame::Integer(1));
        assert_eq!(
            c.read_reply().await.expect("reply"),
            Frame::Bulk("v".into())
        );
        assert!(matches!(c.read_reply().await, Err(ClientError::Closed)));
    })
    .await;
}
