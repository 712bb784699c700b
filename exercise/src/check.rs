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
    /// The tests passed, but not all of the exercise's checks ran (deleted, renamed, ignored).
    Checks,
    Clippy,
    Fmt,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Compile => "it does not compile",
            Stage::Tests => "its tests fail",
            Stage::Checks => "the checks of this exercise were changed",
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

/// Checks the learner's file with cargo in the workspace at `root` (`verify` checks the solutions
/// its own way, all at once). `color`: ask cargo for colored output (a terminal).
pub fn check(root: &Path, exercise: &Exercise, color: bool) -> std::io::Result<Outcome> {
    check_saying(root, exercise, color, &|_| {})
}

/// [`check`], telling `progress` what it is doing as each stage starts (the first check compiles
/// for a while: the learner sees it working).
pub fn check_saying(
    root: &Path,
    exercise: &Exercise,
    color: bool,
    progress: &dyn Fn(&str),
) -> std::io::Result<Outcome> {
    let bin = exercise.name.clone();
    let color = if color { "always" } else { "never" };
    let cargo = |subcommand: &str, extra: &[&str]| -> std::io::Result<Output> {
        let mut command = Command::new(cargo_program());
        command
            .current_dir(root)
            .arg(subcommand)
            // The lesson's crate, with its exercises switched on: nothing else is built.
            .args(["-q", "-p", &exercise.package, "--features", "exercises"])
            .args(["--bin", &bin])
            .args(["--color", color])
            .args(extra)
            // A panic message reads better without a backtrace under it.
            .env("RUST_BACKTRACE", "0");
        command.output()
    };

    progress("compiling (a first check also builds what its lesson uses)");
    let compiled = cargo("test", &["--no-run"])?;
    if !compiled.status.success() {
        return Ok(fail(Stage::Compile, text(&compiled.stderr)));
    }
    // Tests and clippy both run, so that clippy's plain words ("blocks the runtime thread") stand
    // beside a failing test's.
    progress("running its checks, then clippy");
    let tested = cargo("test", &["--", "--color", color, "--format", "pretty"])?;
    let linted = cargo("clippy", &["--profile", "test", "--", "-D", "warnings"])?;
    let lints = (!linted.status.success()).then(|| text(&linted.stderr));
    let stdout = text(&tested.stdout);
    let expected = expected_tests(root, exercise, true);
    if !tested.status.success() {
        let mut out = failures(&stdout, &expected);
        if out.trim().is_empty() {
            out = format!("{stdout}{}", text(&tested.stderr));
        }
        // Clippy's own findings (a blocking call, a lock held across `.await`) explain a failing
        // test; the compiler's warnings about a half-written file (an unused variable beside a
        // `todo!()`) would only bury it.
        if let Some(lints) = lints.as_ref().filter(|l| l.contains("clippy::")) {
            out = format!("{out}\nclippy has warnings too:\n{lints}");
        }
        return Ok(fail(Stage::Tests, out));
    }
    if let Some(missing) = missing_checks(&expected, &test_results(&stdout), "") {
        return Ok(fail(Stage::Checks, missing));
    }
    if let Some(lints) = lints {
        return Ok(fail(Stage::Clippy, lints));
    }
    Ok(Outcome { failure: None })
}

/// The tests an exercise's checks file defines (`#[test]` or `#[tokio::test]` functions), as the
/// harness names them: `checks::NAME`. `shipped`: read the file as the last commit has it, so
/// that a check edited or deleted in the working copy still counts.
pub fn expected_tests(root: &Path, exercise: &Exercise, shipped: bool) -> Vec<String> {
    let path = exercise.checks_path();
    let source = shipped
        .then(|| crate::shipped(root, &path).ok())
        .flatten()
        .or_else(|| std::fs::read_to_string(root.join(&path)).ok())
        .unwrap_or_default();
    test_names(&source)
        .into_iter()
        .map(|name| format!("checks::{name}"))
        .collect()
}

/// The names of the test functions in a checks file.
pub fn test_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut attribute = false;
    for line in source.lines() {
        let line = line.trim_start();
        if line.starts_with("#[test]") || line.starts_with("#[tokio::test") {
            attribute = true;
        } else if attribute && let Some(at) = line.find("fn ") {
            let name = line[at + 3..]
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("");
            names.push(name.to_owned());
            attribute = false;
        }
    }
    names
}

