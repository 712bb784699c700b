//! The checks of `redis_pubsub`: `cargo exercise check redis_pubsub` runs them against
//! mini_redis/exercises/redis_pubsub.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(20);

/// How long a line that should be on its way may take before the tests look for why not.
const PATIENCE: Duration = Duration::from_secs(3);

/// Your `connection`, serving every client of a test accept loop on a thread and runtime of its
/// own, as a server process would: one that never lets the others run cannot stall the test.
/// The `Channels` map is the test's, so it can see what is subscribed.
fn start() -> (SocketAddr, Channels) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("local address");
    let channels = Channels::default();
    let theirs = Arc::clone(&channels);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).expect("listener");
            let store = Store::default();
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(connection(stream, store.clone(), theirs.clone()));
            }
        });
    });
    (addr, channels)
}

/// How many receivers `channel` has in the map, `None` when it is not there.
fn receivers(channels: &Channels, channel: &str) -> Option<usize> {
    let map = channels.lock().unwrap_or_else(|p| p.into_inner());
    map.get(channel).map(|sender| sender.receiver_count())
}

/// A client that writes lines and reads reply lines.
struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (read, writer) = stream.into_split();
        Client {
            reader: BufReader::new(read),
            writer,
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write");
    }

    /// The next line, `None` at the end of the stream (or when the server is gone).
    async fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(String::from_utf8_lossy(&line).trim_end().to_string()),
        }
    }

    async fn call(&mut self, request: &str) -> Option<String> {
        self.send(format!("{request}\n").as_bytes()).await;
        self.line().await
    }

    async fn subscribe(&mut self, channel: &str) {
        let reply = self.call(&format!("SUBSCRIBE {channel}")).await;
        assert_eq!(
            reply.as_deref(),
            Some("OK"),
            "SUBSCRIBE {channel} is answered `OK`"
        );
    }

    /// The next line, which must be `expected`: a message this client did not ask for. When it
    /// does not come, a request tells why: was it in the write buffer, or not sent at all?
    async fn message(&mut self, expected: &str) {
        let got = match tokio::time::timeout(PATIENCE, self.line()).await {
            Ok(got) => got,
            Err(_) => {
                self.send(b"GET pubsub:probe\n").await;
                let first = tokio::time::timeout(PATIENCE, self.line()).await;
                let second = tokio::time::timeout(PATIENCE, self.line()).await;
                match (first, second) {
                    (Ok(Some(line)), _) if line == expected => panic!(
                        "{expected:?} reached the subscriber only with the reply to its next \
                         request: it waited in the write buffer. A message is sent at once: \
                         `frames.send(..)` (feed, then flush)"
                    ),
                    (_, Ok(Some(line))) if line == expected => panic!(
                        "{expected:?} reached the subscriber only after its next request was \
                         answered: the connection must wait for requests and messages at once \
                         (`tokio::select!` over `frames.next()` and `subscriptions.next()`), \
                         not look at messages between requests"
                    ),
                    _ => panic!(
                        "{expected:?} never reached the subscriber, which had sent nothing since \
                         subscribing: the connection must wait for requests and messages at \
                         once (`tokio::select!` over `frames.next()` and `subscriptions.next()`)"
                    ),
                }
            }
        };
        assert_eq!(
            got.as_deref(),
            Some(expected),
            "the subscriber's next line: each message published after it subscribed, once, in \
             the order published"
        );
    }

    /// Nothing more has been sent to this client: its next line answers a request it sends now
    /// (a message already published would have come first).
    async fn nothing_more(&mut self, why: &str) {
        let next = self.call("GET pubsub:probe").await;
        assert_eq!(
            next.as_deref(),
            Some("NONE"),
            "{why}: the next line should be the reply to `GET pubsub:probe`"
        );
    }
}

