//! Shared state: the key-value store, sharded, with expiring keys.
//!
//! Every connection task holds a clone of [`Store`] (an `Arc` inside) and calls it directly: there
//! is no "store task" to message. In Python's asyncio one thread runs everything, so a plain dict
//! is safe; here connections may run on several worker threads at once (one per core but one, or
//! `--threads`), so the map is behind locks. Even with one worker the compiler insists: spawned
//! tasks must be `Send`, because the multi-thread runtime may move them between threads.
//!
//! Why `std::sync::Mutex` and not `tokio::sync::Mutex`: every critical section here is a hash
//! lookup, never an `.await`, so the lock is held for well under a microsecond. A std mutex is the
//! cheaper tool for that; tokio's is for locks that must be held *across* an `.await`, and pays
//! for it on every lock. Clippy's `await_holding_lock` (denied in this workspace) makes sure no
//! guard ever lives across an `.await`, which is what would make a std mutex dangerous.
//!
//! The map is split into shards, each with its own lock, so that two connections writing
//! different keys rarely wait for each other.
//!
//! **Several keys at once.** The commands are written once, in the [`Keyspace`] trait, against
//! "the shard that holds this key". `&Store` locks that shard for each step; [`AllShards`] has
//! locked every shard first, so nothing else runs in between: a transaction's `EXEC`, `MSET`, and
//! `FLUSHDB` run on it, and no other client's command can land in the middle. (Why not one global
//! `RwLock` that every command reads: every command on every core would then write to the same
//! lock word. Locking all the shards costs only the rare command that needs it.)
//!
//! Expiry uses `tokio::time::Instant`: on a paused test clock, `tokio::time::advance` expires keys
//! without waiting. A key is checked on every read (an expired key is never returned), and a
//! background task ([`purge_expired_keys`]) removes expired keys nobody reads any more.

use crate::glob::{self, Case};
use bytes::Bytes;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The number of shards: a power of two, see [`scan_position`].
const SHARD_BITS: u32 = 5;
const SHARDS: usize = 1 << SHARD_BITS;

/// A handle to the store. Cloning it is cheap: all clones share one store.
#[derive(Clone, Default)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    shards: [Shard; SHARDS],
    /// Wakes the purge task when a key gets an expiry earlier than any it knew of.
    earlier_expiry: Notify,
}

/// One shard: a lock and what it guards.
///
/// Not padded to a cache line of its own: two cores locking neighbouring shards could share a
/// line ("false sharing"), but `make bench-redis` showed no mode where padding was worth 5%; the
/// kernel's socket work dominates every request.
#[derive(Default)]
struct Shard(Mutex<ShardData>);

/// What one shard's lock guards. Opaque: reached through [`Keyspace::with_shard`].
#[derive(Default)]
pub struct ShardData {
    entries: HashMap<Bytes, Entry>,
    /// Keys with an expiry, soonest first: the purge task pops from the front.
    expirations: BTreeSet<(Instant, Bytes)>,
}

struct Entry {
    value: Bytes,
    expires_at: Option<Instant>,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        self.is_live_by(|| now)
    }

    /// `is_live`, reading the clock only for a key that has an expiry: most keys have none, and
    /// a clock read on every GET cost 4% of the server's CPU under pipelined GETs (perf).
    fn is_live_by(&self, now: impl FnOnce() -> Instant) -> bool {
        self.expires_at.is_none_or(|at| at > now())
    }
}

/// `TTL` of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ttl {
    /// No such key (Redis: -2).
    Missing,
    /// The key never expires (Redis: -1).
    Persistent,
    /// Time left.
    ExpiresIn(Duration),
}

/// When `SET` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    Always,
    /// `NX`: only if the key does not exist.
    IfAbsent,
    /// `XX`: only if the key exists.
    IfPresent,
}

/// Why `INCR` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncrError {
    NotAnInteger,
    Overflow,
}

/// The store, seen by a command: one shard locked per step (`&Store`), or all of them held at
/// once ([`AllShards`]). Each command is written once, here, whichever it runs on.
pub trait Keyspace {
    /// Runs `f` on the shard holding `key`, locked.
    fn with_shard<R>(&mut self, key: &[u8], f: impl FnOnce(&mut ShardData) -> R) -> R;

