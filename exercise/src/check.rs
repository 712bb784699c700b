//! Checking one exercise: compile, then its tests, then clippy — the order rustlings uses — stopping
//! at the first stage that fails and keeping that stage's output for the learner.

use std::ffi::OsString;
use std::fmt;
use std::path::Path;
use std::process::{Command, Output};

use crate::catalog::Exercise;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Compile,
    Tests,
    Clippy,
    Fmt,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Compile => "it does not compile",
            Stage::Tests => "its tests fail",
            Stage::Clippy => "clippy has warnings",
            Stage::Fmt => "it is not formatted (cargo fmt)",
        })
    }
}

/// What a check found: `None` when every stage passed, else the first failing stage and what it
/// printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub failure: Option<(Stage, String)>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Which file of an exercise to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// What the learner edits.
    Exercise,
    /// The shipped solution (also checked for formatting).
    Solution,
}

/// Runs cargo in the workspace at `root`. `color`: ask cargo for colored output (a terminal).
pub fn check(
    root: &Path,
    exercise: &Exercise,
    which: Which,
    color: bool,
) -> std::io::Result<Outcome> {
    let bin = match which {
        Which::Exercise => exercise.name.clone(),
        Which::Solution => exercise.solution_bin(),
    };
    let color = if color { "always" } else { "never" };
    let cargo = |subcommand: &str, extra: &[&str]| -> std::io::Result<Output> {
        let mut command = Command::new(cargo_program());
        command
            .current_dir(root)
            .arg(subcommand)
            // This crate's own name: the end-to-end test runs a renamed copy of it.
            .args([
                "-q",
                "-p",
                env!("CARGO_PKG_NAME"),
                "--features",
                &exercise.name,
            ])
            .args(["--bin", &bin])
            .args(["--color", color])
            .args(extra)
            // A panic message reads better without a backtrace under it.
            .env("RUST_BACKTRACE", "0");
        command.output()
    };

    let compiled = cargo("test", &["--no-run"])?;
    if !compiled.status.success() {
        return Ok(fail(Stage::Compile, text(&compiled.stderr)));
    }
    let tested = cargo("test", &["--", "--color", color])?;
    if !tested.status.success() {
        let mut out = failures(&text(&tested.stdout));
        if out.trim().is_empty() {
            out = format!("{}{}", text(&tested.stdout), text(&tested.stderr));
        }
        return Ok(fail(Stage::Tests, out));
    }
    let linted = cargo("clippy", &["--profile", "test", "--", "-D", "warnings"])?;
    if !linted.status.success() {
        return Ok(fail(Stage::Clippy, text(&linted.stderr)));
    }
    if which == Which::Solution {
        let formatted = Command::new(rustfmt_program())
            .current_dir(root)
            .args(["--check", "--edition", "2024"])
            .arg(exercise.solution_path())
            .output()?;
        if !formatted.status.success() {
            return Ok(fail(Stage::Fmt, text(&formatted.stdout)));
        }
    }
    Ok(Outcome { failure: None })
}

fn fail(stage: Stage, output: String) -> Outcome {
    Outcome {
        failure: Some((stage, output)),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The cargo that runs the runner (`cargo run` sets `CARGO`), else the one on the PATH.
pub(crate) fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn rustfmt_program() -> OsString {
    std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into())
}

/// From the test harness's output, the part a learner reads: the first failing test's panic
/// message, and how many more tests failed.
pub fn failures(stdout: &str) -> String {
    let mut blocks: Vec<String> = Vec::new();
    let mut keep = false;
    for line in stdout.lines() {
        if line.starts_with("---- ") && line.ends_with(" ----") {
            keep = true;
            blocks.push(String::new());
        } else if line == "failures:" || line.starts_with("test result:") {
            keep = false;
            continue;
        }
        if let (true, Some(block)) = (keep, blocks.last_mut())
            && !line.starts_with("note: run with `RUST_BACKTRACE")
        {
            block.push_str(line);
            block.push('\n');
        }
    }
    let Some(first) = blocks.first() else {
        return String::new();
    };
    match blocks.len() - 1 {
        0 => first.clone(),
        1 => format!("{}\n(and 1 more failing test)\n", first.trim_end()),
        more => format!("{}\n(and {more} more failing tests)\n", first.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_keep_each_panic_message_and_drop_the_name_lists() {
        let harness = "\nrunning 2 tests\ntest tests::a ... FAILED\ntest tests::b ... ok\n\n\
            failures:\n\n---- tests::a stdout ----\n\nthread 'tests::a' panicked at x.rs:3:5:\n\
            3 requests ran at once; the limit is 2\n\
            note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\n\
            ---- tests::c stdout ----\nsecond failure\n\n\
            failures:\n    tests::a\n\ntest result: FAILED. 1 passed; 1 failed\n";
        let shown = failures(harness);
        assert!(shown.contains("---- tests::a stdout ----"), "{shown}");
        assert!(
            shown.contains("3 requests ran at once; the limit is 2"),
            "{shown}"
        );
        assert!(!shown.contains("RUST_BACKTRACE"), "{shown}");
        assert!(!shown.contains("    tests::a\n"), "{shown}");
        assert!(!shown.contains("test result"), "{shown}");
        assert!(!shown.contains("second failure"), "only the first: {shown}");
        assert!(shown.contains("(and 1 more failing test)"), "{shown}");
    }
}
