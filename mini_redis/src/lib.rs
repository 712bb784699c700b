#![doc = include_str!("../README.md")]
//!
//! # Modules, in the order a request meets them
//!
//! - [`server`]: accept loop, connection limit, graceful shutdown.
//! - [`connection`]: one client: requests in, replies out, batched; pub/sub merged with `StreamMap`.
//! - [`codec`]: bytes to requests (both dialects), replies to bytes, within size limits.
//! - [`command`]: requests to checked commands, and the error replies.
//! - [`store`]: the sharded key-value store with expiry; [`pubsub`]: channels.
//! - [`frame`]: RESP values and the line dialect's spelling of them.
//! - [`client`]: an async client library (used by `mr-client` and the tests).

pub mod client;
pub mod codec;
pub mod command;
pub mod connection;
pub mod frame;
pub mod pubsub;
pub mod server;
pub mod store;

pub use client::Client;
pub use server::{Config, Summary};
