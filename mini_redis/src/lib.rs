#![doc = include_str!("../README.md")]
//!
//! # Modules, in the order a request meets them
//!
//! - [`server`]: accept loop, connection limit, graceful shutdown.
//! - [`connection`]: one client: requests in, replies out, batched; pub/sub messages in between.
//! - [`transport`]: the socket as a stream of requests and a sink of replies: buffers that shrink
//!   back, large values written without a copy, the write deadline.
//! - [`codec`]: bytes to requests (both dialects), replies to bytes, within size limits.
//! - [`command`]: requests to checked commands (the table of commands), and the error replies.
//! - [`execute`]: a command and the shared state in, a reply out; no I/O.
//! - [`state`]: what every connection shares: [`store`], the sharded key-value store with expiry;
//!   [`pubsub`], the channels; [`config`], the settings (and the parsing of size flags).
//! - [`glob`]: Redis-style glob patterns, in linear time.
//! - [`frame`]: RESP values and the line dialect's spelling of them.
//! - [`client`]: an async client library (used by `mr-client` and the tests).

pub mod client;
pub mod codec;
pub mod command;
pub mod config;
pub mod conformance;
pub mod connection;
pub mod execute;
pub mod frame;
pub mod glob;
pub mod pubsub;
pub mod server;
pub mod state;
pub mod store;
pub mod transaction;
pub mod transport;

pub use client::Client;
pub use config::Config;
pub use server::Summary;