    /// Runs `f` on each shard from number `first` on, in order, each locked while `f` runs,
    /// until `f` says to stop.
    fn each_shard(&mut self, first: usize, f: impl FnMut(&mut ShardData) -> Keep);

    /// Runs `f` with every shard locked: no other client's command runs until it returns.
    fn atomically<R>(&mut self, f: impl FnOnce(&mut AllShards<'_>) -> R) -> R;

    /// Called after a key got an expiry (see [`Store::expiry_scheduled`]).
    fn expiry_scheduled(&self, at: Instant, shard_earliest_before: Option<Instant>);

    /// The value of a live key.
    fn get(&mut self, key: &[u8]) -> Option<Bytes> {
        self.with_shard(key, |shard| {
            let entry = shard.entries.get(key)?;
            if entry.is_live_by(Instant::now) {
                return Some(entry.value.clone());
            }
            shard.remove(key);
            None
        })
    }

    /// Sets a key, replacing its value and its expiry, if `condition` holds; returns whether it
    /// was set.
    fn set(
        &mut self,
        key: &[u8],
        value: Bytes,
        expires_at: Option<Instant>,
        condition: Condition,
    ) -> bool {
        let done = self.with_shard(key, |shard| {
            let holds = match condition {
                Condition::Always => true,
                Condition::IfAbsent => shard.live(key, Instant::now()).is_none(),
                Condition::IfPresent => shard.live(key, Instant::now()).is_some(),
            };
            if !holds {
                return None;
            }
            let earliest = shard.expirations.first().map(|(at, _)| *at);
            let old = match shard.entries.get_mut(key) {
                Some(entry) => {
                    entry.value = value;
                    std::mem::replace(&mut entry.expires_at, expires_at)
                }
                None => {
                    let entry = Entry { value, expires_at };
                    shard.entries.insert(Bytes::copy_from_slice(key), entry);
                    None
                }
            };
            shard.move_expiry(key, old, expires_at);
            Some(earliest)
        });
        match (done, expires_at) {
            (None, _) => false,
            (Some(earliest), Some(at)) => {
                self.expiry_scheduled(at, earliest);
                true
            }
            (Some(_), None) => true,
        }
    }

    /// Removes a key. Returns whether a live key was removed.
    fn del(&mut self, key: &[u8]) -> bool {
        let now = Instant::now();
        self.with_shard(key, |shard| {
            let live = shard.live(key, now).is_some();
            shard.remove(key);
            live
        })
    }

    fn exists(&mut self, key: &[u8]) -> bool {
        let now = Instant::now();
        self.with_shard(key, |shard| shard.live(key, now).is_some())
    }

    /// Adds `delta` to an integer value (a missing key counts as 0), keeping the key's expiry,
    /// at the instant `now`. The clock is read once, by the caller: read twice, a key expiring
    /// between the reads would be counted as live, then replaced as expired, ending with the old
    /// value + 1 and no expiry.
    fn incr_by_at(&mut self, key: &[u8], delta: i64, now: Instant) -> Result<i64, IncrError> {
        self.with_shard(key, |shard| {
            let current = match shard.live(key, now) {
                Some(entry) => {
                    crate::frame::parse_i64(&entry.value).ok_or(IncrError::NotAnInteger)?
                }
                None => 0,
            };
            let next = current.checked_add(delta).ok_or(IncrError::Overflow)?;
            let value = Bytes::from(next.to_string());
            match shard.entries.get_mut(key) {
                Some(entry) if entry.is_live(now) => entry.value = value,
                _ => {
                    shard.remove(key);
                    let key = Bytes::copy_from_slice(key);
                    let entry = Entry {
                        value,
                        expires_at: None,
                    };
                    shard.entries.insert(key, entry);
                }
            }
            Ok(next)
        })
    }

    /// Gives a live key an expiry. Returns whether the key exists. A deadline already passed
    /// removes the key, as Redis does for `EXPIRE key 0`.
    fn expire(&mut self, key: &[u8], at: Instant) -> bool {
        let now = Instant::now();
        let done = self.with_shard(key, |shard| {
            shard.live(key, now)?;
            if at <= now {
                shard.remove(key);
                return Some(None);
            }
            let earliest = shard.expirations.first().map(|(at, _)| *at);
            let entry = shard.entries.get_mut(key)?;
            let old = entry.expires_at.replace(at);
            shard.move_expiry(key, old, Some(at));
            Some(Some(earliest))
        });
        match done {
            None => false,
            Some(None) => true,
            Some(Some(earliest)) => {
                self.expiry_scheduled(at, earliest);
                true
            }
        }
    }

    /// Removes a live key's expiry. Returns whether it had one.
    fn persist(&mut self, key: &[u8]) -> bool {
        let now = Instant::now();
        self.with_shard(key, |shard| {
            let Some(at) = shard.live(key, now).and_then(|entry| entry.expires_at) else {
                return false;
            };
            shard.move_expiry(key, Some(at), None);
            if let Some(entry) = shard.entries.get_mut(key) {
                entry.expires_at = None;
            }
            true
        })
    }

    fn ttl(&mut self, key: &[u8]) -> Ttl {
        let now = Instant::now();
        self.with_shard(key, |shard| {
            match shard.live(key, now).map(|entry| entry.expires_at) {
                None => Ttl::Missing,
                Some(None) => Ttl::Persistent,
                Some(Some(at)) => Ttl::ExpiresIn(at - now),
            }
        })
    }

    /// The number of keys, and of those with an expiry, counting expired keys the purge task
    /// has not removed yet (as Redis' `DBSIZE` and `INFO keyspace` do).
    fn counts(&mut self) -> (usize, usize) {
        let (mut keys, mut expires) = (0, 0);
        self.each_shard(0, |shard| {
            keys += shard.entries.len();
            expires += shard.expirations.len();
            Keep::Going
        });
        (keys, expires)
    }

    /// Removes every key (`FLUSHDB`), all at once.
    fn flush(&mut self) {
        self.atomically(|all| {
            all.each_shard(0, |shard| {
                *shard = ShardData::default();
                Keep::Going
            });
        });
    }

    /// The live keys matching a glob `pattern` (`KEYS`), in no particular order.
    fn keys(&mut self, pattern: &[u8]) -> Vec<Bytes> {
        let now = Instant::now();
        let mut found = Vec::new();
        self.each_shard(0, |shard| {
            let matching = shard.entries.iter().filter(|(key, entry)| {
                entry.is_live(now) && glob::matches(pattern, key, Case::Sensitive)
            });
            found.extend(matching.map(|(key, _)| key.clone()));
            Keep::Going
        });
        found
    }

    /// One step of `SCAN`: about `count` live keys from `cursor` on, and the cursor to continue
    /// from (0 when the scan is complete).
    ///
    /// Every key has a fixed place in the scan, [`scan_position`]: the cursor is the place to go
    /// on from, and each step returns the keys from there on, in order of place. A key present
    /// from the first step to the last is returned exactly once (twice at most if it is deleted
    /// and set again), however the shards' hash tables grow or shrink meanwhile. Keys sharing a
    /// place (a 64-bit hash collision) come in the same step, so `count` may be exceeded.
    ///
    /// Finding a step's keys reads the whole of the shard the cursor is in: a full scan with a
    /// small `count` costs about keys² / (32 × count) key reads. `KEYS` reads each key once.
    fn scan(&mut self, cursor: u64, count: usize) -> (u64, Vec<Bytes>) {
        let now = Instant::now();
        let count = count.max(1);
        let mut found: Vec<Bytes> = Vec::new();
        let mut last: Option<u64> = None;
        let first = (cursor >> (64 - SHARD_BITS)) as usize;
        self.each_shard(first, |shard| {
            let mut here: Vec<(u64, &Bytes)> = shard
                .entries
                .iter()
                .filter(|(_, entry)| entry.is_live(now))
                .map(|(key, _)| (scan_position(key), key))
                .filter(|&(place, _)| place >= cursor)
                .collect();
            here.sort_unstable_by_key(|&(place, _)| place);
            for (place, key) in here {
                if found.len() >= count && last != Some(place) {
                    return Keep::Stop;
                }
                found.push(key.clone());
                last = Some(place);
            }
            Keep::Going
        });
        // Full: go on after the last place returned. (At the very last place there is no
        // after: the scan is complete.)
        let next = match last {
            Some(place) if found.len() >= count => place.checked_add(1).unwrap_or(0),
            _ => 0,
        };
        (next, found)
    }
}

/// Whether [`Keyspace::each_shard`] goes on to the next shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    Going,
    Stop,
}

/// A key's place in a `SCAN`: its shard number in the top bits, the rest of its hash below.
/// Ordering keys by it visits the shards one after another, and within a shard follows an order
/// that does not depend on the hash table's layout, so inserts and deletes never move a key
/// before the cursor.
fn scan_position(key: &[u8]) -> u64 {
    // The shard is the hash's low SHARD_BITS bits; rotating puts them on top.
    key_hash(key).rotate_right(SHARD_BITS)
}

/// Every shard of a store, locked, in shard order (the one order every caller uses, so two of
/// these never deadlock). Made by [`Keyspace::atomically`]. The locks are released when it is
/// dropped; never hold it across an `.await`.
pub struct AllShards<'a> {
    store: &'a Store,
    shards: Vec<MutexGuard<'a, ShardData>>,
}

