//! Publish/subscribe: a registry of who listens to what, and one mailbox per subscribed
//! connection.
//!
//! **The channels' lifecycle.** A connection that subscribes gets a [`Subscriber`]: one unbounded
//! `mpsc` channel, its mailbox, whatever it subscribes to. Each `SUBSCRIBE news` or
//! `PSUBSCRIBE n*` puts a clone of the mailbox's sender in the registry, under the channel name or
//! the pattern. `PUBLISH news hi` looks the name up, matches every pattern against it, and drops
//! a [`Message`] in each mailbox found; the connection takes them out (`Subscriber::recv`) and
//! writes them. Unsubscribing removes the registry entry; a name or pattern left with no
//! subscriber is removed too, so the registry holds only what is subscribed now. When the
//! connection ends, dropping its `Subscriber` removes every entry it still had, whatever way it
//! ended, and the receiver with the messages still queued.
//!
//! **What a subscription costs** is what it holds: a registry entry (the name, a sender clone)
//! and a set entry in the connection's `Subscriber`, a hundred bytes or so. Messages cost their
//! bytes while they wait, and a message published to many subscribers is one shared `Bytes`.
//!
//! - *Why not one `broadcast` channel per Redis channel:* `broadcast::channel(n)` allocates its
//!   ring of `n` slots when it is created (tokio's `broadcast.rs`, `new_with_receiver_count`), so
//!   every channel name costs its full capacity before any message is sent: 1024 slots of a
//!   `Bytes` each is 56 KiB, and one `SUBSCRIBE` naming 5,000 channels held 276 MiB. A small
//!   capacity instead would make a subscriber lag, and lose messages, after a burst of a few.
//!   One `broadcast` receiver per channel also made a connection poll every one of them
//!   (`StreamMap`) each time any message arrived.
//! - *Why not a bounded `mpsc`:* its bound counts messages, and a message may hold ten bytes or
//!   sixty-four megabytes. The mailbox is bounded by bytes instead (next point), as Redis is.
//! - **A subscriber that falls behind** is never dropped from silently. As in Redis (its
//!   `client-output-buffer-limit pubsub 32mb`), once the messages waiting for it would pass
//!   `max_pubsub_buffer` bytes, the next one is not queued: the subscriber is marked
//!   *overflowed* ([`Subscriber::overflowed`]) and its connection closes, saying why in the log.
//!   The client sees the connection end and can resubscribe; it never mistakes a gap for
//!   silence.

use crate::glob::{self, Case};
use bytes::Bytes;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A published message, as one subscriber receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The pattern it matched (`pmessage`), or `None` for a channel subscribed by name.
    pub pattern: Option<Bytes>,
    pub channel: Bytes,
    pub payload: Bytes,
}

impl Message {
    /// What the message counts against the subscriber's buffer limit: its bytes as written,
    /// roughly (Redis counts the reply it queues).
    fn cost(&self) -> usize {
        const FRAMING: usize = 48; // `*4\r\n$8\r\npmessage\r\n`, the length headers, CRLFs
        let pattern = self.pattern.as_ref().map_or(0, Bytes::len);
        pattern + self.channel.len() + self.payload.len() + FRAMING
    }
}

/// Every subscription, and the numbering of subscribers.
pub struct PubSub {
    // A std mutex, as for the store: it is held for map lookups and non-blocking sends, never
    // across an `.await`.
    registry: Mutex<Registry>,
    next_id: AtomicU64,
    /// Bytes of messages that may wait for one subscriber.
    max_buffer: usize,
}

#[derive(Default)]
struct Registry {
    /// Channel name -> the mailboxes of its subscribers, by subscriber id.
    channels: HashMap<Bytes, HashMap<u64, Mailbox>>,
    /// Pattern -> the mailboxes of its subscribers, by subscriber id.
    patterns: HashMap<Bytes, HashMap<u64, Mailbox>>,
}

/// The sending side of one subscriber's mailbox, as the registry holds it.
#[derive(Clone)]
struct Mailbox {
    tx: mpsc::UnboundedSender<Message>,
    budget: Arc<Budget>,
}

/// How much is waiting in one mailbox, and whether it ever went over the limit.
struct Budget {
    queued: AtomicUsize,
    overflowed: CancellationToken,
}

/// Whether a name is a channel or a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
}

impl Registry {
    fn map(&mut self, kind: Kind) -> &mut HashMap<Bytes, HashMap<u64, Mailbox>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
        }
    }
}

impl PubSub {
    /// A registry where at most `max_buffer` bytes of messages wait for any one subscriber.
    pub fn new(max_buffer: usize) -> PubSub {
        PubSub {
            registry: Mutex::new(Registry::default()),
            next_id: AtomicU64::new(1),
            max_buffer,
        }
    }

