//! Executing a command: a [`Command`] and the shared state in, a reply [`Frame`] out.
//!
//! Everything here is synchronous: no `.await`, no I/O. A command runs on its connection's task,
//! directly against the store (whose locks are held for a hash lookup, see [`crate::store`]), and
//! its reply is handed back to the connection to be written. So the same function serves every
//! dialect, and is tested without a socket.
//!
//! The commands that read or change the connection itself (`SUBSCRIBE`, `UNSUBSCRIBE`, `QUIT`,
//! `HELLO`, `CLIENT`, `MULTI`, `EXEC`, `DISCARD`) are not here: they need the connection's state,
//! and [`crate::connection`] answers them.

use crate::codec::Request;
use crate::command::{self, Command, Scan};
use crate::frame::{Frame, Protocol};
use crate::state::Shared;
use crate::store::{IncrError, Keyspace, Ttl};
use bytes::Bytes;
use std::fmt::Write as _;
use std::time::Duration;
use tokio::time::Instant;

/// The Redis version mini_redis answers to `HELLO` and `INFO`: the one whose commands it follows,
/// up to `CLIENT SETINFO` (new in 7.2). Clients read it to decide which commands to send.
pub const REDIS_VERSION: &str = "7.2.0";

/// Executes `command`, parsed from `request`, on the shared store (one shard locked at a time).
pub fn execute(command: Command<'_>, request: &Request, shared: &Shared) -> Frame {
    execute_on(&mut &shared.store, command, request, shared)
}

/// Executes `command` on `db`: the store one shard at a time, or with every shard already
/// locked for a transaction ([`crate::store::AllShards`]). Values that outlive the request
/// (stored, published) are taken from it with [`Request::keep`].
pub fn execute_on(
    db: &mut impl Keyspace,
    command: Command<'_>,
    request: &Request,
    shared: &Shared,
) -> Frame {
    match command {
        Command::Get(key) => db.get(key).map_or(Frame::Null, Frame::Bulk),
        Command::MGet(keys) => Frame::Array(
            keys.iter()
                .map(|key| db.get(key).map_or(Frame::Null, Frame::Bulk))
                .collect(),
        ),
        Command::Set(set) => {
            let expires_at = match set.expire.map(|d| Instant::now().checked_add(d)) {
                None => None,
                Some(Some(at)) => Some(at),
                Some(None) => return Frame::error("ERR invalid expire time in 'set' command"),
            };
            if db.set(set.key, request.keep(set.value), expires_at, set.condition) {
                Frame::ok()
            } else {
                Frame::Null
            }
        }
        Command::MSet(pairs) => {
            // All at once: no client reads some of the keys set and others not yet.
            db.atomically(|all| {
                for (key, value) in pairs {
                    all.set(key, request.keep(value), None, command::Condition::Always);
                }
            });
            Frame::ok()
        }
        Command::Del(keys) => count(keys.iter().filter(|key| db.del(key))),
        Command::Exists(keys) => count(keys.iter().filter(|key| db.exists(key))),
        Command::IncrBy { key, delta } => match db.incr_by_at(key, delta, Instant::now()) {
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
                Some(at) => Frame::Integer(i64::from(db.expire(key, at))),
                None => Frame::error("ERR invalid expire time in 'expire' command"),
            }
        }
        Command::Ttl(key) => Frame::Integer(match db.ttl(key) {
            Ttl::Missing => -2,
            Ttl::Persistent => -1,
            // Rounded to the nearest second, as Redis does.
            Ttl::ExpiresIn(left) => ((left.as_millis() + 500) / 1000) as i64,
        }),
        Command::Pttl(key) => Frame::Integer(match db.ttl(key) {
            Ttl::Missing => -2,
            Ttl::Persistent => -1,
            Ttl::ExpiresIn(left) => i64::try_from(left.as_millis()).unwrap_or(i64::MAX),
        }),
        Command::Persist(key) => Frame::Integer(i64::from(db.persist(key))),
        // Every value is a string.
        Command::Type(key) if db.exists(key) => Frame::Simple("string".into()),
        Command::Type(_) => Frame::Simple("none".into()),
        Command::DbSize => Frame::Integer(db.counts().0 as i64),
        Command::Keys(pattern) => {
            Frame::Array(db.keys(pattern).into_iter().map(Frame::Bulk).collect())
        }
        Command::Scan(scan) => scan_step(db, &scan),
        Command::FlushDb => {
            db.flush();
            Frame::ok()
        }
        Command::Info(sections) => info(db, shared, &sections),
        Command::Select(0) => Frame::ok(),
        Command::Select(_) => Frame::error("ERR DB index is out of range"),
        Command::ClientSetInfo => Frame::ok(),
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
        // These read or change the connection itself: the connection answers them and never
        // calls this. Should that change, a client gets an error, not a crashed task.
        Command::Subscribe(_)
        | Command::Unsubscribe(_)
        | Command::Psubscribe(_)
        | Command::Punsubscribe(_)
        | Command::Quit
        | Command::Hello { .. }
        | Command::ClientId
        | Command::ClientGetName
        | Command::ClientSetName(_)
        | Command::Multi
        | Command::Exec
        | Command::Discard => Frame::error("ERR command not available here"),
    }
}