impl Keyspace for AllShards<'_> {
    fn with_shard<R>(&mut self, key: &[u8], f: impl FnOnce(&mut ShardData) -> R) -> R {
        f(&mut self.shards[shard_of(key)])
    }

    fn each_shard(&mut self, first: usize, mut f: impl FnMut(&mut ShardData) -> Keep) {
        for shard in self.shards.iter_mut().skip(first) {
            if f(shard) == Keep::Stop {
                break;
            }
        }
    }

    fn atomically<R>(&mut self, f: impl FnOnce(&mut AllShards<'_>) -> R) -> R {
        f(self)
    }

    fn expiry_scheduled(&self, at: Instant, shard_earliest_before: Option<Instant>) {
        self.store.expiry_scheduled(at, shard_earliest_before);
    }
}

/// The shared store, one shard locked at a time, for one step of a command.
impl Keyspace for &Store {
    fn with_shard<R>(&mut self, key: &[u8], f: impl FnOnce(&mut ShardData) -> R) -> R {
        f(&mut self.shard(key))
    }

    fn each_shard(&mut self, first: usize, mut f: impl FnMut(&mut ShardData) -> Keep) {
        for shard in self.inner.shards.iter().skip(first) {
            let mut shard = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
            if f(&mut shard) == Keep::Stop {
                break;
            }
        }
    }