    /// Sends `payload` to every subscriber of `channel` and of every pattern matching it;
    /// returns how many mailboxes it went to (Redis counts a client once per match).
    pub fn publish(&self, channel: &[u8], payload: Bytes) -> usize {
        let registry = self.lock();
        let mut receivers = 0;
        // Sent under the lock: an unbounded send never waits, and sending here saves collecting
        // the mailboxes into a list first on every publish.
        if let Some((name, mailboxes)) = registry.channels.get_key_value(channel) {
            let message = Message {
                pattern: None,
                channel: name.clone(),
                payload: payload.clone(),
            };
            for mailbox in mailboxes.values() {
                receivers += usize::from(self.deliver(mailbox, message.clone()));
            }
        }
        if !registry.patterns.is_empty() {
            let channel = Bytes::copy_from_slice(channel);
            for (pattern, mailboxes) in &registry.patterns {
                if glob::matches(pattern, &channel, Case::Sensitive) {
                    let message = Message {
                        pattern: Some(pattern.clone()),
                        channel: channel.clone(),
                        payload: payload.clone(),
                    };
                    for mailbox in mailboxes.values() {
                        receivers += usize::from(self.deliver(mailbox, message.clone()));
                    }
                }
            }
        }
        receivers
    }

    /// Queues `message` unless that would take the mailbox past the limit; then marks the
    /// subscriber overflowed (its connection closes) and queues nothing more for it.
    fn deliver(&self, mailbox: &Mailbox, message: Message) -> bool {
        let budget = &mailbox.budget;
        if budget.overflowed.is_cancelled() {
            return false;
        }
        let cost = message.cost();
        let queued = budget.queued.fetch_add(cost, Ordering::Relaxed) + cost;
        if queued > self.max_buffer {
            budget.queued.fetch_sub(cost, Ordering::Relaxed);
            budget.overflowed.cancel();
            return false;
        }
        // Fails only if the subscriber is gone, and then it is about to leave the registry.
        mailbox.tx.send(message).is_ok()
    }

    /// A mailbox for one connection; it subscribes through it.
    pub fn subscriber(&self) -> Subscriber<'_> {
        let (tx, rx) = mpsc::unbounded_channel();
        let budget = Arc::new(Budget {
            queued: AtomicUsize::new(0),
            overflowed: CancellationToken::new(),
        });
        Subscriber {
            pubsub: self,
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            mailbox: Mailbox { tx, budget },
            rx,
            channels: HashSet::new(),
            patterns: HashSet::new(),
        }
    }

    /// The number of channel names with at least one subscriber.
    pub fn channel_count(&self) -> usize {
        self.lock().channels.len()
    }

    /// The number of patterns with at least one subscriber.
    pub fn pattern_count(&self) -> usize {
        self.lock().patterns.len()
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One connection's subscriptions and its mailbox. Dropping it unsubscribes from everything.
pub struct Subscriber<'a> {
    pubsub: &'a PubSub,
    id: u64,
    mailbox: Mailbox,
    rx: mpsc::UnboundedReceiver<Message>,
    channels: HashSet<Bytes>,
    patterns: HashSet<Bytes>,
}

impl Subscriber<'_> {
    /// Whether this connection is subscribed to the channel name or pattern.
    pub fn is_subscribed(&self, kind: Kind, name: &[u8]) -> bool {
        match kind {
            Kind::Channel => self.channels.contains(name),
            Kind::Pattern => self.patterns.contains(name),
        }
    }

    /// Subscribes to a channel name or a pattern; `false` if it already was.
    pub fn subscribe(&mut self, kind: Kind, name: &[u8]) -> bool {
        let set = match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
        };
        if set.contains(name) {
            return false;
        }
        let name = Bytes::copy_from_slice(name);
        set.insert(name.clone());
        let mut registry = self.pubsub.lock();
        registry
            .map(kind)
            .entry(name)
            .or_default()
            .insert(self.id, self.mailbox.clone());
        true
    }

    /// Unsubscribes from a channel name or a pattern; `false` if it was not subscribed.
    pub fn unsubscribe(&mut self, kind: Kind, name: &[u8]) -> bool {
        let set = match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
        };
        if !set.remove(name) {
            return false;
        }
        let mut registry = self.pubsub.lock();
        let map = registry.map(kind);
        if let Some(mailboxes) = map.get_mut(name) {
            mailboxes.remove(&self.id);
            if mailboxes.is_empty() {
                map.remove(name);
            }
        }
        true
    }

    /// The channel names, or patterns, subscribed to now.
    pub fn names(&self, kind: Kind) -> Vec<Bytes> {
        let set = match kind {
            Kind::Channel => &self.channels,
            Kind::Pattern => &self.patterns,
        };
        set.iter().cloned().collect()
    }

    /// Channels and patterns together: what Redis' (un)subscribe replies count.
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// The next message. Cancel-safe: a message is taken out only when this returns it.
    pub async fn recv(&mut self) -> Message {
        match self.rx.recv().await {
            Some(message) => {
                self.taken(&message);
                message
            }
            // `self.mailbox` holds a sender, so the channel never closes while we wait.
            None => std::future::pending().await,
        }
    }

    /// The next message if one is waiting, without waiting.
    pub fn try_recv(&mut self) -> Option<Message> {
        let message = self.rx.try_recv().ok()?;
        self.taken(&message);
        Some(message)
    }

    fn taken(&self, message: &Message) {
        let queued = &self.mailbox.budget.queued;
        queued.fetch_sub(message.cost(), Ordering::Relaxed);
    }

    /// Bytes of messages waiting in the mailbox.
    pub fn queued(&self) -> usize {
        self.mailbox.budget.queued.load(Ordering::Relaxed)
    }

    /// Cancelled once a message could not be queued because the mailbox was full: from then
    /// on nothing more is, and the connection should close.
    pub fn overflowed(&self) -> CancellationToken {
        self.mailbox.budget.overflowed.clone()
    }
}

