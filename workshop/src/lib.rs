//! Support crate of the async Rust workshop. Every lesson (`part_01` … `part_16`) uses it; no lesson
//! imports another. Kept small on purpose:
//!
//! - [`banner!`] prints a part's lesson text (its `README.md`, compiled into the binary);
//! - [`Stopwatch`] stamps trace lines with the time since the start, on tokio's clock;
//! - [`Timeline`] records which task ran when and draws it as an ASCII Gantt chart;
//! - [`Trace`] is an event log several tasks write to, printed as it goes and kept for the tests;
//! - [`BlockingDetector`] reports a poll that holds its runtime thread too long, while it does and
//!   once it returns, and with [`BlockingDetector::run`] every thread of a runtime (asyncio's debug
//!   mode);
//! - [`lesson::panic_message`] reads the message out of a caught panic;
//! - [`count_server`] is the HTTP server the HTTP lessons call, and [`count_server_url`] finds or
//!   starts one;
//! - [`log`] sets up one-line-per-request logging that a server under load can afford;
//! - [`testing`] runs a test body under a timeout, so a deadlock fails instead of hanging CI.
//!
//! Everything that measures time uses `tokio::time::Instant`, which follows the paused test clock
//! (`#[tokio::test(start_paused = true)]`): timing claims are tested without waiting or flakiness.

pub mod blocking;
pub mod count_server;
pub mod explain;
pub mod lesson;
pub mod log;
pub mod testing;
pub mod timeline;
pub mod trace;

pub use blocking::BlockingDetector;
pub use count_server::count_server_url;
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

// Rustdoc runs doctests for library targets only, so the parts (binaries) cannot check their own
// README code blocks. This crate includes every README as documentation of a hidden module: each
// ```rust block in them is compiled (and run, unless marked no_run) by `cargo test -p workshop`.
// Python and shell blocks are fenced as ```python / ```sh and are left alone by rustdoc.
// (mini_redis is a library too: it compiles its own README the same way.)
#[cfg(doctest)]
mod readme_code_blocks {
    macro_rules! readmes {
        ($($module:ident => $path:literal),* $(,)?) => {
            $( #[doc = include_str!($path)] mod $module {} )*
        };
    }
    readmes! {
        top => "../../README.md",
        part_01 => "../../part_01/README.md",
        part_02 => "../../part_02/README.md",
        part_03 => "../../part_03/README.md",
        part_04 => "../../part_04/README.md",
        part_05 => "../../part_05/README.md",
        part_06 => "../../part_06/README.md",
        part_07 => "../../part_07/README.md",
        part_08 => "../../part_08/README.md",
        part_09 => "../../part_09/README.md",
        part_10 => "../../part_10/README.md",
        part_11 => "../../part_11/README.md",
        part_12 => "../../part_12/README.md",
        part_13 => "../../part_13/README.md",
        part_14 => "../../part_14/README.md",
        part_15 => "../../part_15/README.md",
        part_16 => "../../part_16/README.md",
    }
}