/// What the harness said of each test: `(name, "ok" | "FAILED" | "ignored")`.
pub fn test_results(stdout: &str) -> Vec<(String, String)> {
    crate::render::strip_ansi(stdout)
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            let (name, verdict) = rest.rsplit_once(" ... ")?;
            let verdict = verdict.split_whitespace().next().unwrap_or("");
            Some((name.trim().to_owned(), verdict.to_owned()))
        })
        .collect()
}

/// `None` when every expected test (under `prefix`, a module path ending in `::` or empty) ran
/// and passed; else what the learner reads.
pub fn missing_checks(
    expected: &[String],
    results: &[(String, String)],
    prefix: &str,
) -> Option<String> {
    let missing: Vec<&str> = expected
        .iter()
        .filter(|name| {
            !results
                .iter()
                .any(|(ran, verdict)| *ran == format!("{prefix}{name}") && verdict == "ok")
        })
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(format!(
        "The tests that ran passed, but {} of this exercise's {} checks did not run (deleted, \
         renamed or #[ignore]d): {}.\nThe checks of this exercise were changed; `r` puts them \
         back.",
        missing.len(),
        expected.len(),
        missing.join(", ")
    ))
}

/// A failed stage, its output tidied for the learner and its first error explained when it is one
/// of the common async ones (`workshop::explain`).
fn fail(stage: Stage, output: String) -> Outcome {
    let output = match stage {
        Stage::Compile | Stage::Clippy => workshop::explain::annotate(&tidy(&output)),
        // Every failing check's message is kept: a recorded mistake's words may be in any of them.
        Stage::Tests => workshop::explain::explain_above(&tidy(&output)),
        Stage::Checks | Stage::Fmt => output,
    };
    Outcome {
        failure: Some((stage, output)),
    }
}

