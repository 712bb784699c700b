//! Support crate of the async Rust workshop. Every lesson (`part_01` … `part_16`) uses it; no lesson
//! imports another. Kept small on purpose, and light: it needs tokio and nothing heavy, so a first
//! `make part_01` builds little more than tokio. (The count server the HTTP lessons call is the
//! `count_server` crate, a dependency of those parts only.)
//!
//! - [`banner!`] prints a part's lesson text (its `README.md`, compiled into the binary);
//! - [`Stopwatch`] stamps trace lines with the time since the start, on tokio's clock;
//! - [`Timeline`] records which task ran when and draws it as an ASCII Gantt chart;
//! - [`Trace`] is an event log several tasks write to, printed as it goes and kept for the tests;
//! - [`BlockingDetector`] reports a poll that holds its runtime thread too long, while it does and
//!   once it returns, and with [`BlockingDetector::run`] every thread of a runtime (asyncio's debug
//!   mode);
//! - [`lesson::panic_message`] reads the message out of a caught panic;
//! - [`testing`] runs a test body under a timeout, so a deadlock fails instead of hanging CI.
//!
//! Everything that measures time uses `tokio::time::Instant`, which follows the paused test clock
//! (`#[tokio::test(start_paused = true)]`): timing claims are tested without waiting or flakiness.

pub mod blocking;
pub mod explain;
pub mod lesson;
pub mod testing;
pub mod timeline;
pub mod trace;

pub use blocking::BlockingDetector;
pub use lesson::Stopwatch;
pub use timeline::Timeline;
pub use trace::Trace;

/// Prints the calling crate's `README.md` as the lesson banner and returns it.
///
/// The text is taken with `include_str!` at compile time, so the lesson text a part prints is always
/// the README next to its code. Python's workshop printed each file's docstring the same way.
#[macro_export]
macro_rules! banner {
    () => {
        $crate::lesson::print_banner(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/README.md"
        )))
    };
}
