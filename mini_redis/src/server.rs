//! The server: the accept loop, the connection limit, and graceful shutdown.
//!
//! - **One task per connection** (`TaskTracker::spawn`), on tokio's multi-thread runtime: the
//!   asyncio equivalent is `asyncio.start_server`, which also starts one task per client.
//! - **The connection limit** is a semaphore with one permit per allowed client. A permit is taken
//!   without waiting (`try_acquire_owned`) and lives as long as the connection task. Over the
//!   limit, the connection is still *accepted*, told `-ERR max number of clients reached`, and
//!   closed, as Redis does. Leaving it unaccepted instead would leave the client hanging in the
//!   kernel's backlog with no answer at all.
//! - **The accept backlog** ([`listen`]): connections the kernel has completed but the server has
//!   not accepted yet wait in a queue of [`BACKLOG`]. When it is full, new clients' handshakes are
//!   dropped and retried a second later, so a burst of thousands of connects would stall.
//! - **Graceful shutdown**: when the `shutdown` future completes, the listener is dropped (new
//!   clients are refused), a `CancellationToken` tells every connection to answer what it has
//!   already received and close, and `TaskTracker::wait` waits for them, bounded by
//!   `shutdown_timeout`.

use crate::codec::Limits;
use crate::connection;
use crate::frame::Frame;
use crate::pubsub::PubSub;
use crate::store::{Store, purge_expired_keys};
use bytes::Bytes;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream, lookup_host};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

/// What the server allows and how long it waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Longest text line and largest RESP command.
    pub limits: Limits,
    /// Clients served at once; one more is told so and disconnected.
    pub max_connections: usize,
    /// Close a connection that sent nothing for this long (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// How long shutdown waits for open connections to finish.
    pub shutdown_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            max_connections: 10_000,
            idle_timeout: None,
            shutdown_timeout: Duration::from_secs(5),
        }
    }
}

impl Config {
    /// `CONFIG GET pattern…`: the settings redis-benchmark and redis-cli ask about, as name/value
    /// pairs. Patterns may use `*` and `?`, as in Redis.
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
            if patterns.iter().any(|p| glob_match(p, name.as_bytes())) {
                pairs.push(Frame::bulk_static(name.as_bytes()));
                pairs.push(Frame::Bulk(Bytes::from(value)));
            }
        }
        Frame::Array(pairs)
    }
}

/// What every connection shares. Each part does its own locking; this struct itself is only
/// ever read, so it is shared as a plain `Arc<Shared>`.
pub struct Shared {
    pub store: Store,
    pub pubsub: PubSub,
    pub config: Config,
}

impl Shared {
    pub fn new(config: Config) -> Shared {
        Shared {
            store: Store::new(),
            pubsub: PubSub::new(),
            config,
        }
    }
}

/// What happened while the server ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Connections served.
    pub served: u64,
    /// Connections turned away by the connection limit.
    pub rejected: u64,
    /// Whether every connection had closed within `shutdown_timeout`.
    pub drained: bool,
}

/// Room in the kernel's queue of connections waiting for `accept`. Linux caps it at
/// `net.core.somaxconn` (4096 by default). tokio's `TcpListener::bind` asks for 1024 and Redis for
/// 511: with `redis-benchmark -c 5000` connecting all at once, thousands of handshakes would be
/// dropped and retried a second later.
pub const BACKLOG: u32 = 4096;

/// Listens on `host:port` (port 0: any free port) with an accept queue of [`BACKLOG`].
pub async fn listen(host: &str, port: u16) -> io::Result<TcpListener> {
    let mut last_error = None;
    for addr in lookup_host((host, port)).await? {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        // As `TcpListener::bind` does: a restarted server may reuse the port at once, even while
        // the previous one's closed connections linger in TIME_WAIT.
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(BACKLOG)) {
            Ok(listener) => return Ok(listener),
            Err(err) => last_error = Some(err),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{host} names no address"),
        )
    }))
}

