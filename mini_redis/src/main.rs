//! `mini_redis`: the capstone server. Both dialects on one port: the workshop's line protocol for
//! `nc`, and enough RESP2 for `redis-cli` and `redis-benchmark`.
//!
//! ```text
//! cargo run -p mini_redis                         # or: make mr-server
//! cargo run -p mini_redis -- --port 6380 --max-connections 100 --idle-timeout 60
//! RUST_LOG=debug cargo run -p mini_redis          # log every command: [client 3] -> GET a
//! ```
//!
//! Stops gracefully on Ctrl-C (SIGINT) and SIGTERM: no new clients, commands already received are
//! answered, then it exits with status 0.

use clap::Parser;
use mini_redis::codec::Limits;
use mini_redis::config::{Config, parse_size};
use mini_redis::server;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tracing::{error, info, warn};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// A small Redis-compatible server: the async Rust workshop's capstone.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// Port to listen on.
    #[arg(long, default_value_t = 1337)]
    port: u16,
    /// Longest text line, in bytes (suffixes k and m allowed).
    #[arg(long, default_value = "512k", value_parser = parse_size)]
    max_line: usize,
    /// Largest RESP command, in bytes (suffixes k and m allowed).
    #[arg(long, default_value = "64m", value_parser = parse_size)]
    max_bulk: usize,
    /// Clients served at once; one more is told so and disconnected.
    #[arg(long, default_value_t = 10_000)]
    max_connections: usize,
    /// Close a connection idle for this many seconds (0: never).
    #[arg(long, default_value_t = 0)]
    idle_timeout: u64,
    /// Seconds shutdown waits for open connections before dropping them.
    #[arg(long, default_value_t = 5)]
    shutdown_timeout: u64,
    /// Runtime worker threads (0: one per CPU core but one, and at least one).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// What `#[tokio::main]` writes for us, spelled out to choose the number of worker threads.
fn main() -> ExitCode {
    let args = Args::parse();
    let workers = match args.threads {
        0 => default_workers(),
        n => n,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(serve(args, workers)),
        Err(err) => {
            eprintln!("mini_redis: cannot start the tokio runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

/// One worker per core but one, where tokio's default is one per core. The server is not alone:
/// the kernel does the TCP work of every request on some core, and clients often run on the same
/// machine (redis-benchmark does, in `make bench-redis`). With a worker on every core, workers and
/// clients keep taking turns on the same cores: on the 2-core benchmark machine the second worker
/// cost up to 11% more CPU per request and brought no more throughput (see mini_redis/README.md).
/// redis.conf advises the same for its I/O threads ("leaving at least one spare core").
/// `--threads` overrides it.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().saturating_sub(1).max(1))
}

async fn serve(args: Args, workers: usize) -> ExitCode {
    // Connects and disconnects at info (the default), every command at debug.
    // RUST_LOG as `level` or `target=level,…` (tracing-subscriber's Targets syntax).
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr)
                .with_filter(filter),
        )
        .init();

    let config = Config {
        limits: Limits {
            max_line: args.max_line,
            max_bulk: args.max_bulk,
        },
        max_connections: args.max_connections,
        idle_timeout: (args.idle_timeout > 0).then(|| Duration::from_secs(args.idle_timeout)),
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
    };
    let listener = match server::listen(&args.bind, args.port).await {
        Ok(listener) => listener,
        Err(err) => {
            error!("cannot listen on {}:{}: {err}", args.bind, args.port);
            return ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map_or(args.port, |addr| addr.port());
    info!(
        "mini_redis listening on {}:{port} (up to {} clients, {workers} worker thread{}). \
         Try: nc {} {port}  or  redis-cli -p {port}",
        args.bind,
        config.max_connections,
        if workers == 1 { "" } else { "s" },
        args.bind
    );
    warn_if_file_limit_is_low(config.max_connections).await;

    let summary = server::run(listener, config, shutdown_signal()).await;
    info!(
        "stopped: {} connections served, {} refused at the limit{}",
        summary.served,
        summary.rejected,
        if summary.drained {
            ""
        } else {
            ", some dropped at the shutdown timeout"
        }
    );
    ExitCode::SUCCESS
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (`kill`, `docker stop`, systemd).
async fn shutdown_signal() {
    async fn received(signal: &mut Option<Signal>) {
        match signal {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    let listen = |kind: SignalKind, name: &str| match signal(kind) {
        Ok(signal) => Some(signal),
        Err(err) => {
            warn!("cannot listen for {name}: {err}");
            None
        }
    };
    let mut interrupt = listen(SignalKind::interrupt(), "SIGINT");
    let mut terminate = listen(SignalKind::terminate(), "SIGTERM");
    tokio::select! {
        () = received(&mut interrupt) => info!("SIGINT: shutting down"),
        () = received(&mut terminate) => info!("SIGTERM: shutting down"),
    }
}

/// Each client is a file descriptor: with `ulimit -n` below the connection limit, accepts would
/// start failing first. Redis raises the limit itself; here we only say so.
async fn warn_if_file_limit_is_low(max_connections: usize) {
    let Ok(limits) = tokio::fs::read_to_string("/proc/self/limits").await else {
        return;
    };
    let soft_limit = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(limit) = soft_limit
        && limit < max_connections + 32
    {
        warn!(
            "the open-file limit is {limit}: fewer than --max-connections {max_connections}; \
             raise it with `ulimit -n {}`",
            max_connections + 32
        );
    }
}