#[tokio::test]
async fn a_subscriber_gets_what_is_published_without_asking() {
    let what = "a message reaching a subscriber that sends nothing (if the test stops here, \
                your server is stuck: a connection that never waits keeps the others from \
                running, e.g. a select! branch taking `subscriptions.next()` of an empty \
                StreamMap, which is `None` at once: `Some(..) = subscriptions.next()` disables it)";
    within(LIMIT, what, async {
        let (addr, _) = start();
        let mut subscriber = Client::connect(addr).await;
        let mut publisher = Client::connect(addr).await;
        assert_eq!(
            publisher.call("PUBLISH news early").await.as_deref(),
            Some("OK 0"),
            "PUBLISH to a channel nobody subscribed to reaches 0 clients"
        );
        subscriber.subscribe("news").await;
        assert_eq!(
            publisher.call("PUBLISH news rain at noon").await.as_deref(),
            Some("OK 1"),
            "PUBLISH answers with how many subscribers it reached"
        );
        // The subscriber has sent nothing since: the message must come by itself.
        subscriber.message("MESSAGE news rain at noon").await;
    })
    .await;
}

#[tokio::test]
async fn every_subscriber_gets_every_message_published_after_it_joined() {
    within(LIMIT, "three subscribers of one channel", async {
        let (addr, channels) = start();
        let mut publisher = Client::connect(addr).await;
        let mut other = Client::connect(addr).await;
        other.subscribe("weather").await;
        let mut subscribers = Vec::new();
        for (joined, text) in ["one", "two", "three"].into_iter().enumerate() {
            let mut subscriber = Client::connect(addr).await;
            subscriber.subscribe("news").await;
            subscribers.push(subscriber);
            let count = joined + 1;
            let reached = publisher.call(&format!("PUBLISH news {text}")).await;
            assert_eq!(
                reached,
                Some(format!("OK {count}")),
                "PUBLISH news with {count} subscribers on news must reach all {count}: one \
                 broadcast channel per name, created on the first SUBSCRIBE and kept \
                 (`entry(..).or_insert_with(..)`), a new receiver from it for every subscriber"
            );
            assert_eq!(
                receivers(&channels, "news"),
                Some(count),
                "the Channels map's sender for news must have {count} receivers: one per \
                 subscriber, from `sender.subscribe()`"
            );
        }
        for (joined, subscriber) in subscribers.iter_mut().enumerate() {
            for text in &["one", "two", "three"][joined..] {
                subscriber.message(&format!("MESSAGE news {text}")).await;
            }
            subscriber
                .nothing_more("after the messages published since it subscribed")
                .await;
        }
        other
            .nothing_more("a subscriber of weather only, when only news had messages")
            .await;
    })
    .await;
}

