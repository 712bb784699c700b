//! What every connection shares: the store, the pub/sub channels, and the configuration.

use crate::config::Config;
use crate::pubsub::PubSub;
use crate::store::Store;

/// What every connection shares. Each part does its own locking; this struct itself is only
/// ever read, so the server shares it as a plain `Arc<Shared>`.
pub struct Shared {
    pub store: Store,
    pub pubsub: PubSub,
    pub config: Config,
}

impl Shared {
    pub fn new(config: Config) -> Shared {
        Shared {
            store: Store::new(),
            pubsub: PubSub::new(config.max_pubsub_buffer),
            config,
        }
    }
}
