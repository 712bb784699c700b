//! `cargo exercise verify`, for authors and CI: every exercise fails as shipped, every solution
//! passes (compile, all of its checks, clippy, rustfmt), and every recorded mistake is caught.
//!
//! It asks cargo as little as it can: one build of every exercise and solution (each a test
//! binary), then the binaries are run directly; one clippy run over the solutions; one rustfmt;
//! one build of the recorded mistakes (`mistakes`). A learner's `check` does the same steps for one
//! file (`check.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::catalog::Exercise;
use crate::catalog::shipped::{SHIPPED, fingerprint, is_shipped};
use crate::check::{self, Stage};
use crate::mistakes;

/// What verify found wrong, one line (or block) per problem.
type Problems = Vec<(String, String)>;

/// An exercise as shipped and its solution, run: what is wrong with them, if anything.
type Judged = Result<Option<String>, String>;

pub fn run(
    root: &Path,
    chosen: &[&Exercise],
    repeat: usize,
    mistakes_only: bool,
) -> Result<bool, String> {
    let started = Instant::now();
    let mut problems: Problems = Vec::new();
    let mut passed = 0;
    let own = learners_work(root, chosen, &mut problems)?;
    if !mistakes_only {
        let before = problems.len();
        exercises_and_solutions(root, chosen, &own, &mut problems)?;
        passed += chosen.len().saturating_sub(problems.len() - before);
    }
    for exercise in chosen {
        let recorded = mistakes::load(root, exercise)?;
        if let Some(gap) = mistakes::coverage_gap(&recorded) {
            problems.push((exercise.name.clone(), gap));
        }
    }
    // A recorded mistake goes into the shipped file: not into a learner's work.
    let shipped: Vec<&Exercise> = chosen
        .iter()
        .filter(|e| !own.contains(&e.name))
        .copied()
        .collect();
    let verdicts = mistakes::verify(root, &shipped, repeat)?;
    let mut caught = 0;
    for (mistake, verdict) in &verdicts {
        let label = format!("{}/{}", mistake.exercise, mistake.name);
        match verdict {
            Ok(()) => {
                caught += 1;
                passed += 1;
                say!(
                    "ok    {label:56} {} caught: {:?}",
                    mistake.kind,
                    mistake.expect
                );
            }
            Err(why) => problems.push((
                label,
                format!(
                    "{} ({}: {}): {why}",
                    mistake.kind,
                    mistake.path.display(),
                    mistake.what
                ),
            )),
        }
    }
    // The errors the runner explains, each pinned by a program that still triggers it.
    if !mistakes_only {
        for (name, verdict) in mistakes::verify_explained(root)? {
            match verdict {
                Ok(()) => {
                    passed += 1;
                    say!("ok    {:56} explained", format!("explained/{name}"));
                }
                Err(why) => problems.push((format!("explained/{name}"), why)),
            }
        }
    }
    for (what, why) in &problems {
        say!("WRONG {what:56} {why}");
    }
    let checked = if mistakes_only { 0 } else { chosen.len() };
    say!(
        "{passed} passed, {} failed: verified {checked} exercises and {caught} of {} recorded \
         mistakes in {:.0?}",
        problems.len(),
        verdicts.len(),
        started.elapsed()
    );
    Ok(problems.is_empty())
}

/// The exercises whose file is not the shipped one: a learner's work, which `make test` must not
/// fail on (solved, it passes; half-written, it may not compile). Verify leaves them alone and
/// says so. In CI, where every file is as shipped, a difference is an author's: a problem.
fn learners_work(
    root: &Path,
    chosen: &[&Exercise],
    problems: &mut Problems,
) -> Result<std::collections::HashSet<String>, String> {
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    let mut own = std::collections::HashSet::new();
    for exercise in chosen {
        let bytes = std::fs::read(root.join(exercise.path()))
            .map_err(|e| format!("{}: {e}", exercise.path().display()))?;
        if is_shipped(root, &exercise.name, &bytes) {
            continue;
        }
        let now = fingerprint(&bytes);
        let how = format!(
            "{} is not the file {SHIPPED} records (changed on purpose? its line is now \
             `{} {now}`)",
            exercise.path().display(),
            exercise.name
        );
        if in_ci {
            problems.push((exercise.name.clone(), how));
        } else {
            say!(
                "skip  {:56} your work: the shipped file and its recorded mistakes are checked \
                 in CI ({how})",
                exercise.name
            );
        }
        own.insert(exercise.name.clone());
    }
    Ok(own)
}

