//! Executing a command: a [`Command`] and the shared state in, a reply [`Frame`] out.
//!
//! Everything here is synchronous: no `.await`, no I/O. A command runs on its connection's task,
//! directly against the store (whose locks are held for a hash lookup, see [`crate::store`]), and
//! its reply is handed back to the connection to be written. So the same function serves every
//! dialect, and is tested without a socket.
//!
//! The commands that change the connection itself (`SUBSCRIBE`, `UNSUBSCRIBE`, `QUIT`) are not
//! here: they need the connection's state, and [`crate::connection`] answers them.

use crate::codec::Request;
use crate::command::{self, Command};
use crate::frame::Frame;
use crate::state::Shared;
use crate::store::{IncrError, Ttl};
use std::time::Duration;
use tokio::time::Instant;

/// Executes `command`, parsed from `request`. Values that outlive the request (stored,
/// published) are taken from it with [`Request::keep`].
pub fn execute(command: Command<'_>, request: &Request, shared: &Shared) -> Frame {
    let store = &shared.store;
    match command {
        Command::Get(key) => store.get(key).map_or(Frame::Null, Frame::Bulk),
        Command::Set(set) => {
            let expires_at = match set.expire.map(|d| Instant::now().checked_add(d)) {
                None => None,
                Some(Some(at)) => Some(at),
                Some(None) => return Frame::error("ERR invalid expire time in 'set' command"),
            };
            if store.set(set.key, request.keep(set.value), expires_at, set.condition) {
                Frame::ok()
            } else {
                Frame::Null
            }
        }
        Command::Del(keys) => count(keys.iter().filter(|key| store.del(key))),
        Command::Exists(keys) => count(keys.iter().filter(|key| store.exists(key))),
        Command::Incr(key) => match store.incr(key) {
            Ok(n) => Frame::Integer(n),
            Err(IncrError::NotAnInteger) => {
                Frame::error("ERR value is not an integer or out of range")
            }
            Err(IncrError::Overflow) => Frame::error("ERR increment or decrement would overflow"),
        },
        Command::Expire { key, seconds } => {
            let now = Instant::now();
            let at = match u64::try_from(seconds) {
                Err(_) => Some(now), // zero or negative: the key goes now
                Ok(secs) => now.checked_add(Duration::from_secs(secs)),
            };
            match at {
                Some(at) => Frame::Integer(i64::from(store.expire(key, at))),
                None => Frame::error("ERR invalid expire time in 'expire' command"),
            }
        }
        Command::Ttl(key) => Frame::Integer(match store.ttl(key) {
            Ttl::Missing => -2,
            Ttl::Persistent => -1,
            // Rounded to the nearest second, as Redis does.
            Ttl::ExpiresIn(left) => ((left.as_millis() + 500) / 1000) as i64,
        }),
        Command::DbSize => Frame::Integer(store.len() as i64),
        Command::Ping(None) => Frame::Simple("PONG".into()),
        Command::Ping(Some(message)) | Command::Echo(message) => Frame::Bulk(request.keep(message)),
        Command::Publish { channel, message } => {
            let receivers = shared.pubsub.publish(channel, request.keep(message));
            Frame::Integer(receivers as i64)
        }
        Command::ConfigGet(patterns) => shared.config.config_get(&patterns),
        // At start, redis-cli asks for `COMMAND DOCS` to offer hints as you type. Told that the
        // subcommand is unknown, it uses its built-in help instead (as with old Redis versions),
        // then asks for `COMMAND`, where an empty table is a valid answer.
        Command::CommandInfo(None) => Frame::Array(Vec::new()),
        Command::CommandInfo(Some(sub)) => Frame::Error(
            format!(
                "ERR unknown subcommand '{}'. mini_redis knows only COMMAND",
                command::truncated(sub)
            )
            .into(),
        ),
        // These change the connection itself: the connection answers them and never calls this.
        // Should that change, a client gets an error, not a crashed task.
        Command::Subscribe(_) | Command::Unsubscribe(_) | Command::Quit => {
            Frame::error("ERR command not available here")
        }
    }
}

fn count<I: Iterator>(matches: I) -> Frame {
    Frame::Integer(matches.count() as i64)
}