/// Serves clients on `listener` until `shutdown` completes, then shuts down gracefully.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> Summary {
    let shared = Arc::new(Shared::new(config));
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
    tasks.spawn(purge_expired_keys(shared.store.clone(), stop.clone()));

    let permits = Arc::new(Semaphore::new(shared.config.max_connections));
    let mut summary = Summary::default();
    let mut next_id: u64 = 0;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    accept_failed(err).await;
                    continue;
                }
            },
        };
        match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => {
                next_id += 1;
                summary.served += 1;
                let task = client(
                    stream,
                    peer,
                    next_id,
                    Arc::clone(&shared),
                    // A child token, not a clone: cancelling `stop` cancels every child, and
                    // each connection checks its own. (A clone shares one lock that every
                    // connection would take on every request, from every worker thread.)
                    stop.child_token(),
                    permit,
                );
                tasks.spawn(task);
            }
            Err(_) => {
                summary.rejected += 1;
                tasks.spawn(reject(stream, peer));
            }
        }
    }

    drop(listener);
    let open = shared.config.max_connections - permits.available_permits();
    info!("shutting down: no new connections, closing {open} open ones");
    stop.cancel();
    tasks.close();
    let limit = shared.config.shutdown_timeout;
    summary.drained = tokio::time::timeout(limit, tasks.wait()).await.is_ok();
    if !summary.drained {
        warn!(
            "{} connections still open after {limit:?}: dropping them",
            tasks.len()
        );
    }
    summary
}

/// One client, from accept to close. Holding `_permit` is what counts it against the limit.
async fn client(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    shared: Arc<Shared>,
    stop: CancellationToken,
    _permit: OwnedSemaphorePermit,
) {
    // Without TCP_NODELAY the kernel holds back a small reply for up to 40 ms, hoping to merge it
    // with the next one (Nagle's algorithm): a request/reply protocol would crawl.
    if let Err(err) = stream.set_nodelay(true) {
        warn!("[client {id}] cannot set TCP_NODELAY: {err}");
    }
    info!("[client {id}] connected from {peer}");
    match connection::serve(stream, &shared, id, &stop).await {
        Ok(ending) => info!("[client {id}] disconnected: {ending}"),
        Err(err) => info!("[client {id}] disconnected: {err}"),
    }
}

/// Over the limit: say so, and close.
async fn reject(mut stream: TcpStream, peer: SocketAddr) {
    warn!("refusing {peer}: max number of clients reached");
    let message = b"-ERR max number of clients reached\r\n";
    let said = tokio::time::timeout(Duration::from_millis(250), stream.write_all(message)).await;
    if matches!(said, Ok(Ok(()))) {
        connection::close_gently(stream).await;
    }
}

async fn accept_failed(err: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionReset, Interrupted};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionReset | Interrupted
    ) {
        return; // that one client is gone; the next accept is fine
    }
    // Most likely out of file descriptors (EMFILE). The waiting connection stays in the backlog,
    // so retrying at once would spin: pause, and let closing connections free some.
    warn!("accept failed: {err} (is `ulimit -n` lower than --max-connections?)");
    tokio::time::sleep(Duration::from_millis(100)).await;
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

/// `*` and `?` glob matching, ASCII case-insensitive. Backtracks only to the last `*`, so a
/// hostile pattern (`*a*a*a*…`) costs at most pattern × text steps, not an exponential search.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // After a `*`: where the pattern resumes, and the text position the `*` has swallowed up to.
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                last_star = Some((p, t));
            }
            Some(&c) if c == b'?' || c.eq_ignore_ascii_case(&text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match last_star {
                // Let the last `*` swallow one more byte and try again from there.
                Some((resume, swallowed)) => {
                    p = resume;
                    t = swallowed + 1;
                    last_star = Some((resume, t));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
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
        assert_eq!(get(&["nothing"]), Frame::Array(vec![]));
        assert!(glob_match(b"*", b"anything"));
        assert!(glob_match(b"t?meout", b"timeout"));
        assert!(!glob_match(b"t?meout", b"tmeout"));
        assert!(glob_match(b"*a*b", b"xaxxab"));
        assert!(!glob_match(b"*a*b", b"xaxxa"));
        // Exponential for a naive matcher; instant here.
        let hostile = "*a".repeat(200) + "z";
        assert!(!glob_match(
            hostile.as_bytes(),
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ));
    }
}