#[tokio::test]
async fn channels_merge_and_requests_still_work_while_subscribed() {
    within(
        LIMIT,
        "two channels and requests on one connection",
        async {
            let (addr, _) = start();
            let mut both = Client::connect(addr).await;
            let mut publisher = Client::connect(addr).await;
            both.subscribe("news").await;
            both.subscribe("sport").await;
            assert_eq!(
                publisher.call("PUBLISH news rain").await.as_deref(),
                Some("OK 1"),
                "one on news"
            );
            both.message("MESSAGE news rain").await;
            assert_eq!(
                publisher.call("PUBLISH sport goal").await.as_deref(),
                Some("OK 1"),
                "one on sport"
            );
            // Both channels arrive on one connection (a StreamMap of them).
            both.message("MESSAGE sport goal").await;
            // Subscribed, and still a client of the store.
            assert_eq!(
                both.call("PUT k v").await.as_deref(),
                Some("OK"),
                "PUT while subscribed"
            );
            assert_eq!(
                both.call("GET k").await.as_deref(),
                Some("OK v"),
                "GET while subscribed"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn unsubscribing_or_leaving_stops_the_messages_and_the_count() {
    within(LIMIT, "UNSUBSCRIBE, QUIT and a client that goes", async {
        let (addr, channels) = start();
        let mut publisher = Client::connect(addr).await;
        let mut stays = Client::connect(addr).await;
        let mut leaves = Client::connect(addr).await;
        let mut vanishes = Client::connect(addr).await;
        stays.subscribe("news").await;
        leaves.subscribe("news").await;
        vanishes.subscribe("gone").await;

        assert_eq!(
            leaves.call("UNSUBSCRIBE news").await.as_deref(),
            Some("OK"),
            "UNSUBSCRIBE news"
        );
        assert_eq!(
            publisher.call("PUBLISH news a").await.as_deref(),
            Some("OK 1"),
            "after one of news's two subscribers sent UNSUBSCRIBE news, PUBLISH reaches 1: the \
             count is what `send` returns (the receivers alive now), not a tally of SUBSCRIBEs"
        );
        stays.message("MESSAGE news a").await;
        leaves
            .nothing_more("a client that sent UNSUBSCRIBE news, after a PUBLISH on news")
            .await;

        assert_eq!(stays.call("QUIT").await.as_deref(), Some("OK"), "QUIT");
        assert_eq!(
            publisher.call("PUBLISH news b").await.as_deref(),
            Some("OK 0"),
            "after the last subscriber of news has left (QUIT), PUBLISH reaches no one"
        );
        assert_eq!(
            receivers(&channels, "news"),
            None,
            "a channel nobody listens to any more must be forgotten: when `send` finds no \
             receiver (`Err`), remove the channel from the map, or every name ever used stays \
             there"
        );

        // A subscriber that closes its socket without a word: its connection must end, and its
        // subscription with it.
        drop(vanishes);
        let mut left = receivers(&channels, "gone");
        for _ in 0..200 {
            if left == Some(0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            left = receivers(&channels, "gone");
        }
        assert_eq!(
            left,
            Some(0),
            "a subscriber that closed its connection was still subscribed 2 s later: when \
             `frames.next()` gives `None` (the client has gone) the connection must end, which \
             drops its subscriptions (a `Some(..) = frames.next()` pattern only disables the \
             branch, and the connection waits for messages forever)"
        );
        assert_eq!(
            publisher.call("PUBLISH gone x").await.as_deref(),
            Some("OK 0"),
            "PUBLISH to a channel whose only subscriber has gone"
        );
        assert_eq!(
            receivers(&channels, "gone"),
            None,
            "a channel nobody listens to any more must be forgotten"
        );
    })
    .await;
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_told_what_it_missed() {
    within(LIMIT, "subscribers left behind", async {
        let (addr, _) = start();
        let mut publisher = Client::connect(addr).await;
        let mut first = Client::connect(addr).await;
        let mut second = Client::connect(addr).await;
        for (channel, published) in [("burst", 100), ("flood", 250)] {
            first.subscribe(channel).await;
            second.subscribe(channel).await;
            // All in one write: the server publishes them in one batch, before either
            // subscriber's connection has had a turn to take any.
            let mut burst = String::new();
            for i in 0..published {
                burst.push_str(&format!("PUBLISH {channel} m{i}\n"));
            }
            publisher.send(burst.as_bytes()).await;
            for i in 0..published {
                assert_eq!(
                    publisher.line().await.as_deref(),
                    Some("OK 2"),
                    "PUBLISH {channel} m{i}: a subscriber that is behind does not hold the \
                     publisher up, and is still counted"
                );
            }
            let missed = published - CHANNEL_CAPACITY;
            for subscriber in [&mut first, &mut second] {
                let told = tokio::time::timeout(PATIENCE, subscriber.line()).await;
                assert_eq!(
                    told.ok().flatten(),
                    Some(format!("ERROR missed {missed} messages on {channel}")),
                    "{published} messages published at once on a channel of \
                     {CHANNEL_CAPACITY}: a subscriber that had no turn to take them is first \
                     told it missed {missed} (its stream gives `Err(Lagged({missed}))`, an item \
                     like the others: send `message_line(&channel, message)` for it too, \
                     instead of filtering it out with an `Ok(..)` pattern)"
                );
                for i in missed..published {
                    let next = tokio::time::timeout(PATIENCE, subscriber.line()).await;
                    assert_eq!(
                        next.ok().flatten(),
                        Some(format!("MESSAGE {channel} m{i}")),
                        "after being told what it missed, a subscriber gets the last \
                         {CHANNEL_CAPACITY} messages, in order: missing some is no reason to \
                         stop"
                    );
                }
                subscriber
                    .nothing_more(&format!("after the last message on {channel}"))
                    .await;
            }
        }
    })
    .await;
}
