//! Clients that do not read: the write deadline and the pub/sub output-buffer limit, over an
//! in-memory pipe (`tokio::io::duplex`) on a paused clock, so every duration is exact.

mod common;

use common::resp;
use mini_redis::Client;
use mini_redis::Config;
use mini_redis::connection::{self, Ending};
use mini_redis::state::Shared;
use mini_redis::store::Condition;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::task::JoinHandle;
use tokio::time::{Instant, advance};
use tokio_util::sync::CancellationToken;
use workshop::testing::within;

/// Room in each direction of the pipe: a small socket.
const PIPE: usize = 16 * 1024;

/// One connection served over a pipe: the client's end, and the server task's result.
fn connect(shared: &Arc<Shared>) -> (DuplexStream, JoinHandle<std::io::Result<Ending>>) {
    let (client_end, server_end) = tokio::io::duplex(PIPE);
    let shared = Arc::clone(shared);
    let task = tokio::spawn(async move {
        let stop = CancellationToken::new();
        connection::serve(server_end, &shared, 1, &stop).await
    });
    (client_end, task)
}

/// Writes pipelined `GET k` requests for ever, counting the bytes the server took.
fn pipeline_without_reading(
    mut writer: tokio::io::WriteHalf<DuplexStream>,
) -> (Arc<AtomicUsize>, JoinHandle<()>) {
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&sent);
    let task = tokio::spawn(async move {
        let batch = resp(&["GET", "k"]).repeat(100);
        while writer.write_all(&batch).await.is_ok() {
            counter.fetch_add(batch.len(), Ordering::Relaxed);
        }
    });
    (sent, task)
}

#[tokio::test(start_paused = true)]
async fn a_client_that_accepts_no_reply_bytes_is_disconnected_at_the_write_timeout() {
    within(Duration::from_secs(600), "write timeout", async {
        let config = Config {
            write_timeout: Some(Duration::from_secs(30)),
            idle_timeout: Some(Duration::from_secs(10)),
            ..Config::default()
        };
        let shared = Arc::new(Shared::new(config));
        shared
            .store
            .set(b"k", vec![b'v'; 1000].into(), None, Condition::Always);
        let (client_end, task) = connect(&shared);
        let (_reader, writer) = tokio::io::split(client_end);
        let start = Instant::now();
        let (sent, writer_task) = pipeline_without_reading(writer);

        let ending = task
            .await
            .expect("connection task")
            .expect("no other error");
        // Nothing else waits on the clock, so all the requests went in at t = 0: the deadline
        // counts from there. The idle timeout (10 s) does not apply: the client is not silent,
        // its replies are stuck.
        assert_eq!(ending, Ending::WriteTimeout(Duration::from_secs(30)));
        assert_eq!(start.elapsed(), Duration::from_secs(30));
        // The server stopped reading while its replies could not be written: what it took is
        // the pipe, its read buffer and one flush's worth of replies, not all that was offered.
        let taken = sent.load(Ordering::Relaxed);
        assert!(
            taken < 256 * 1024,
            "the server read {taken} bytes of requests"
        );
        writer_task.abort();
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_slow_reader_is_kept_while_it_accepts_bytes_and_closed_once_it_stops() {
    within(Duration::from_secs(600), "slow reader", async {
        let config = Config {
            write_timeout: Some(Duration::from_secs(30)),
            ..Config::default()
        };
        let shared = Arc::new(Shared::new(config));
        shared
            .store
            .set(b"k", vec![b'v'; 1000].into(), None, Condition::Always);
        let (client_end, task) = connect(&shared);
        let (mut reader, writer) = tokio::io::split(client_end);
        let (_sent, writer_task) = pipeline_without_reading(writer);

        // Read a little every 20 s: each read lets the server write a little more, so the
        // 30 s deadline keeps being pushed back.
        let mut chunk = [0u8; 512];
        for _ in 0..10 {
            advance(Duration::from_secs(20)).await;
            assert!(!task.is_finished(), "disconnected while still reading");
            let n = reader.read(&mut chunk).await.expect("read");
            assert!(n > 0);
        }
        let last_read = Instant::now();
        let ending = task
            .await
            .expect("connection task")
            .expect("no other error");
        assert_eq!(ending, Ending::WriteTimeout(Duration::from_secs(30)));
        assert_eq!(last_read.elapsed(), Duration::from_secs(30));
        writer_task.abort();
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_subscriber_over_the_pubsub_buffer_limit_is_disconnected_and_loses_nothing_silently() {
    within(Duration::from_secs(60), "slow subscriber", async {
        let limit = 64 * 1024;
        let config = Config {
            max_pubsub_buffer: limit,
            write_timeout: None, // so that only the buffer limit can end it
            ..Config::default()
        };
        let shared = Arc::new(Shared::new(config));
        let (client_end, task) = connect(&shared);
        let mut subscriber = Client::new(client_end)
            .subscribe(&["news"])
            .await
            .expect("subscribe");

        // Publish numbered 1 KiB messages without the subscriber reading any, letting the
        // connection run between them, until it is gone.
        let mut published = 0u32;
        while !task.is_finished() {
            assert!(
                published < 10_000,
                "still connected after {published} messages"
            );
            let mut payload = format!("{published:08}").into_bytes();
            payload.resize(1024, b'.');
            shared.pubsub.publish(b"news", payload.into());
            published += 1;
            tokio::task::yield_now().await;
        }
        let ending = task.await.expect("connection task").expect("no I/O error");
        assert_eq!(ending, Ending::SlowSubscriber(limit));
        assert_eq!(shared.pubsub.channel_count(), 0, "its subscription is gone");
        // Published while it was connected, not all could be queued: what the subscriber
        // reads is an unbroken run from the first, then the end of the connection (perhaps in
        // the middle of a message being written). A gap never passes for silence.
        let mut received = 0u32;
        while let Ok(Some(message)) = subscriber.next_message().await {
            assert_eq!(&message.payload[..8], format!("{received:08}").as_bytes());
            received += 1;
        }
        assert!(
            received > 0 && received < published,
            "{received} of {published}"
        );
    })
    .await;
}