    fn atomically<R>(&mut self, f: impl FnOnce(&mut AllShards<'_>) -> R) -> R {
        f(&mut self.lock_all())
    }

    fn expiry_scheduled(&self, at: Instant, shard_earliest_before: Option<Instant>) {
        Store::expiry_scheduled(self, at, shard_earliest_before);
    }
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    fn shard(&self, key: &[u8]) -> MutexGuard<'_, ShardData> {
        let index = shard_of(key);
        // A poisoned lock means a thread panicked while holding it; the map itself is still
        // consistent (no operation here leaves it half-updated), so keep serving.
        self.inner.shards[index]
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Every shard, locked (see [`AllShards`]).
    pub fn lock_all(&self) -> AllShards<'_> {
        let shards = self
            .inner
            .shards
            .iter()
            .map(|shard| shard.0.lock().unwrap_or_else(PoisonError::into_inner))
            .collect();
        AllShards {
            store: self,
            shards,
        }
    }

    // The commands, one shard locked per step: [`Keyspace`] on `&Store`, callable on a `Store`.

    /// [`Keyspace::get`].
    pub fn get(&self, key: &[u8]) -> Option<Bytes> {
        Keyspace::get(&mut { self }, key)
    }

    /// [`Keyspace::set`].
    pub fn set(
        &self,
        key: &[u8],
        value: Bytes,
        expires_at: Option<Instant>,
        condition: Condition,
    ) -> bool {
        Keyspace::set(&mut { self }, key, value, expires_at, condition)
    }

    /// [`Keyspace::del`].
    pub fn del(&self, key: &[u8]) -> bool {
        Keyspace::del(&mut { self }, key)
    }

    /// [`Keyspace::exists`].
    pub fn exists(&self, key: &[u8]) -> bool {
        Keyspace::exists(&mut { self }, key)
    }

