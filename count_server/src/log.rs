//! Logging for servers under load: one line per request, without one `write` call per line.
//!
//! `tracing_subscriber::fmt` writes each event to stdout at once: under `wrk` that is a system call
//! per request, and it cost the count server 40% of its throughput. [`BatchedStdout`] appends each
//! line to a buffer instead; a background thread writes the buffer out every 20 ms, or as soon as
//! 64 KiB are waiting. A person watching the terminal sees no delay; a benchmark sees few writes.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait in the buffer.
const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// Wake the writer thread early once this much is waiting.
const EAGER_BYTES: usize = 64 * 1024;
/// Past this, the logging thread writes the batch itself: if stdout cannot keep up, the server
/// slows down instead of buffering without limit or dropping lines.
const MAX_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Default)]
struct Shared {
    buffer: Mutex<Vec<u8>>,
    wake: Condvar,
}

impl Shared {
    fn buffer(&self) -> MutexGuard<'_, Vec<u8>> {
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes out what is buffered. Holding stdout's lock while taking the buffer keeps batches in
    /// order, whichever thread writes them.
    fn flush_to(&self, out: &mut impl Write) -> io::Result<()> {
        let batch = std::mem::take(&mut *self.buffer());
        if batch.is_empty() {
            return Ok(());
        }
        out.write_all(&batch)?;
        out.flush()
    }
}

/// A [`MakeWriter`] for `tracing_subscriber::fmt().with_writer(…)`. Keep the value returned by
/// [`BatchedStdout::start`] alive until exit: dropping it writes out the last lines.
#[derive(Debug, Clone)]
pub struct BatchedStdout {
    shared: Arc<Shared>,
}

impl BatchedStdout {
    /// Starts the writer thread.
    pub fn start() -> io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let writer = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || {
                // Runs until every BatchedStdout (and so every logger) is gone.
                while let Some(shared) = writer.upgrade() {
                    let guard = shared.buffer();
                    let (guard, _) = shared
                        .wake
                        .wait_timeout(guard, FLUSH_EVERY)
                        .unwrap_or_else(PoisonError::into_inner);
                    drop(guard);
                    let stdout = io::stdout();
                    let _ = shared.flush_to(&mut stdout.lock());
                }
            })?;
        Ok(Self { shared })
    }
}

impl Drop for BatchedStdout {
    fn drop(&mut self) {
        // The handle kept by `main` is dropped at exit, before the process ends and takes the
        // writer thread with it: write out whatever is still waiting.
        let stdout = io::stdout();
        let _ = self.shared.flush_to(&mut stdout.lock());
    }
}

/// The writer handed to the formatter for one event.
#[derive(Debug)]
pub struct BatchWriter {
    shared: Arc<Shared>,
}

impl Write for BatchWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let waiting = {
            let mut buffer = self.shared.buffer();
            buffer.extend_from_slice(data);
            buffer.len()
        };
        if waiting >= MAX_BYTES {
            let stdout = io::stdout();
            self.shared.flush_to(&mut stdout.lock())?;
        } else if waiting >= EAGER_BYTES {
            self.shared.wake.notify_one();
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(()) // the writer thread flushes; an event's flush must not cost a system call
    }
}

impl<'a> MakeWriter<'a> for BatchedStdout {
    type Writer = BatchWriter;

    fn make_writer(&'a self) -> Self::Writer {
        BatchWriter {
            shared: Arc::clone(&self.shared),
        }
    }
}

/// Sets up `tracing` for a server binary: `RUST_LOG` when set, else `default_filter`, written
/// through [`BatchedStdout`]. Keep the returned handle until exit.
pub fn init_server_logging(default_filter: &str) -> io::Result<BatchedStdout> {
    let stdout = BatchedStdout::start()?;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = log_filter(std::env::var("RUST_LOG").ok().as_deref(), default_filter);
    let format = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_ansi(io::IsTerminal::is_terminal(&io::stdout()))
        .with_writer(stdout.clone());
    tracing_subscriber::registry()
        .with(format.with_filter(filter))
        .init();
    Ok(stdout)
}

/// `RUST_LOG` as `level` or `target=level,…` (e.g. `warn`, `count_server=debug`); when unset or
/// unreadable, `default_filter`.
pub fn log_filter(rust_log: Option<&str>, default_filter: &str) -> Targets {
    rust_log
        .and_then(|directives| directives.parse().ok())
        .or_else(|| default_filter.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_wins_over_the_default_filter() {
        use tracing::Level;
        let warn_only = log_filter(Some("warn"), "info");
        assert!(warn_only.would_enable("count_server", &Level::WARN));
        assert!(!warn_only.would_enable("count_server", &Level::INFO));
        let default = log_filter(None, "info");
        assert!(default.would_enable("anything", &Level::INFO));
        assert!(!default.would_enable("anything", &Level::DEBUG));
        let per_target = log_filter(Some("mini_redis=debug"), "info");
        assert!(per_target.would_enable("mini_redis::connection", &Level::DEBUG));
        assert!(!per_target.would_enable("hyper", &Level::INFO));
        let garbage = log_filter(Some("=!?"), "info");
        assert!(
            garbage.would_enable("anything", &Level::INFO),
            "unreadable: the default"
        );
    }

    #[test]
    fn lines_are_buffered_until_flushed_and_come_out_in_order() {
        let shared = Arc::new(Shared::default());
        let mut writer = BatchWriter {
            shared: Arc::clone(&shared),
        };
        writer.write_all(b"one\n").unwrap();
        writer.write_all(b"two\n").unwrap();
        writer.flush().unwrap();
        assert_eq!(&shared.buffer()[..], b"one\ntwo\n", "held, not written");
        let mut out = Vec::new();
        shared.flush_to(&mut out).unwrap();
        assert_eq!(out, b"one\ntwo\n");
        assert!(shared.buffer().is_empty());
        shared.flush_to(&mut out).unwrap();
        assert_eq!(out, b"one\ntwo\n", "an empty flush writes nothing");
    }
}