impl Drop for Subscriber<'_> {
    fn drop(&mut self) {
        for kind in [Kind::Channel, Kind::Pattern] {
            for name in self.names(kind) {
                self.unsubscribe(kind, &name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(
        pattern: Option<&'static [u8]>,
        channel: &'static [u8],
        payload: &'static [u8],
    ) -> Message {
        Message {
            pattern: pattern.map(Bytes::from_static),
            channel: Bytes::from_static(channel),
            payload: Bytes::from_static(payload),
        }
    }

    #[test]
    fn messages_reach_channel_and_pattern_subscribers_and_empty_entries_are_forgotten() {
        let hub = PubSub::new(1 << 20);
        assert_eq!(hub.publish(b"news", Bytes::from_static(b"lost")), 0);
        let mut first = hub.subscriber();
        let mut second = hub.subscriber();
        assert!(first.subscribe(Kind::Channel, b"news"));
        assert!(
            !first.subscribe(Kind::Channel, b"news"),
            "already subscribed"
        );
        assert!(second.subscribe(Kind::Channel, b"news"));
        assert!(second.subscribe(Kind::Pattern, b"n*s"));
        assert!(second.subscribe(Kind::Pattern, b"x*"));
        assert_eq!(second.count(), 3);
        // `second` gets it twice: by name and by pattern, as in Redis.
        assert_eq!(hub.publish(b"news", Bytes::from_static(b"hi")), 3);
        assert_eq!(first.try_recv(), Some(message(None, b"news", b"hi")));
        assert_eq!(first.try_recv(), None);
        let mut got = vec![second.try_recv(), second.try_recv()];
        got.sort_by_key(|m| m.as_ref().map(|m| m.pattern.is_some()));
        assert_eq!(
            got,
            [
                Some(message(None, b"news", b"hi")),
                Some(message(Some(b"n*s"), b"news", b"hi"))
            ]
        );
        assert_eq!(second.queued(), 0, "every byte taken out is counted off");

        assert_eq!((hub.channel_count(), hub.pattern_count()), (1, 2));
        assert!(first.unsubscribe(Kind::Channel, b"news"));
        assert!(!first.unsubscribe(Kind::Channel, b"news"));
        assert_eq!(hub.channel_count(), 1, "second still listens");
        drop(second);
        assert_eq!((hub.channel_count(), hub.pattern_count()), (0, 0));
    }

    #[test]
    fn a_subscriber_over_its_buffer_limit_is_marked_and_gets_nothing_more() {
        let hub = PubSub::new(1000);
        let mut slow = hub.subscriber();
        let mut fast = hub.subscriber();
        slow.subscribe(Kind::Channel, b"c");
        fast.subscribe(Kind::Channel, b"c");
        let payload = Bytes::from(vec![b'x'; 300]);
        // Each message costs 300 + 1 + 48 bytes: two fit in 1000, the third does not.
        for _ in 0..2 {
            assert_eq!(hub.publish(b"c", payload.clone()), 2);
            assert!(fast.try_recv().is_some());
        }
        assert!(!slow.overflowed().is_cancelled());
        assert_eq!(hub.publish(b"c", payload.clone()), 1, "only the fast one");
        assert!(slow.overflowed().is_cancelled());
        assert!(fast.try_recv().is_some());
        // Even once the slow one catches up, nothing more is queued for it: it is closing.
        assert!(slow.try_recv().is_some() && slow.try_recv().is_some());
        assert_eq!(hub.publish(b"c", Bytes::from_static(b"y")), 1);
        assert_eq!(slow.try_recv(), None);
    }
}