    /// Adds one to an integer value, now: [`Keyspace::incr_by_at`].
    pub fn incr(&self, key: &[u8]) -> Result<i64, IncrError> {
        self.incr_at(key, Instant::now())
    }

    /// Adds one to an integer value at the instant `now`: [`Keyspace::incr_by_at`].
    pub fn incr_at(&self, key: &[u8], now: Instant) -> Result<i64, IncrError> {
        Keyspace::incr_by_at(&mut { self }, key, 1, now)
    }

    /// [`Keyspace::expire`].
    pub fn expire(&self, key: &[u8], at: Instant) -> bool {
        Keyspace::expire(&mut { self }, key, at)
    }

    /// [`Keyspace::ttl`].
    pub fn ttl(&self, key: &[u8]) -> Ttl {
        Keyspace::ttl(&mut { self }, key)
    }

    /// The number of keys, counting expired keys the purge task has not removed yet (as Redis'
    /// `DBSIZE` does).
    pub fn len(&self) -> usize {
        Keyspace::counts(&mut { self }).0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes keys that expired by `now`, at most `budget` per shard; returns how many were
    /// removed, and the next expiry still pending. The budget bounds how long a lock is held
    /// when many keys expire at once.
    pub fn purge_expired(&self, now: Instant, budget: usize) -> (usize, Option<Instant>) {
        let mut removed = 0;
        let mut next: Option<Instant> = None;
        for shard in &self.inner.shards {
            let mut shard = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
            for _ in 0..budget {
                match shard.expirations.first() {
                    Some((at, _)) if *at <= now => {
                        if let Some((_, key)) = shard.expirations.pop_first() {
                            shard.entries.remove(&key);
                            removed += 1;
                        }
                    }
                    _ => break,
                }
            }
            if let Some((at, _)) = shard.expirations.first() {
                next = Some(next.map_or(*at, |n| n.min(*at)));
            }
        }
        (removed, next)
    }

    /// Called after a key got an expiry: if it is the soonest of its shard, the purge task may be
    /// sleeping until a later one; wake it to recompute.
    fn expiry_scheduled(&self, at: Instant, shard_earliest_before: Option<Instant>) {
        if shard_earliest_before.is_none_or(|earliest| at < earliest) {
            self.inner.earlier_expiry.notify_one();
        }
    }
}

impl ShardData {
    /// The entry of a key that has not expired by `now`.
    fn live(&self, key: &[u8], now: Instant) -> Option<&Entry> {
        self.entries.get(key).filter(|e| e.is_live(now))
    }

    fn remove(&mut self, key: &[u8]) {
        if let Some((key, entry)) = self.entries.remove_entry(key)
            && let Some(at) = entry.expires_at
        {
            self.expirations.remove(&(at, key));
        }
    }

