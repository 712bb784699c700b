//! What every connection shares: the store, the pub/sub channels, and the configuration.

use crate::config::Config;
use crate::pubsub::PubSub;
use crate::store::Store;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::time::Instant;

/// What every connection shares. Each part does its own locking; this struct itself is only
/// ever read, so the server shares it as a plain `Arc<Shared>`.
pub struct Shared {
    pub store: Store,
    pub pubsub: PubSub,
    pub config: Config,
    /// When the server started, for `INFO`'s uptime.
    pub started: Instant,
    /// The port the server listens on, for `INFO`'s `tcp_port` (set by [`crate::server::run`]).
    port: AtomicU16,
    /// Connections open now, for `INFO`'s `connected_clients`.
    clients: AtomicUsize,
}

impl Shared {
    pub fn new(config: Config) -> Shared {
        Shared {
            store: Store::new(),
            pubsub: PubSub::new(config.max_pubsub_buffer),
            config,
            started: Instant::now(),
            port: AtomicU16::new(0),
            clients: AtomicUsize::new(0),
        }
    }

    pub fn port(&self) -> u16 {
        self.port.load(Ordering::Relaxed)
    }

    pub fn set_port(&self, port: u16) {
        self.port.store(port, Ordering::Relaxed);
    }

    pub fn connected_clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    /// Counts a connection in `connected_clients` until the returned guard is dropped.
    pub fn client_connected(&self) -> ClientCount<'_> {
        self.clients.fetch_add(1, Ordering::Relaxed);
        ClientCount(&self.clients)
    }
}

/// One open connection, counted while it lives (see [`Shared::client_connected`]).
pub struct ClientCount<'a>(&'a AtomicUsize);

impl Drop for ClientCount<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
