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
use mini_redis::config::{Config, ranges, size_in};
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
    /// Longest text line, in bytes (suffixes k, m, g; from 64 to 1g).
    #[arg(long, default_value = "512k", value_parser = size_in(ranges::MAX_LINE))]
    max_line: usize,
    /// Largest RESP command, in bytes (suffixes k, m, g; from 1k to 1g).
    #[arg(long, default_value = "64m", value_parser = size_in(ranges::MAX_BULK))]
    max_bulk: usize,
    /// Clients served at once (1 to 1000000); one more is told so and disconnected.
    #[arg(long, default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(ranges::MAX_CONNECTIONS))]
    max_connections: u64,
    /// Close a connection idle for this many seconds (0: never; at most 86400).
    #[arg(long, default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(ranges::IDLE_TIMEOUT))]
    idle_timeout: u64,
    /// Seconds shutdown waits for open connections before dropping them (at most 3600).
    #[arg(long, default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(ranges::SHUTDOWN_TIMEOUT))]
    shutdown_timeout: u64,
    /// Close a connection that accepts no reply bytes for this many seconds (0: never; at most
    /// 86400).
    #[arg(long, default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(ranges::WRITE_TIMEOUT))]
    write_timeout: u64,
    /// Channels and patterns one connection may subscribe to (1 to 1000000).
    #[arg(long, default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(ranges::MAX_SUBSCRIPTIONS))]
    max_subscriptions: u64,
    /// Bytes of messages that may wait for one subscriber before it is disconnected (suffixes
    /// k, m, g; from 64k to 1g).
    #[arg(long, default_value = "32m", value_parser = size_in(ranges::MAX_PUBSUB_BUFFER))]
    max_pubsub_buffer: usize,
    /// Runtime worker threads (0: one per CPU core but one, and at least one; at most 1024).
    #[arg(long, default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(ranges::THREADS))]
    threads: u64,
}

/// What `#[tokio::main]` writes for us, spelled out to choose the number of worker threads.
fn main() -> ExitCode {
    let args = Args::parse();
    // The ranges fit in a usize on every platform tokio runs on.
    let workers = match usize::try_from(args.threads) {
        Ok(0) | Err(_) => default_workers(),
        Ok(n) => n,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run(args, workers)),
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

async fn run(args: Args, workers: usize) -> ExitCode {
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
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        idle_timeout: (args.idle_timeout > 0).then(|| Duration::from_secs(args.idle_timeout)),
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
        write_timeout: (args.write_timeout > 0).then(|| Duration::from_secs(args.write_timeout)),
        max_subscriptions: usize::try_from(args.max_subscriptions).unwrap_or(usize::MAX),
        max_pubsub_buffer: args.max_pubsub_buffer,
        ..Config::default()
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(flags: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("mini_redis").chain(flags.iter().copied()))
    }

    #[test]
    fn the_defaults_are_within_the_ranges() {
        let args = parse(&[]).expect("the defaults parse");
        assert_eq!((args.max_line, args.max_bulk), (512 << 10, 64 << 20));
        assert_eq!(args.max_connections, 10_000);
        for edges in [
            [
                "--max-line=64",
                "--max-bulk=1k",
                "--max-connections=1",
                "--threads=0",
            ],
            [
                "--max-line=1g",
                "--max-bulk=1g",
                "--max-connections=1000000",
                "--threads=1024",
            ],
        ] {
            let args = parse(&edges);
            assert!(args.is_ok(), "{edges:?}: {args:?}");
        }
        let timeouts = parse(&["--idle-timeout=86400", "--shutdown-timeout=0"]);
        assert!(timeouts.is_ok(), "{timeouts:?}");
    }

    /// Every limit flag refuses what the server cannot honour, with the range in the message,
    /// instead of starting a server that refuses everyone or panics.
    #[test]
    fn limit_flags_out_of_range_are_refused_with_the_range() {
        for (flag, value, says) in [
            ("--max-connections", "0", "1..=1000000"),
            ("--max-connections", "18446744073709551615", "1..=1000000"),
            ("--max-line", "10", "from 64 to 1g"),
            ("--max-line", "0", "not a size"),
            ("--max-bulk", "4g", "from 1k to 1g"),
            ("--idle-timeout", "86401", "0..=86400"),
            ("--shutdown-timeout", "3601", "0..=3600"),
            ("--threads", "1025", "0..=1024"),
            ("--threads", "-1", ""),
        ] {
            let error = match parse(&[flag, value]) {
                Ok(args) => panic!("{flag} {value} was accepted: {args:?}"),
                Err(error) => error,
            };
            assert!(
                matches!(
                    error.kind(),
                    ErrorKind::ValueValidation | ErrorKind::UnknownArgument
                ),
                "{flag} {value}: {:?}",
                error.kind()
            );
            let message = error.to_string();
            assert!(message.contains(says), "{flag} {value}: {message}");
        }
    }
}
