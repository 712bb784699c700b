//! `--console`: the runtime seen from outside, in tokio-console (README: "Watch it in
//! tokio-console"). Only the console build serves it: `make console` compiles this part with the
//! feature `console` and `RUSTFLAGS="--cfg tokio_unstable"`, in a target directory of its own
//! (target/console), so that no other build of the workshop changes.

use std::net::SocketAddr;

/// Where `tokio-console` looks when it is given no address.
const DEFAULT_ADDR: &str = "127.0.0.1:6669";

#[derive(Debug, clap::Args)]
pub struct Console {
    /// Let tokio-console watch the tasks: serve its data on ADDR (127.0.0.1:6669 when none is
    /// given), then wait for Enter. Needs the console build: `make console`.
    #[arg(
        long = "console",
        value_name = "ADDR",
        num_args = 0..=1,
        default_missing_value = DEFAULT_ADDR
    )]
    pub addr: Option<SocketAddr>,
}

impl Console {
    /// With `--console`: starts the console's server, then waits until the learner has opened
    /// `tokio-console` and pressed Enter, so that the first sections are watched as they run.
    pub async fn serve_if_asked(&self) {
        let Some(addr) = self.addr else { return };
        serve(addr);
        println!("tokio-console can connect to {addr}: in another terminal, run");
        println!("\n    tokio-console --retain-for none http://{addr}\n");
        println!("(it keeps finished tasks on the list), then press Enter here to start.");
        let mut line = String::new();
        let mut stdin = tokio::io::BufReader::new(tokio::io::stdin());
        // No terminal (stdin closed or piped): nothing to wait for, go on.
        let _ = tokio::io::AsyncBufReadExt::read_line(&mut stdin, &mut line).await;
    }
}

/// Makes console-subscriber's layer the process's `tracing` subscriber, so that tokio's own
/// instrumentation (every spawn, poll, wake and timer: what `tokio_unstable` turns on) reaches it,
/// and starts its gRPC server on a thread of its own, with a runtime of its own: it answers the
/// console even while a task holds this part's one thread.
#[cfg(feature = "console")]
pub fn serve(addr: SocketAddr) {
    console_subscriber::ConsoleLayer::builder()
        .server_addr(addr)
        .init();
}

/// A build without the feature has no console: it says how to get one, and stops.
#[cfg(not(feature = "console"))]
pub fn serve(addr: SocketAddr) {
    eprintln!(
        "--console {addr}: this build has no tokio-console server. It needs the console build, \
         `make console` (README: \"Watch it in tokio-console\")."
    );
    std::process::exit(2);
}