fn count<I: Iterator>(matches: I) -> Frame {
    Frame::Integer(matches.count() as i64)
}

/// `*2 cursor [keys…]`. `MATCH` and `TYPE` filter the keys of the step, as in Redis: a step may
/// return none and still not be the last.
fn scan_step(db: &mut impl Keyspace, scan: &Scan<'_>) -> Frame {
    let (next, keys) = db.scan(scan.cursor, scan.count);
    let strings_wanted = scan
        .kind
        .is_none_or(|kind| kind.eq_ignore_ascii_case(b"string"));
    let keys = keys
        .into_iter()
        .filter(|key| {
            strings_wanted
                && scan
                    .pattern
                    .is_none_or(|p| crate::glob::matches(p, key, crate::glob::Case::Sensitive))
        })
        .map(Frame::Bulk)
        .collect();
    Frame::Array(vec![
        Frame::Bulk(Bytes::from(next.to_string())),
        Frame::Array(keys),
    ])
}

/// `HELLO`'s reply: who is answering, and the connection's protocol and id.
pub fn hello(id: u64, protocol: Protocol) -> Frame {
    let field = |name: &'static str, value: Frame| (Frame::bulk_static(name.as_bytes()), value);
    Frame::Map(vec![
        field("server", Frame::bulk_static(b"redis")),
        field("version", Frame::bulk_static(REDIS_VERSION.as_bytes())),
        field("proto", Frame::Integer(protocol.version())),
        field("id", Frame::Integer(id as i64)),
        field("mode", Frame::bulk_static(b"standalone")),
        field("role", Frame::bulk_static(b"master")),
        field("modules", Frame::Array(Vec::new())),
    ])
}

/// `INFO [section …]`: `# Section` then `field:value` lines, sections apart by an empty line,
/// in Redis' order whatever the order asked. No section named, or `all`, `everything`,
/// `default`: every section. A section mini_redis does not have is left out, as Redis does.
fn info(db: &mut impl Keyspace, shared: &Shared, asked: &[&[u8]]) -> Frame {
    let every = asked.is_empty()
        || asked.iter().any(|name| {
            [&b"all"[..], b"everything", b"default"]
                .iter()
                .any(|all| name.eq_ignore_ascii_case(all))
        });
    let wanted = |section: &str| {
        every
            || asked
                .iter()
                .any(|n| n.eq_ignore_ascii_case(section.as_bytes()))
    };
    let mut sections: Vec<String> = Vec::new();
    if wanted("server") {
        let uptime = shared.started.elapsed().as_secs();
        let mut text = String::from("# Server\r\n");
        let _ = write!(
            text,
            "redis_version:{REDIS_VERSION}\r\nredis_mode:standalone\r\n\
             mini_redis_version:{}\r\nos:{} {}\r\narch_bits:{}\r\nprocess_id:{}\r\n\
             tcp_port:{}\r\nuptime_in_seconds:{uptime}\r\nuptime_in_days:{}\r\n",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH,
            usize::BITS,
            std::process::id(),
            shared.port(),
            uptime / 86_400,
        );
        sections.push(text);
    }
    if wanted("clients") {
        sections.push(format!(
            "# Clients\r\nconnected_clients:{}\r\nmaxclients:{}\r\n",
            shared.connected_clients(),
            shared.config.max_connections
        ));
    }
    if wanted("memory") {
        let rss = resident_memory();
        sections.push(format!(
            "# Memory\r\nused_memory:{rss}\r\nused_memory_rss:{rss}\r\nmaxmemory:0\r\n"
        ));
    }
    if wanted("keyspace") {
        let mut text = String::from("# Keyspace\r\n");
        let (keys, expires) = db.counts();
        if keys > 0 {
            let _ = write!(text, "db0:keys={keys},expires={expires},avg_ttl=0\r\n");
        }
        sections.push(text);
    }
    Frame::Text(Bytes::from(sections.join("\r\n")))
}

/// The process' resident memory in bytes (Linux: `VmRSS` in `/proc/self/status`). mini_redis
/// keeps no allocator statistics, so `INFO`'s `used_memory` is this; 1 where it is unknown.
// /proc is in memory: reading it never waits for a disk, and takes microseconds.
#[allow(clippy::disallowed_methods)]
fn resident_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(1, |kib| kib * 1024)
}
