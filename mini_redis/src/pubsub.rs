//! Publish/subscribe: one `tokio::sync::broadcast` channel per Redis channel name.
//!
//! `PUBLISH` sends into the channel's broadcast sender; every subscribed connection holds a
//! receiver, wrapped as a `Stream` (`BroadcastStream`) so that a connection subscribed to many
//! channels can merge them all with `StreamMap` (see [`crate::connection`]). A channel with no
//! subscribers left is removed, so the registry does not grow with every name ever used.

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

/// Messages a subscriber may fall behind by before it misses some.
const CHANNEL_CAPACITY: usize = 1024;

/// The channels that have subscribers.
#[derive(Default)]
pub struct PubSub {
    // A std mutex, as for the store: it is held for a map lookup, never across an `.await`.
    channels: Mutex<HashMap<Bytes, broadcast::Sender<Bytes>>>,
}

impl PubSub {
    pub fn new() -> PubSub {
        PubSub::default()
    }

    /// Sends `message` to every subscriber of `channel`; returns how many there were.
    pub fn publish(&self, channel: &[u8], message: Bytes) -> usize {
        let sender = self.lock().get(channel).cloned();
        // Sent outside the lock: a publish does not hold up subscribes to other channels.
        sender.map_or(0, |tx| tx.send(message).unwrap_or(0))
    }

    /// A stream of the messages published to `channel` from now on.
    pub fn subscribe(&self, channel: &[u8]) -> BroadcastStream<Bytes> {
        let mut channels = self.lock();
        let receiver = match channels.get(channel) {
            Some(sender) => sender.subscribe(),
            None => {
                let (sender, receiver) = broadcast::channel(CHANNEL_CAPACITY);
                channels.insert(Bytes::copy_from_slice(channel), sender);
                receiver
            }
        };
        BroadcastStream::new(receiver)
    }

    /// Called after a subscriber dropped its stream: forgets the channel if it was the last one.
    pub fn release(&self, channel: &[u8]) {
        let mut channels = self.lock();
        if channels
            .get(channel)
            .is_some_and(|tx| tx.receiver_count() == 0)
        {
            channels.remove(channel);
        }
    }

    /// The number of channels with at least one subscriber.
    pub fn channel_count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Bytes, broadcast::Sender<Bytes>>> {
        self.channels.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio_stream::StreamExt;
    use workshop::testing::within;

    #[tokio::test]
    async fn messages_reach_every_subscriber_and_empty_channels_are_forgotten() {
        within(Duration::from_secs(5), "pubsub", async {
            let hub = PubSub::new();
            assert_eq!(hub.publish(b"news", Bytes::from_static(b"lost")), 0);
            let mut first = hub.subscribe(b"news");
            let mut second = hub.subscribe(b"news");
            assert_eq!(hub.publish(b"news", Bytes::from_static(b"hello")), 2);
            let got_first = first.next().await.and_then(Result::ok);
            let got_second = second.next().await.and_then(Result::ok);
            assert_eq!(got_first.as_deref(), Some(&b"hello"[..]));
            assert_eq!(got_second.as_deref(), Some(&b"hello"[..]));
            drop(first);
            hub.release(b"news");
            assert_eq!(hub.channel_count(), 1);
            drop(second);
            hub.release(b"news");
            assert_eq!(hub.channel_count(), 0);
        })
        .await;
    }
}