/// Cargo's words for the runner's crate replaced by the learner's file: paths read
/// `part_01/exercises/x.rs`, not `exercise/../part_01/exercises/x.rs`, and "could not compile"
/// names the exercise, not the crate that builds it.
pub fn tidy(output: &str) -> String {
    let output = output
        .replace(concat!(env!("CARGO_PKG_NAME"), "/../"), "")
        .replace("/exercises/../checks/", "/checks/")
        .replace("/solutions/../checks/", "/checks/");
    output
        .lines()
        .map(|line| match line.find("could not compile `") {
            Some(at) if line.contains(concat!("`", env!("CARGO_PKG_NAME"), "` (bin \"")) => {
                let bin = line
                    .split("(bin \"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or("");
                let tail = line.split(") ").nth(1).unwrap_or("");
                format!("{}could not compile {bin} {tail}", &line[..at])
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The cargo that runs the runner (`cargo run` sets `CARGO`), else the one on the PATH.
pub(crate) fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

pub(crate) fn rustfmt_program() -> OsString {
    std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into())
}

/// From the test harness's output, the part a learner reads: each failing test's panic message,
/// in the order the checks file has them (the harness finishes them in any order), the first in
/// full (what it printed, then its message), the others cut to their message's first lines; and
/// how many failed. `order`: the expected test names (`checks::NAME`).
pub fn failures(stdout: &str, order: &[String]) -> String {
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut keep = false;
    for line in stdout.lines() {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" ----"))
        {
            keep = true;
            let name = name.strip_suffix(" stdout").unwrap_or(name).to_owned();
            blocks.push((name, String::new()));
        } else if line == "failures:" || line.starts_with("test result:") {
            keep = false;
            continue;
        }
        if let (true, Some((_, block))) = (keep, blocks.last_mut())
            && !line.starts_with("note: run with `RUST_BACKTRACE")
        {
            block.push_str(line);
            block.push('\n');
        }
    }
    let place = |name: &str| {
        order
            .iter()
            .position(|expected| name.ends_with(expected.as_str()))
            .unwrap_or(usize::MAX)
    };
    blocks.sort_by_key(|(name, _)| place(name));
    let Some((_, first)) = blocks.first() else {
        return String::new();
    };
    // A test's message: what follows its last `panicked at` line. Several tests failing with the
    // same message (a `todo!()` still in the file) are shown once.
    let message = |block: &str| -> String {
        let lines: Vec<&str> = block.lines().collect();
        let at = lines.iter().rposition(|l| l.contains("panicked at"));
        at.map_or_else(String::new, |at| {
            lines[at + 1..].join("\n").trim().to_owned()
        })
    };
    let mut seen = vec![message(first)];
    let mut same = 0;
    let mut out = first.trim_end().to_owned();
    for (_, block) in &blocks[1..] {
        let said = message(block);
        if !said.is_empty() && seen.contains(&said) {
            same += 1;
            continue;
        }
        seen.push(said);
        out.push_str("\n\n");
        let lines: Vec<&str> = block.trim().lines().filter(|l| !l.is_empty()).collect();
        // Its header, then its message: what the test printed before it is left out.
        let message = lines
            .iter()
            .position(|l| l.contains("panicked at"))
            .unwrap_or(0);
        let mut shown: Vec<&str> = lines.first().copied().into_iter().collect();
        shown.extend(
            lines[message.max(1).min(lines.len())..]
                .iter()
                .take(OTHER_LINES),
        );
        out.push_str(&shown.join("\n"));
        if lines.len() > message.max(1) + OTHER_LINES {
            out.push_str("\n…");
        }
    }
    if same > 0 {
        out.push_str(&format!(
            "\n\n({same} more failed with a message shown above)"
        ));
    }
    if blocks.len() > 1 {
        out.push_str(&format!("\n\n({} tests failed)", blocks.len()));
    }
    out.push('\n');
    out
}

/// How many lines of each failing test after the first are shown.
const OTHER_LINES: usize = 6;

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
        let order = ["tests::c".to_owned(), "tests::a".to_owned()];
        let shown = failures(harness, &order);
        assert!(
            shown.find("second failure") < shown.find("3 requests ran at once"),
            "in the checks file's order: {shown}"
        );
        assert!(shown.contains("---- tests::a stdout ----"), "{shown}");
        assert!(
            shown.contains("3 requests ran at once; the limit is 2"),
            "{shown}"
        );
        assert!(!shown.contains("RUST_BACKTRACE"), "{shown}");
        assert!(!shown.contains("    tests::a\n"), "{shown}");
        assert!(!shown.contains("test result"), "{shown}");
        assert!(
            shown.contains("second failure"),
            "every failing test: {shown}"
        );
        assert!(shown.contains("(2 tests failed)"), "{shown}");
        let same = "---- checks::a stdout ----\nthread 'checks::a' panicked at x.rs:1:1:\nstill a todo\n\n\
                    ---- checks::b stdout ----\nthread 'checks::b' panicked at x.rs:9:9:\nstill a todo\n\n\
                    test result: FAILED. 0 passed; 2 failed\n";
        let shown = failures(same, &[]);
        assert_eq!(shown.matches("still a todo").count(), 1, "{shown}");
        assert!(
            shown.contains("(1 more failed with a message shown above)"),
            "{shown}"
        );
    }

    #[test]
    fn cargo_paths_and_crate_name_give_way_to_the_learners_file() {
        let raw = "thread 'checks::a' panicked at exercise/../part_01/exercises/../checks/x.rs:3:5:\n\
                   error: could not compile `exercise` (bin \"x\" test) due to 1 previous error\n";
        let tidied = tidy(raw);
        assert!(
            tidied.contains("panicked at part_01/checks/x.rs:3:5:"),
            "{tidied}"
        );
        assert!(
            tidied.contains("error: could not compile x due to 1 previous error"),
            "{tidied}"
        );
    }

    #[test]
    fn test_names_and_results_are_read_as_the_harness_names_them() {
        let checks = "use super::*;\n\n#[test]\nfn plain() {}\n\n#[tokio::test(start_paused = true)]\n\
                      async fn paused() {}\n\nfn helper() {}\n";
        assert_eq!(test_names(checks), ["plain", "paused"]);
        let out = "running 2 tests\ntest checks::plain ... \x1b[32mok\x1b[m\x0f\n\
                   test checks::paused ... \x1b[33mignored\x1b[0m\n";
        let results = test_results(out);
        assert_eq!(results[0], ("checks::plain".to_owned(), "ok".to_owned()));
        assert_eq!(results[1].1, "ignored");
        let expected = ["checks::plain".to_owned(), "checks::paused".to_owned()];
        let said = missing_checks(&expected, &results, "").expect("one was ignored");
        assert!(said.contains("1 of this exercise's 2 checks"), "{said}");
        assert!(said.contains("checks::paused"), "{said}");
        assert!(said.contains("`r` puts them back"), "{said}");
        let all_ok = [
            ("m::checks::plain".to_owned(), "ok".to_owned()),
            ("m::checks::paused".to_owned(), "ok".to_owned()),
        ];
        assert_eq!(missing_checks(&expected, &all_ok, "m::"), None);
    }
}
