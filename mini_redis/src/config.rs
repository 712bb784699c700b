//! What the server allows and how long it waits: [`Config`], and the parsing of size flags.
//!
//! The command line (`src/main.rs`) fills a `Config`; the server and every connection read it and
//! never change it.

use crate::codec::Limits;
use crate::frame::Frame;
use crate::glob::{self, Case};
use bytes::Bytes;
use std::ops::RangeInclusive;
use std::time::Duration;

/// What each flag accepts (`src/main.rs` checks them, the README's flag table lists them). The
/// bounds keep every setting one the server can honour: no connection limit that refuses
/// everyone or overflows a `Semaphore`, no line too short to hold `GET key`.
pub mod ranges {
    use std::ops::RangeInclusive;

    /// `--max-line`, in bytes: 64 to 1 GiB.
    pub const MAX_LINE: RangeInclusive<usize> = 64..=1 << 30;
    /// `--max-bulk`, in bytes: 1 KiB to 1 GiB.
    pub const MAX_BULK: RangeInclusive<usize> = 1 << 10..=1 << 30;
    /// `--max-connections`: 1 to a million.
    pub const MAX_CONNECTIONS: RangeInclusive<u64> = 1..=1_000_000;
    /// `--idle-timeout`, in seconds (0: never): up to a day.
    pub const IDLE_TIMEOUT: RangeInclusive<u64> = 0..=86_400;
    /// `--shutdown-timeout`, in seconds: up to an hour.
    pub const SHUTDOWN_TIMEOUT: RangeInclusive<u64> = 0..=3_600;
    /// `--threads` (0: one per core but one): up to 1024.
    pub const THREADS: RangeInclusive<u64> = 0..=1_024;
    /// `--write-timeout`, in seconds (0: never): up to a day.
    pub const WRITE_TIMEOUT: RangeInclusive<u64> = 0..=86_400;
    /// `--max-subscriptions`, channels and patterns of one connection: 1 to a million.
    pub const MAX_SUBSCRIPTIONS: RangeInclusive<u64> = 1..=1_000_000;
    /// `--max-pubsub-buffer`, in bytes: 64 KiB to 1 GiB.
    pub const MAX_PUBSUB_BUFFER: RangeInclusive<usize> = 64 << 10..=1 << 30;
}

/// What the server allows and how long it waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Longest text line and largest RESP command.
    pub limits: Limits,
    /// Clients served at once; one more is told so and disconnected.
    pub max_connections: usize,
    /// Clients over `max_connections` being told so at once, each by a task of its own; past
    /// this, the accept loop refuses them itself, without waiting (see [`crate::server`]).
    pub max_pending_rejections: usize,
    /// Close a connection that sent nothing for this long (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// How long shutdown waits for open connections to finish.
    pub shutdown_timeout: Duration,
    /// Close a connection that accepts no byte of its replies for this long (`None`: never).
    pub write_timeout: Option<Duration>,
    /// Channels and patterns one connection may be subscribed to at once.
    pub max_subscriptions: usize,
    /// Bytes of published messages that may wait for one subscriber; past it, the subscriber is
    /// disconnected (Redis' `client-output-buffer-limit pubsub 32mb`).
    pub max_pubsub_buffer: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            max_connections: 10_000,
            max_pending_rejections: 64,
            idle_timeout: None,
            shutdown_timeout: Duration::from_secs(5),
            write_timeout: Some(Duration::from_secs(60)),
            max_subscriptions: 10_000,
            max_pubsub_buffer: 32 << 20,
        }
    }
}

impl Config {
    /// `CONFIG GET pattern…`: the settings redis-benchmark and redis-cli ask about, as name/value
    /// pairs. Patterns are globs ([`crate::glob`]), matched regardless of case, as in Redis.
    pub fn config_get(&self, patterns: &[&[u8]]) -> Frame {
        let timeout = self.idle_timeout.map_or(0, |d| d.as_secs());
        let settings = [
            ("appendonly", "no".to_string()),
            ("databases", "1".to_string()),
            ("maxclients", self.max_connections.to_string()),
            ("proto-max-bulk-len", self.limits.max_bulk.to_string()),
            ("save", String::new()),
            ("timeout", timeout.to_string()),
        ];
        let mut pairs = Vec::new();
        for (name, value) in settings {
            if patterns
                .iter()
                .any(|p| glob::matches(p, name.as_bytes(), Case::Insensitive))
            {
                pairs.push(Frame::bulk_static(name.as_bytes()));
                pairs.push(Frame::Bulk(Bytes::from(value)));
            }
        }
        Frame::Array(pairs)
    }
}

/// A size in bytes for the command line: `4096`, `512k`, `64m` (binary units: k = 1024).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let (digits, unit) = match lower.trim_end_matches(['b', 'i']).char_indices().last() {
        Some((i, 'k')) => (&lower[..i], 1024),
        Some((i, 'm')) => (&lower[..i], 1024 * 1024),
        Some((i, 'g')) => (&lower[..i], 1024 * 1024 * 1024),
        _ => (lower.as_str(), 1),
    };
    digits
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{text:?} is not a size (examples: 4096, 512k, 64m)"))
}

/// A parser for a size flag: [`parse_size`], then a check that the size is within `range`.
pub fn size_in(
    range: RangeInclusive<usize>,
) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync + 'static {
    move |text| {
        let size = parse_size(text)?;
        if range.contains(&size) {
            Ok(size)
        } else {
            Err(format!(
                "{size} bytes is out of range: from {} to {}",
                shown_size(*range.start()),
                shown_size(*range.end())
            ))
        }
    }
}

/// `64`, `1k`, `1g`: a size as the flags take it.
fn shown_size(bytes: usize) -> String {
    for (unit, size) in [("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)] {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_binary_suffixes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("64MiB"), Ok(64 * 1024 * 1024));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn size_flags_are_checked_against_their_range() {
        let line = size_in(ranges::MAX_LINE);
        assert_eq!(line("64"), Ok(64));
        assert_eq!(line("1g"), Ok(1 << 30));
        assert_eq!(
            line("63"),
            Err("63 bytes is out of range: from 64 to 1g".to_string())
        );
        assert!(line("2g").is_err());
        assert!(line("99999999999999999999g").is_err());
    }

    #[test]
    fn config_get_matches_names_and_globs() {
        let config = Config::default();
        let get = |p: &[&str]| {
            let patterns: Vec<&[u8]> = p.iter().map(|s| s.as_bytes()).collect();
            config.config_get(&patterns)
        };
        let pair = |n: &'static str, v: &'static str| {
            vec![
                Frame::bulk_static(n.as_bytes()),
                Frame::bulk_static(v.as_bytes()),
            ]
        };
        assert_eq!(get(&["save"]), Frame::Array(pair("save", "")));
        assert_eq!(get(&["APPENDONLY"]), Frame::Array(pair("appendonly", "no")));
        assert_eq!(get(&["max*"]), Frame::Array(pair("maxclients", "10000")));
        assert_eq!(get(&["t?meout"]), Frame::Array(pair("timeout", "0")));
        assert_eq!(
            get(&["[ab]ppendonly"]),
            Frame::Array(pair("appendonly", "no"))
        );
        assert_eq!(get(&["nothing"]), Frame::Array(vec![]));
    }
}