    /// Keeps `expirations` in step with a key's expiry changing from `old` to `new`.
    fn move_expiry(&mut self, key: &[u8], old: Option<Instant>, new: Option<Instant>) {
        if old == new {
            return;
        }
        // The index holds the map's own copy of the key (a reference count, not a copy).
        let Some(key) = self.entries.get_key_value(key).map(|(k, _)| k.clone()) else {
            return;
        };
        if let Some(at) = old {
            self.expirations.remove(&(at, key.clone()));
        }
        if let Some(at) = new {
            self.expirations.insert((at, key));
        }
    }
}

/// Which shard a key lives in: FNV-1a, a simple, fast hash. Inside a shard the `HashMap` still
/// uses std's keyed SipHash, so a client choosing keys that collide can at worst crowd one shard's
/// lock, never slow down the map itself.
fn shard_of(key: &[u8]) -> usize {
    (key_hash(key) % SHARDS as u64) as usize
}

fn key_hash(key: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in key {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Removes expired keys in the background until `shutdown` is cancelled.
///
/// It sleeps until the soonest expiry (or until a sooner one is set), never on a fixed tick: an
/// idle server does no work, and on a paused test clock the purge happens exactly on time.
pub async fn purge_expired_keys(store: Store, shutdown: CancellationToken) {
    const BUDGET: usize = 1000;
    loop {
        let (removed, next) = store.purge_expired(Instant::now(), BUDGET);
        if removed > 0 {
            tracing::debug!(removed, "purged expired keys");
        }
        if removed >= BUDGET {
            // More may be waiting: let other tasks run, then carry on.
            tokio::task::yield_now().await;
            continue;
        }
        let sleep = async {
            match next {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = store.inner.earlier_expiry.notified() => {}
            () = sleep => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use workshop::testing::within;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn in_secs(s: u64) -> Option<Instant> {
        Some(Instant::now() + Duration::from_secs(s))
    }

    #[tokio::test(start_paused = true)]
    async fn keys_expire_on_read_at_their_deadline() {
        within(Duration::from_secs(60), "expiry on read", async {
            let store = Store::new();
            assert!(store.set(b"k", b("v"), in_secs(10), Condition::Always));
            assert!(store.set(b"forever", b("v"), None, Condition::Always));
            tokio::time::advance(Duration::from_millis(9_999)).await;
            assert_eq!(store.get(b"k"), Some(b("v")));
            assert_eq!(store.ttl(b"k"), Ttl::ExpiresIn(Duration::from_millis(1)));
            assert_eq!(store.ttl(b"forever"), Ttl::Persistent);
            tokio::time::advance(Duration::from_millis(1)).await;
            assert_eq!(store.get(b"k"), None);
            assert_eq!(store.ttl(b"k"), Ttl::Missing);
            assert!(!store.exists(b"k"));
            assert_eq!(store.get(b"forever"), Some(b("v")));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_purge_task_removes_keys_nobody_reads_exactly_on_time() {
        within(Duration::from_secs(60), "purge", async {
            let store = Store::new();
            let shutdown = CancellationToken::new();
            let purger = tokio::spawn(purge_expired_keys(store.clone(), shutdown.clone()));
            store.set(b"late", b("v"), in_secs(20), Condition::Always);
            store.set(b"keep", b("v"), None, Condition::Always);
            tokio::task::yield_now().await;
            // Set after the purge task went to sleep until t=20: it must wake for t=5.
            store.set(b"soon", b("v"), in_secs(5), Condition::Always);
            let start = Instant::now();
            let mut sizes = Vec::new();
            for _ in 0..4 {
                tokio::time::sleep(Duration::from_secs(5)).await;
                tokio::task::yield_now().await;
                sizes.push((start.elapsed().as_secs(), store.len()));
            }
            assert_eq!(sizes, vec![(5, 2), (10, 2), (15, 2), (20, 1)]);
            shutdown.cancel();
            purger.await.expect("purge task ends on shutdown");
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn set_replaces_the_expiry_and_conditions_are_honoured() {
        within(Duration::from_secs(60), "set", async {
            let store = Store::new();
            store.set(b"k", b("1"), in_secs(1), Condition::Always);
            store.set(b"k", b("2"), None, Condition::Always); // a plain SET clears the expiry
            tokio::time::advance(Duration::from_secs(2)).await;
            assert_eq!(store.get(b"k"), Some(b("2")));
            assert_eq!(store.purge_expired(Instant::now(), 10), (0, None));
            assert!(!store.set(b"k", b("3"), None, Condition::IfAbsent)); // NX on an existing key
            assert!(!store.set(b"new", b("3"), None, Condition::IfPresent)); // XX on a missing key
            assert!(store.set(b"k", b("4"), None, Condition::IfPresent));
            assert_eq!(store.get(b"k"), Some(b("4")));
            assert_eq!(store.get(b"new"), None);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn incr_and_expire() {
        within(Duration::from_secs(60), "incr", async {
            let store = Store::new();
            assert_eq!(store.incr(b"n"), Ok(1));
            assert_eq!(store.incr(b"n"), Ok(2));
            assert!(store.expire(b"n", Instant::now() + Duration::from_secs(3)));
            assert_eq!(store.incr(b"n"), Ok(3)); // INCR keeps the expiry
            tokio::time::advance(Duration::from_secs(3)).await;
            assert_eq!(store.incr(b"n"), Ok(1)); // expired: starts again from 0
            assert_eq!(store.ttl(b"n"), Ttl::Persistent);
            store.set(b"s", b("abc"), None, Condition::Always);
            assert_eq!(store.incr(b"s"), Err(IncrError::NotAnInteger));
            store.set(b"max", b(&i64::MAX.to_string()), None, Condition::Always);
            assert_eq!(store.incr(b"max"), Err(IncrError::Overflow));
            assert!(!store.expire(b"missing", Instant::now()));
            assert!(store.expire(b"s", Instant::now())); // a deadline already passed deletes
            assert!(!store.exists(b"s"));
            assert!(store.del(b"max"));
            assert!(!store.del(b"max"));
        })
        .await;
    }

    /// INCR decides once whether the key is live: at the instant it is given, even if the clock
    /// has moved past the key's expiry since.
    #[tokio::test(start_paused = true)]
    async fn incr_reads_the_clock_once() {
        within(Duration::from_secs(60), "incr at an instant", async {
            let store = Store::new();
            let start = Instant::now();
            store.set(b"n", b("41"), in_secs(3), Condition::Always);
            tokio::time::advance(Duration::from_secs(5)).await; // the clock is past the expiry
            let before_expiry = start + Duration::from_millis(2_999);
            assert_eq!(store.incr_at(b"n", before_expiry), Ok(42));
            // The key kept its expiry: a purge at the expiry removes it.
            assert_eq!(store.purge_expired(start + Duration::from_secs(3), 10).0, 1);
            assert_eq!(store.len(), 0);
        })
        .await;
    }

    /// While an `AllShards` lives, every shard is locked: no other command can run.
    #[test]
    fn all_shards_holds_every_lock_until_dropped() {
        let store = Store::new();
        let all = store.lock_all();
        let free = |store: &Store| {
            store
                .inner
                .shards
                .iter()
                .filter(|shard| shard.0.try_lock().is_ok())
                .count()
        };
        assert_eq!(free(&store), 0, "a shard was left unlocked");
        drop(all);
        assert_eq!(free(&store), SHARDS);
    }

    /// A scan visits every key present throughout it exactly once, whatever is inserted and
    /// deleted (and however the shards' tables grow) between its steps.
    #[tokio::test(start_paused = true)]
    async fn scan_returns_every_key_once_despite_inserts_and_deletes() {
        within(Duration::from_secs(60), "scan", async {
            let store = Store::new();
            let mut keys: Vec<Bytes> = (0..2000).map(|i| b(&format!("key{i}"))).collect();
            for key in &keys {
                store.set(key, b("v"), None, Condition::Always);
            }
            let (mut cursor, mut seen, mut step) = (0, Vec::new(), 0);
            loop {
                assert!(step < 10_000, "the scan never ended");
                let (next, batch) = Keyspace::scan(&mut &store, cursor, 5);
                seen.extend(batch.into_iter().filter(|k| !k.starts_with(b"new")));
                for i in 0..2 {
                    store.set(
                        &b(&format!("new{step}-{i}")),
                        b("v"),
                        None,
                        Condition::Always,
                    );
                }
                store.del(&b(&format!("new{}-0", step / 2)));
                step += 1;
                if next == 0 {
                    break;
                }
                assert!(next > cursor, "the cursor goes forward");
                cursor = next;
            }
            seen.sort();
            keys.sort();
            assert_eq!(seen, keys);
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn persist_incr_by_and_flush() {
        within(Duration::from_secs(60), "persist", async {
            let store = Store::new();
            store.set(b"k", b("5"), in_secs(10), Condition::Always);
            assert!(Keyspace::persist(&mut &store, b"k"));
            assert!(!Keyspace::persist(&mut &store, b"k"));
            tokio::time::advance(Duration::from_secs(11)).await;
            assert_eq!(store.ttl(b"k"), Ttl::Persistent);
            assert_eq!(store.purge_expired(Instant::now(), 10), (0, None));
            let now = Instant::now();
            assert_eq!(Keyspace::incr_by_at(&mut &store, b"k", -7, now), Ok(-2));
            assert_eq!(
                Keyspace::incr_by_at(&mut &store, b"k", i64::MIN, now),
                Err(IncrError::Overflow)
            );
            store.set(b"e", b("v"), in_secs(5), Condition::Always);
            assert_eq!(Keyspace::counts(&mut &store), (2, 1));
            Keyspace::flush(&mut &store);
            assert_eq!(Keyspace::counts(&mut &store), (0, 0));
        })
        .await;
    }
}
