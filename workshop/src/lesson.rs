//! The lesson banner and trace timestamps.

use std::time::Duration;
use tokio::time::Instant;

/// Prints a lesson's text between two rules and returns the text as printed.
/// Called through [`crate::banner!`], which passes the part's own `README.md`.
///
/// With `WORKSHOP_BANNER=off` in the environment it prints nothing: the walkthrough shows the
/// lesson itself, rendered, before it runs the part.
pub fn print_banner(readme: &str) -> String {
    let text = lesson_text(readme);
    if banner_wanted(std::env::var("WORKSHOP_BANNER").ok().as_deref()) {
        let rule = "═".repeat(78);
        println!("{rule}\n{}\n{rule}\n", text.trim_end());
    }
    text
}

/// Whether `WORKSHOP_BANNER` (its value, if set) asks for the banner.
pub fn banner_wanted(setting: Option<&str>) -> bool {
    !matches!(setting.map(str::trim), Some("off" | "0" | "no"))
}

/// The first line of a README without its `# ` marker: the lesson's one-line title.
pub fn title(readme: &str) -> &str {
    readme
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("")
        .trim_start_matches('#')
        .trim()
}

/// A README as a reader should see it in the terminal: code blocks keep only what a person reads.
///
/// README code blocks are compiled as doctests (see the crate root), so they may carry rustdoc's
/// hidden lines (`# use …;`) and fence attributes (```` ```rust,no_run ````); both are dropped here.
pub fn lesson_text(readme: &str) -> String {
    let mut out = String::with_capacity(readme.len());
    let mut in_rust_block = false;
    let mut in_other_block = false;
    for line in readme.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if in_rust_block || in_other_block {
                in_rust_block = false;
                in_other_block = false;
                out.push_str("```\n");
                continue;
            }
            let lang = info.split(',').next().unwrap_or("").trim();
            let is_rust = matches!(
                lang,
                "" | "rust" | "ignore" | "no_run" | "compile_fail" | "should_panic"
            );
            if is_rust {
                in_rust_block = true;
                out.push_str("```rust\n");
            } else {
                in_other_block = true;
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        if in_rust_block && (trimmed == "#" || trimmed.starts_with("# ")) {
            continue; // a rustdoc hidden line
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The error type of a lesson's fallible `talk`: any error, sendable across tasks.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Ends a lesson whose steps can fail (a count server down, an I/O error): a clear one-line error on
/// stderr and exit status 1, instead of a panic or a `Debug` dump.
///
/// ```
/// use std::process::ExitCode;
/// assert_eq!(workshop::lesson::exit_code(Ok::<(), String>(())), ExitCode::SUCCESS);
/// assert_eq!(workshop::lesson::exit_code(Err("server down")), ExitCode::FAILURE);
/// ```
pub fn exit_code<E: std::fmt::Display>(result: Result<(), E>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nerror: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The message of a panic caught by `catch_unwind` or carried by a `JoinError`
/// (`join_error.into_panic()`): `panic!("…")` payloads are a `&str` or a `String`.
///
/// ```
/// let caught = std::panic::catch_unwind(|| panic!("boom {}", 42)).unwrap_err();
/// assert_eq!(workshop::lesson::panic_message(caught.as_ref()), "boom 42");
/// let caught = std::panic::catch_unwind(|| std::panic::panic_any(7_u8)).unwrap_err();
/// assert_eq!(workshop::lesson::panic_message(caught.as_ref()), "(a panic without a message)");
/// ```
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

/// For lessons that panic on purpose: report every panic in one line (no backtrace, even with
/// `RUST_BACKTRACE` set) so the trace around it stays readable. Call it once at the top of `main`;
/// tests keep Rust's default report.
pub fn report_panics_in_one_line() {
    std::panic::set_hook(Box::new(|info| {
        println!("   (panic report: {})", info.to_string().replace('\n', " "));
    }));
}

/// Time since a start, on tokio's clock: real time in `main`, virtual time under a paused test clock.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let watch = workshop::Stopwatch::start();
/// tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
/// assert_eq!(watch.stamp(), "[ 1.50s]");
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    start: Instant,
}

impl Stopwatch {
    pub fn start() -> Self {
        Self {
            start: Instant::now(),
        }
    }

    /// The instant it was started (for [`crate::Timeline`] spans that share its origin).
    pub fn origin(&self) -> Instant {
        self.start
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// `[ 1.50s]`: a fixed-width prefix for trace lines.
    pub fn stamp(&self) -> String {
        format!("[{:5.2}s]", self.elapsed().as_secs_f64())
    }

    /// Prints `[ 1.50s] message` and returns the line (lessons keep the lines to assert on them).
    pub fn say(&self, message: impl std::fmt::Display) -> String {
        let line = format!("{} {message}", self.stamp());
        println!("{line}");
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::within;

    const README: &str = "# Part 99 — A title\n\nText.\n\n```rust,no_run\n# use std::time::Duration;\n#\nlet x = 1;\n#[derive(Debug)]\nstruct S;\n```\n\n```python\n# a Python comment stays\nx = 1\n```\n";

    #[test]
    fn the_banner_is_on_unless_turned_off() {
        assert!(banner_wanted(None));
        assert!(banner_wanted(Some("on")));
        assert!(!banner_wanted(Some("off")));
        assert!(!banner_wanted(Some(" 0 ")));
    }

    #[test]
    fn title_is_the_first_heading_without_its_marker() {
        assert_eq!(title(README), "Part 99 — A title");
        assert_eq!(title("\n\n## Two\nrest"), "Two");
        assert_eq!(title(""), "");
    }

    #[test]
    fn lesson_text_hides_rustdoc_lines_but_not_python_comments() {
        let text = lesson_text(README);
        assert!(!text.contains("use std::time::Duration"), "{text}");
        assert!(!text.contains("no_run"), "{text}");
        assert!(
            text.contains("```rust\nlet x = 1;\n#[derive(Debug)]\nstruct S;\n```\n"),
            "{text}"
        );
        assert!(
            text.contains("```python\n# a Python comment stays\nx = 1\n```\n"),
            "{text}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn stopwatch_follows_the_paused_clock() {
        within(Duration::from_secs(5), "stopwatch", async {
            let watch = Stopwatch::start();
            assert_eq!(watch.stamp(), "[ 0.00s]");
            tokio::time::sleep(Duration::from_millis(2250)).await;
            assert_eq!(watch.elapsed(), Duration::from_millis(2250));
            assert_eq!(watch.say("tick"), "[ 2.25s] tick");
        })
        .await;
    }
}