/// The shipped files must fail and the solutions pass, each with every check it has. An exercise
/// in `own` is a learner's work: only its solution is checked.
fn exercises_and_solutions(
    root: &Path,
    chosen: &[&Exercise],
    own: &std::collections::HashSet<String>,
    problems: &mut Problems,
) -> Result<(), String> {
    let started = Instant::now();
    // Each exercise is a binary of its lesson's crate, built with that crate's `exercises`.
    let mut packages: Vec<&str> = chosen.iter().map(|e| e.package.as_str()).collect();
    packages.dedup();
    let features: Vec<String> = packages.iter().map(|p| format!("{p}/exercises")).collect();
    let features = features.join(",");
    let lessons = |subcommand: &str| {
        let mut command = Command::new(check::cargo_program());
        command
            .current_dir(root)
            .arg(subcommand)
            .args(["-q", "--color", "never"])
            .args(packages.iter().flat_map(|p| ["-p", p]))
            .env("RUST_BACKTRACE", "0");
        command
    };
    let mut targets: Vec<String> = Vec::new();
    for e in chosen {
        if !own.contains(&e.name) {
            targets.push(e.name.clone());
        }
        targets.push(e.solution_bin());
    }
    // One build of everything. Cargo stops at the first target that does not compile (a shipped
    // exercise may not, by design): those it names are left out and the rest built again.
    let mut built_log = String::new();
    let mut executables = Vec::new();
    for _ in 0..4 {
        let built = lessons("test")
            .args(["--no-run", "--features", &features])
            .args(targets.iter().flat_map(|t| ["--bin", t.as_str()]))
            .arg("--message-format=json-render-diagnostics")
            .output()
            .map_err(|e| format!("running cargo: {e}"))?;
        let log = String::from_utf8_lossy(&built.stderr).into_owned();
        executables.extend(self::executables(&String::from_utf8_lossy(&built.stdout)));
        let failed: Vec<String> = targets
            .iter()
            .filter(|t| log.contains(&format!("(bin \"{t}\" test)")))
            .cloned()
            .collect();
        built_log.push_str(&log);
        if built.status.success() || failed.is_empty() {
            break;
        }
        targets.retain(|t| !failed.contains(t));
        if targets.is_empty() {
            break;
        }
    }
    let exe = |bin: &str| {
        executables
            .iter()
            .find(|(name, _)| name == bin)
            .map(|(_, p)| p.clone())
    };
    // Each shipped exercise and each solution run, AT_ONCE at a time (most of a run is waiting).
    let judge = |exercise: &Exercise| -> Judged {
        let mut wrong = None;
        // As shipped: it does not compile, or a check fails or does not run.
        if let Some(shipped) = exe(&exercise.name).filter(|_| !own.contains(&exercise.name)) {
            let expected = check::expected_tests(root, exercise, false);
            let (ok, output) = mistakes::run_tests(root, &shipped, &[])?;
            let results = check::test_results(&output);
            if ok && check::missing_checks(&expected, &results, "").is_none() {
                wrong =
                    Some("the exercise passes as shipped: it must fail until solved".to_owned());
            }
        }
        // The solution: built, and every check ran and passed.
        match exe(&exercise.solution_bin()) {
            None => {
                wrong.get_or_insert(format!(
                    "the solution does not compile:\n{}",
                    mistakes::first_error_in(
                        &built_log,
                        &[exercise.solution_path(), exercise.checks_path()]
                    )
                ));
            }
            Some(solution) => {
                let expected = check::expected_tests(root, exercise, false);
                let (ok, output) = mistakes::run_tests(root, &solution, &[])?;
                let results = check::test_results(&output);
                if !ok {
                    wrong.get_or_insert(format!(
                        "the solution fails its tests:\n{}",
                        check::failures(&output, &expected)
                    ));
                } else if let Some(missing) = check::missing_checks(&expected, &results, "") {
                    wrong.get_or_insert(format!("the solution: {missing}"));
                }
            }
        }
        Ok(wrong)
    };
    let (judged, ()) = mistakes::at_once(chosen, |_, exercise| judge(exercise), || ());
    let mut solved = Vec::new();
    for (exercise, verdict) in chosen.iter().zip(judged) {
        match verdict? {
            Some(why) => problems.push((exercise.name.clone(), why)),
            None => solved.push(*exercise),
        }
    }
    say!(
        "built the exercises and their solutions, and ran their checks, in {:.0?}",
        started.elapsed()
    );
    if solved.is_empty() {
        return Ok(());
    }
    // Clippy over the solutions that passed, in one run.
    let mut solution_bins = Vec::new();
    for e in &solved {
        solution_bins.extend(["--bin".to_owned(), e.solution_bin()]);
    }
    let linted = lessons("clippy")
        .args(["--profile", "test", "--keep-going", "--features", &features])
        .args(&solution_bins)
        .args(["--", "-D", "warnings"])
        .output()
        .map_err(|e| format!("running cargo clippy: {e}"))?;
    let lint_log = String::from_utf8_lossy(&linted.stderr).into_owned();
    let formatted = Command::new(check::rustfmt_program())
        .current_dir(root)
        .args(["--check", "--edition", "2024"])
        .args(solved.iter().map(|e| e.solution_path()))
        .output()
        .map_err(|e| format!("running rustfmt: {e}"))?;
    let fmt_log = String::from_utf8_lossy(&formatted.stdout).into_owned();
    for exercise in &solved {
        let lint_failed = !linted.status.success()
            && lint_log.contains(&format!("(bin \"{}\" test)", exercise.solution_bin()));
        let folder = root.join(&exercise.dir);
        let unformatted = fmt_log.lines().any(|l| {
            l.starts_with("Diff in ")
                && (l.contains(&exercise.solution_path().display().to_string())
                    || l.contains(&format!("checks/{}.rs", exercise.name))
                        && l.contains(&folder.display().to_string()))
        });
        if lint_failed {
            problems.push((
                exercise.name.clone(),
                format!(
                    "the solution fails: {}\n{}",
                    Stage::Clippy,
                    mistakes::first_error_in(
                        &lint_log,
                        &[exercise.solution_path(), exercise.checks_path()]
                    )
                ),
            ));
        } else if unformatted {
            problems.push((
                exercise.name.clone(),
                format!(
                    "the solution fails: {} (rustfmt --edition 2024 {})",
                    Stage::Fmt,
                    exercise.solution_path().display()
                ),
            ));
        } else {
            say!(
                "ok    {:56} fails as shipped; the solution passes",
                exercise.name
            );
        }
    }
    let named = solved
        .iter()
        .any(|e| lint_log.contains(&format!("(bin \"{}\" test)", e.solution_bin())));
    if !linted.status.success() && !named {
        problems.push(("clippy".to_owned(), lint_log));
    }
    Ok(())
}

