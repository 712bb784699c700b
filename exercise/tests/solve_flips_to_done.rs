//! End to end, as a learner meets it: in a scratch copy of the workspace, the first exercise is
//! `todo` and fails its check; with its solution copied in, `check` passes and `list` says `done`;
//! with one of its checks ignored, or the line that pulls them in deleted, it does not pass;
//! `reset` brings back the shipped files and `todo`.
//!
//! The scratch copy builds into this workspace's own target folder, so that only its own crates are
//! compiled again, not tokio and the rest. Cargo names a workspace crate's artifacts by its name and
//! its path *within* the workspace, so every crate the copy builds is renamed (the runner, part_01
//! whose binary the exercise is, workshop, pins/core): otherwise the copy's build and the real one
//! would share artifacts, the copy's would replace the real ones, and cargo would take the copy's
//! binary for an up-to-date build of the learner's untouched file, and rebuild every crate that
//! depends on workshop on the next `make test`. The runner finds the exercise's crate by the name
//! in `part_01/Cargo.toml`.

#![allow(clippy::disallowed_methods)] // a synchronous test driving cargo and git: blocking is right

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// `target/` of this workspace: the test binary is `target/debug/deps/NAME-HASH`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "target"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root().join("target"))
}

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .current_dir(dir)
        .args(args)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap_or_else(|e| panic!("running {program} {args:?}: {e}"))
}

fn cargo_exercise(dir: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut all = vec!["run", "-q", "-p", SCRATCH_CRATE, "--"];
    all.extend_from_slice(args);
    run(dir, &cargo, &all)
}

/// The runner crate's name in the scratch copy.
const SCRATCH_CRATE: &str = "exercise_scratch_copy";
/// part_01's name in the scratch copy.
const SCRATCH_LESSON: &str = "part_01_scratch_copy";

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn copy_workspace(from: &Path, to: &Path) {
    let listed = run(
        from,
        "git",
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    );
    assert!(listed.status.success(), "git ls-files failed");
    for name in listed.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let source = from.join(&name);
        if !source.is_file() {
            continue; // deleted in the working tree
        }
        let target = to.join(&name);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(&source, &target).expect("copy");
    }
    // The runner's crate and its binary (`cargo run` starts `target/debug/NAME`, which both copies
    // would share); part_01's crate; and the libraries these two build, whose new names the root
    // manifest gives their dependents (`workshop = { path = …, package = "workshop_…" }`).
    for (crate_dir, name, renamed_to, times) in [
        (
            "exercise",
            "\"exercise\"\n".to_owned(),
            format!("\"{SCRATCH_CRATE}\"\n"),
            usize::MAX,
        ),
        (
            "part_01",
            // Its name, and its `default-run` (the lesson's binary takes the crate's name).
            "\"part_01\"\n".to_owned(),
            format!("\"{SCRATCH_LESSON}\"\n"),
            usize::MAX,
        ),
        (
            "workshop",
            "name = \"workshop\"\n".to_owned(),
            "name = \"workshop_scratch_copy\"\n".to_owned(),
            1,
        ),
        (
            "pins/core",
            "name = \"pins_core\"\n".to_owned(),
            "name = \"pins_core_scratch_copy\"\n".to_owned(),
            1,
        ),
        (
            ".",
            "workshop = { path = \"workshop\" }".to_owned(),
            "workshop = { path = \"workshop\", package = \"workshop_scratch_copy\" }".to_owned(),
            1,
        ),
        (
            ".",
            "pins_core = { path = \"pins/core\" }".to_owned(),
            "pins_core = { path = \"pins/core\", package = \"pins_core_scratch_copy\" }".to_owned(),
            1,
        ),
    ] {
        let manifest = to.join(crate_dir).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).expect("the crate's Cargo.toml");
        let renamed = text.replacen(&name, &renamed_to, times);
        assert_ne!(
            renamed, text,
            "{crate_dir}/Cargo.toml: the line to rename moved: {name}"
        );
        std::fs::write(&manifest, renamed).expect("rename the copy's crate");
    }
    let git = |args: &[&str]| {
        let out = run(to, "git", args);
        assert!(out.status.success(), "git {args:?}: {:?}", out);
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&[
        "-c",
        "user.name=learner",
        "-c",
        "user.email=learner@example.invalid",
        "commit",
        "-qm",
        "as shipped",
    ]);
}

fn line_for<'a>(listing: &'a str, name: &str) -> &'a str {
    listing
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("`list` has no line for {name}:\n{listing}"))
}

/// Which exercise files are as shipped (`exercise/shipped.txt`), as the runner reads it.
#[allow(dead_code)]
#[path = "../src/shipped.rs"]
mod shipped;

