//! The server: the accept loop, the connection limit, and graceful shutdown.
//!
//! - **One task per connection** (`TaskTracker::spawn`), on tokio's multi-thread runtime: the
//!   asyncio equivalent is `asyncio.start_server`, which also starts one task per client.
//! - **The connection limit** is a semaphore with one permit per allowed client. A permit is taken
//!   without waiting (`try_acquire_owned`) and lives as long as the connection task. Over the
//!   limit, the connection is still *accepted*, told `-ERR max number of clients reached`, and
//!   closed, as Redis does. Leaving it unaccepted instead would leave the client hanging in the
//!   kernel's backlog with no answer at all.
//! - **Rejections are bounded too.** Telling a client and closing gently takes up to half a
//!   second, so each rejection is a task; at most `max_pending_rejections` of them run at once (a
//!   second semaphore). Past that, the accept loop itself writes the one-line refusal without
//!   waiting (a new socket's send buffer is empty, so it fits) and closes at once: a flood of
//!   connects costs no more tasks, at worst a refusal the client's kernel drops.
//! - **The accept backlog** ([`listen`]): connections the kernel has completed but the server has
//!   not accepted yet wait in a queue of [`LISTEN_BACKLOG`]. When it is full, new clients'
//!   handshakes are dropped and retried a second later, so a burst of thousands of connects would
//!   stall.
//! - **Graceful shutdown**: when the `shutdown` future completes, the listener is dropped (new
//!   clients are refused), a `CancellationToken` tells every connection to answer what it has
//!   already received and close, and `TaskTracker::wait` waits for them, bounded by
//!   `shutdown_timeout`.

use crate::config::Config;
use crate::connection;
use crate::state::Shared;
use crate::store::purge_expired_keys;
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

/// What happened while the server ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Connections served.
    pub served: u64,
    /// Connections turned away by the connection limit.
    pub rejected: u64,
    /// Of those, the ones refused by the accept loop itself, without a task, because
    /// `max_pending_rejections` refusals were already under way.
    pub rejected_inline: u64,
    /// Whether every connection had closed within `shutdown_timeout`.
    pub drained: bool,
}

/// Room in the kernel's queue of connections waiting for `accept`. Linux caps it at
/// `net.core.somaxconn` (4096 by default). tokio's `TcpListener::bind` asks for 1024 and Redis for
/// 511: with `redis-benchmark -c 5000` connecting all at once, thousands of handshakes would be
/// dropped and retried a second later.
pub const LISTEN_BACKLOG: u32 = 4096;

/// Listens on `host:port` (port 0: any free port) with an accept queue of [`LISTEN_BACKLOG`].
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
        match socket
            .bind(addr)
            .and_then(|()| socket.listen(LISTEN_BACKLOG))
        {
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
    if let Ok(addr) = listener.local_addr() {
        shared.set_port(addr.port()); // INFO's tcp_port: the port bound, also when 0 was asked
    }
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
    tasks.spawn(purge_expired_keys(shared.store.clone(), stop.clone()));

    // `Semaphore::new` panics above `MAX_PERMITS` (about 2^61): far more than any machine's
    // sockets, but a library caller could ask.
    let max_connections = shared.config.max_connections.min(Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(max_connections));
    let max_rejecting = shared.config.max_pending_rejections;
    let rejecting = Arc::new(Semaphore::new(max_rejecting.min(Semaphore::MAX_PERMITS)));
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
                match Arc::clone(&rejecting).try_acquire_owned() {
                    Ok(permit) => {
                        tasks.spawn(reject(stream, peer, permit));
                    }
                    Err(_) => {
                        summary.rejected_inline += 1;
                        // Best effort, never waiting: the socket closes when `stream` drops.
                        let _ = stream.try_write(REFUSAL);
                    }
                }
            }
        }
    }

    drop(listener);
    let open = max_connections - permits.available_permits();
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

/// What a client over the connection limit is told, as Redis tells it.
const REFUSAL: &[u8] = b"-ERR max number of clients reached\r\n";

/// Over the limit: say so, and close. Holding `_permit` counts it against
/// `max_pending_rejections`.
async fn reject(mut stream: TcpStream, peer: SocketAddr, _permit: OwnedSemaphorePermit) {
    warn!("refusing {peer}: max number of clients reached");
    let said = tokio::time::timeout(Duration::from_millis(250), stream.write_all(REFUSAL)).await;
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
