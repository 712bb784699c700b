//! The count server: `make server` (or `cargo server`) runs it on 127.0.0.1:8000.
//!
//! ```sh
//! curl 'http://127.0.0.1:8000/count?delay=0.5'   # 1, after half a second
//! curl -i 'http://127.0.0.1:8000/count?delay=abc' # 400 with a JSON error
//! ```
//!
//! One log line per request (`RUST_LOG=warn` to silence them). Ctrl-C stops accepting and lets the
//! requests in flight finish before exiting.

use std::sync::Arc;

use clap::Parser;
use count_server::{self, Counter, MAX_DELAY_SECS};
use tokio::net::TcpListener;

#[derive(Debug, Parser)]
#[command(
    about = "GET /count?delay=SECONDS waits, increments a shared counter, returns it as JSON"
)]
struct Args {
    /// Address to bind. Loopback by default: pass 0.0.0.0 to serve other machines.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    port: u16,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // Kept until the end of main: dropping it writes out the last log lines.
    let _log = count_server::log::init_server_logging("info")?;
    let args = Args::parse();
    let listener = TcpListener::bind((args.host.as_str(), args.port)).await?;
    let addr = listener.local_addr()?;
    tracing::info!(
        "count server on http://{addr}: GET /count?delay=SECONDS (0 to {MAX_DELAY_SECS}); Ctrl-C stops"
    );
    let shutdown = async {
        // If the signal handler cannot be installed, serve until killed rather than exit at once.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("Ctrl-C: no new connections; finishing requests in flight");
    };
    count_server::serve(listener, Arc::new(Counter::default()), shutdown).await?;
    tracing::info!("count server stopped");
    Ok(())
}