#[test]
fn solving_an_exercise_flips_it_from_todo_to_done() {
    // It starts from the shipped exercise. In a learner's clone that file is their work: leave
    // it alone (CI, where it is as shipped, always runs this).
    let shipped = root().join("part_01/exercises/runtime_by_hand.rs");
    let bytes = std::fs::read(&shipped).expect("the exercise file");
    if !shipped::is_shipped(&root(), "runtime_by_hand", &bytes) {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v.is_empty()),
            "CI: part_01/exercises/runtime_by_hand.rs is not the shipped file"
        );
        eprintln!(
            "skipped: part_01/exercises/runtime_by_hand.rs is your work, not the shipped file"
        );
        return;
    }
    let scratch = std::env::temp_dir().join(format!("exercise-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_workspace(&root(), &scratch);

    // The first exercise the runner offers.
    let (dir, name) = ("part_01", "runtime_by_hand");
    let exercise = scratch
        .join(dir)
        .join("exercises")
        .join(format!("{name}.rs"));
    let solution = scratch
        .join(dir)
        .join("solutions")
        .join(format!("{name}.rs"));
    let shipped = std::fs::read_to_string(&exercise).expect("the exercise file");

    let listed = cargo_exercise(&scratch, &["list"]);
    assert!(listed.status.success(), "list failed: {listed:?}");
    let line = stdout(&listed);
    assert!(
        line_for(&line, name).contains(" todo "),
        "a fresh copy must list {name} as todo: {line}"
    );

    let first = cargo_exercise(&scratch, &["check", name]);
    assert_eq!(
        first.status.code(),
        Some(1),
        "check must fail on the shipped exercise: {first:?}"
    );
    assert!(stdout(&first).contains(&format!("✗ {name}")), "{first:?}");

    std::fs::copy(&solution, &exercise).expect("copy the solution in");
    let solved = cargo_exercise(&scratch, &["check", name]);
    assert!(
        solved.status.success(),
        "check must pass once the solution is in: {}{}",
        stdout(&solved),
        String::from_utf8_lossy(&solved.stderr)
    );
    let after = stdout(&cargo_exercise(&scratch, &["list"]));
    assert!(
        line_for(&after, name).contains(" done "),
        "{name} must be listed as done after a passing check: {after}"
    );

    // The checks cannot be switched off: one ignored, or none pulled in, is not a pass.
    let checks = scratch.join(dir).join("checks").join(format!("{name}.rs"));
    let shipped_checks = std::fs::read_to_string(&checks).expect("the checks file");
    let first_test = shipped_checks
        .find("#[tokio::test")
        .or_else(|| shipped_checks.find("#[test]"))
        .expect("a test in the checks file");
    let mut ignored = shipped_checks.clone();
    ignored.insert_str(first_test, "#[ignore]\n");
    std::fs::write(&checks, ignored).expect("ignore a check");
    let skipped = cargo_exercise(&scratch, &["check", name]);
    assert_eq!(
        skipped.status.code(),
        Some(1),
        "an ignored check: {skipped:?}"
    );
    assert!(
        stdout(&skipped).contains("The checks of this exercise were changed"),
        "an ignored check must be named as a changed check: {}",
        stdout(&skipped)
    );
    std::fs::write(&checks, &shipped_checks).expect("put the checks back");
    let solved_text = std::fs::read_to_string(&solution).expect("the solution");
    let cut = solved_text.find("#[cfg(test)]").expect("the checks line");
    std::fs::write(&exercise, &solved_text[..cut]).expect("drop the checks line");
    let unchecked = cargo_exercise(&scratch, &["check", name]);
    assert_eq!(unchecked.status.code(), Some(1), "no checks: {unchecked:?}");
    assert!(
        stdout(&unchecked).contains("did not run"),
        "{}",
        stdout(&unchecked)
    );

    std::fs::write(&checks, "// nothing to check\n").expect("empty the checks");
    let reset = cargo_exercise(&scratch, &["reset", name]);
    assert!(reset.status.success(), "reset failed: {reset:?}");
    assert_eq!(
        std::fs::read_to_string(&exercise).expect("the exercise file"),
        shipped,
        "reset must bring back the shipped file"
    );
    assert_eq!(
        std::fs::read_to_string(&checks).expect("the checks file"),
        shipped_checks,
        "reset must bring back the shipped checks"
    );
    let again = stdout(&cargo_exercise(&scratch, &["list"]));
    assert!(line_for(&again, name).contains(" todo "), "{again}");

    let _ = std::fs::remove_dir_all(&scratch);
}