/// `(target name, executable)` for each test binary in cargo's JSON messages.
pub fn executables(json: &str) -> Vec<(String, PathBuf)> {
    json.lines()
        .filter(|line| line.contains("\"reason\":\"compiler-artifact\""))
        .filter_map(|line| {
            let exe = string_after(line, "\"executable\":\"")?;
            let target = &line[line.find("\"target\":{")?..];
            let name = string_after(target, "\"name\":\"")?;
            Some((name, PathBuf::from(exe)))
        })
        .collect()
}

/// The JSON string that starts right after `key`.
fn string_after(text: &str, key: &str) -> Option<String> {
    let start = text.find(key)? + key.len();
    let end = text[start..].find('"')?;
    Some(text[start..start + end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_exercise_file_is_the_one_recorded() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        let catalog = crate::catalog::Catalog::load(root).expect("the exercise lists");
        let listed = std::fs::read_to_string(root.join(SHIPPED)).expect("exercise/shipped.txt");
        for exercise in &catalog.exercises {
            let bytes = std::fs::read(root.join(exercise.path())).expect("the exercise file");
            let line = format!("\n{} {}\n", exercise.name, fingerprint(&bytes));
            assert!(
                listed.contains(&line) || std::env::var_os("CI").is_none(),
                "{SHIPPED} needs the line `{}`",
                line.trim()
            );
            assert!(
                listed.contains(&format!("\n{} ", exercise.name)),
                "{SHIPPED} has no line for {}",
                exercise.name
            );
        }
    }

    #[test]
    fn executables_are_read_from_cargos_json_messages() {
        let json = concat!(
            r#"{"reason":"compiler-artifact","package_id":"p","manifest_path":"m","#,
            r#""target":{"kind":["bin"],"crate_types":["bin"],"name":"spawn_and_abort","#,
            r#""src_path":"/w/part_05/exercises/spawn_and_abort.rs"},"profile":{"test":true},"#,
            r#""features":[],"filenames":["/w/target/debug/deps/spawn_and_abort-1"],"#,
            r#""executable":"/w/target/debug/deps/spawn_and_abort-1","fresh":true}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"tokio"},"executable":null}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(
            executables(json),
            [(
                "spawn_and_abort".to_owned(),
                PathBuf::from("/w/target/debug/deps/spawn_and_abort-1")
            )]
        );
    }
}
