//! Recorded mistakes: wrong solutions every exercise's checks must catch, run by `verify`.
//!
//! A check that passes a wrong solution teaches the wrong thing with a green tick. So each
//! exercise keeps, in `DIR/mistakes/NAME/*.rs`, at least three wrong answers — the asyncio habit,
//! the almost-right Rust, and a cheat — each with the words its failure must show the learner:
//!
//! ```text
//! // mistake: asyncio habit
//! // what: gathers in batches of `limit`, one batch after another
//! // expect: a sliding window
//! // stage: tests
//!
//! async fn fetch_all(server: &CountServer, delays: &[Duration], limit: usize) -> Vec<u64> {
//!     …
//! }
//! ```
//!
//! `mistake` is `asyncio habit`, `almost-right Rust` or `cheat`; `expect` is a phrase of what the
//! runner shows for it; `stage` (`compile`, `tests` — the default — or `clippy`) is where it must
//! fail. The file holds only the learner's part: the items it changes. [`crate::splice`] puts them
//! into the shipped exercise, so a mistake always meets the checks as they are today.
//!
//! Mistakes that must fail in the tests are built together, each as a module of one of two
//! binaries (`src/mistakes_bundle.rs`, `src/mistakes_bundle_2.rs`, feature `mistakes`): one cargo
//! build, two compilations side by side. Those that must not compile are built together as well,
//! as modules of `src/mistake_alone.rs` (rustc reports each module's errors), while the bundles'
//! tests run; one whose error does not show there, and each that only clippy catches, is built
//! alone.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::catalog::Exercise;
use crate::check::{self, Stage};

/// The three kinds every exercise records at least one of.
pub const KINDS: [&str; 3] = ["asyncio habit", "almost-right Rust", "cheat"];

/// How long one mistake's tests may run before they count as hanging (a hang is not a failure
/// the learner can read: verify reports it).
const HANG_LIMIT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub struct Mistake {
    pub exercise: String,
    /// The file's stem: `batches_of_limit`.
    pub name: String,
    pub path: PathBuf,
    pub kind: String,
    pub what: String,
    pub expect: String,
    pub stage: Stage,
    pub body: String,
}

impl Mistake {
    /// The module it becomes in the bundle.
    fn module(&self) -> String {
        format!("{}__{}", self.exercise, self.name)
    }
}

/// Reads a mistake file: its header (`// key: value` lines, a line without a key continuing the
/// last value), then the code.
pub fn parse(exercise: &str, path: &Path, text: &str) -> Result<Mistake, String> {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_owned();
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut body_at = text.len();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let Some(comment) = line.trim_end().strip_prefix("//") else {
            body_at = offset;
            break;
        };
        let comment = comment.trim();
        match comment.split_once(':') {
            Some((key, value)) if ["mistake", "what", "expect", "stage"].contains(&key.trim()) => {
                fields.push((key.trim().to_owned(), value.trim().to_owned()));
            }
            _ => match fields.last_mut() {
                Some((_, value)) if !comment.is_empty() => {
                    value.push(' ');
                    value.push_str(comment);
                }
                _ => {}
            },
        }
        offset += line.len();
    }
    let field = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let where_ = path.display();
    let kind = field("mistake").ok_or(format!("{where_}: no `// mistake:` line"))?;
    if !KINDS.contains(&kind.as_str()) {
        return Err(format!(
            "{where_}: `// mistake: {kind}` is none of {}",
            KINDS.join(", ")
        ));
    }
    let expect = field("expect").ok_or(format!("{where_}: no `// expect:` phrase"))?;
    let stage = match field("stage").as_deref() {
        None | Some("tests") => Stage::Tests,
        Some("compile") => Stage::Compile,
        Some("clippy") => Stage::Clippy,
        Some(other) => {
            return Err(format!(
                "{where_}: stage {other:?} is not compile/tests/clippy"
            ));
        }
    };
    Ok(Mistake {
        exercise: exercise.to_owned(),
        name,
        path: path.to_owned(),
        kind,
        what: field("what").ok_or(format!("{where_}: no `// what:` line"))?,
        expect,
        stage,
        body: text[body_at..].to_owned(),
    })
}

/// An exercise's recorded mistakes, by file name.
pub fn load(root: &Path, exercise: &Exercise) -> Result<Vec<Mistake>, String> {
    let dir = root.join(exercise.mistakes_dir());
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
            let relative = path.strip_prefix(root).unwrap_or(path);
            parse(&exercise.name, relative, &text)
        })
        .collect()
}

/// What is missing from an exercise's set of mistakes, if anything.
pub fn coverage_gap(mistakes: &[Mistake]) -> Option<String> {
    let missing: Vec<&str> = KINDS
        .into_iter()
        .filter(|kind| !mistakes.iter().any(|m| m.kind == *kind))
        .collect();
    if mistakes.len() < 3 || !missing.is_empty() {
        return Some(format!(
            "{} recorded mistakes; at least 3 are wanted, one of each kind (missing: {})",
            mistakes.len(),
            if missing.is_empty() {
                "none".to_owned()
            } else {
                missing.join(", ")
            }
        ));
    }
    None
}

/// The binaries every test-stage mistake is a module of (half in each), built once, side by side:
/// one program of them all would be one long compile on one core.
const BUNDLES: [&str; 2] = ["mistakes", "mistakes_2"];
/// The binary for what is built apart (a mistake that must not compile, or that only clippy
/// catches, and the explained errors): a target of its own, so that building it leaves the big
/// bundle's build as it was.
const ALONE: &str = "mistake_alone";

/// How many mistakes' tests run at once: most of their time is spent waiting (a reply that never
/// comes, a guard of a few seconds), not computing.
pub const AT_ONCE: usize = 3;

/// The verdict on one mistake: `Ok` when it failed where and as it must.
pub type Verdict = Result<(), String>;

/// Where the generated sources go: the target directory, never the work tree.
fn scratch(root: &Path) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        root.join(target)
    };
    target.join("exercise-mistakes")
}

/// The scratch folder, held for this verify alone (two at once would share the bundles' sources
/// and executables): the lock lasts as long as the file returned.
fn lock_scratch(root: &Path) -> Result<(PathBuf, std::fs::File), String> {
    let dir = scratch(root);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let lock = std::fs::File::create(dir.join("lock")).map_err(|e| e.to_string())?;
    lock.lock()
        .map_err(|e| format!("locking {}: {e}", dir.display()))?;
    Ok((dir, lock))
}

/// The learner's file with the mistake in it, written where the bundle can name it.
fn write_attempt(
    root: &Path,
    exercise: &Exercise,
    mistake: &Mistake,
    dir: &Path,
) -> Result<PathBuf, String> {
    let base = std::fs::read_to_string(root.join(exercise.path()))
        .map_err(|e| format!("{}: {e}", exercise.path().display()))?;
    let attempt = crate::splice::splice(&base, &mistake.body)
        .map_err(|e| format!("{}: {e}", mistake.path.display()))?;
    // The checks module, named from the generated file's folder instead of the exercise's.
    let checks = root.join(&exercise.dir).join("checks");
    let attempt = attempt.replace(
        "#[path = \"../checks/",
        &format!("#[path = \"{}/", checks.display()),
    );
    let file = dir.join(format!("{}.rs", mistake.module()));
    write_if_changed(&file, &attempt)?;
    Ok(file)
}

/// Writes `text` to `path` unless it holds it already: a file rewritten with the same text would
/// still look new to cargo, which would compile the bundles again on every verify.
fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a bundle of modules and has cargo build it (`clippy`: lint it instead). Returns cargo's
/// output, and the test executable when one was built.
fn build_bundle(
    root: &Path,
    dir: &Path,
    bin: &str,
    modules: &[(String, PathBuf)],
    clippy: bool,
) -> Result<(bool, String, Option<PathBuf>), String> {
    let (built, stderr, mut executables) = build_bundles(root, dir, &[(bin, modules)], clippy)?;
    Ok((built, stderr, executables.pop().flatten()))
}

/// Writes each bundle (`DIR/BIN.rs`, the list of its modules, which the binary BIN includes) and
/// has one cargo build them all, side by side (`clippy`: lint them). Returns cargo's output, and
/// each bundle's test executable, in order, when it was built.
fn build_bundles(
    root: &Path,
    dir: &Path,
    bundles: &[(&str, &[(String, PathBuf)])],
    clippy: bool,
) -> Result<(bool, String, Vec<Option<PathBuf>>), String> {
    for (bin, modules) in bundles {
        let mut list = String::new();
        for (module, file) in *modules {
            list.push_str(&format!(
                "#[path = {:?}]\nmod {module};\n",
                file.display().to_string()
            ));
        }
        let bundle = dir.join(format!("{bin}.rs"));
        write_if_changed(&bundle, &list)?;
    }
    let mut command = Command::new(check::cargo_program());
    command.current_dir(root);
    if clippy {
        command.args(["clippy", "--profile", "test"]);
    } else {
        command.args(["test", "--no-run"]);
    }
    command
        .args(["-p", env!("CARGO_PKG_NAME"), "--features", "mistakes"])
        .args(bundles.iter().flat_map(|(bin, _)| ["--bin", bin]))
        .args(["--color", "never"]);
    if clippy {
        command.args(["--", "-D", "warnings"]);
    }
    let output = command
        .env("EXERCISE_MISTAKES_DIR", dir)
        .output()
        .map_err(|e| format!("running cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    // "  Executable unittests src/mistakes_bundle.rs (target/debug/deps/mistakes-…)"
    let built: Vec<PathBuf> = stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("Executable"))
        .filter_map(|l| Some(PathBuf::from(&l[l.rfind('(')? + 1..l.rfind(')')?])))
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .collect();
    let executables = bundles
        .iter()
        .map(|(bin, _)| {
            built
                .iter()
                .find(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .and_then(|n| n.rsplit_once('-'))
                        .is_some_and(|(name, _)| name == *bin)
                })
                .cloned()
        })
        .collect();
    Ok((output.status.success(), stderr, executables))
}

/// Runs a test binary as `cargo test` would (from the crate's folder, no backtraces, every
/// test's verdict on its own line); kills it past [`HANG_LIMIT`]. Returns whether it passed, and
/// what it printed.
pub fn run_tests(root: &Path, executable: &Path, args: &[&str]) -> Result<(bool, String), String> {
    let mut child = Command::new(executable)
        .current_dir(root.join(env!("CARGO_PKG_NAME")))
        .args(args)
        .args(["--color", "never", "--format", "pretty"])
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running {}: {e}", executable.display()))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.stderr.take().ok_or("no stderr")?;
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "its tests still ran after {HANG_LIMIT:?}: a hang is no message a learner can \
                 read (put the check under `within`, on the paused clock)"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Ok((status.success(), format!("{stdout}{stderr}")))
}

/// Verifies every mistake given (of the exercises given): each must fail at its stage with its
/// phrase in what the learner is shown. `repeat`: run each test-stage mistake that many times.
pub fn verify(
    root: &Path,
    exercises: &[&Exercise],
    repeat: usize,
) -> Result<Vec<(Mistake, Verdict)>, String> {
    let (dir, _lock) = lock_scratch(root)?;
    // Every verdict keeps its mistake's place, so they are reported in the order of the files.
    let mut verdicts: Vec<Option<(Mistake, Verdict)>> = Vec::new();
    let mut bundled: Vec<(usize, Mistake, PathBuf, Vec<String>)> = Vec::new();
    let mut apart: Vec<(usize, Mistake, PathBuf)> = Vec::new();
    for exercise in exercises {
        let expected = check::expected_tests(root, exercise, false);
        for mistake in load(root, exercise)? {
            let place = verdicts.len();
            verdicts.push(None);
            match write_attempt(root, exercise, &mistake, &dir) {
                Err(e) => verdicts[place] = Some((mistake, Err(e))),
                Ok(file) if mistake.stage == Stage::Tests => {
                    bundled.push((place, mistake, file, expected.clone()));
                }
                Ok(file) => apart.push((place, mistake, file)),
            }
        }
    }
    // One build of every test-stage mistake, then their runs (AT_ONCE at a time) side by side with
    // the builds of the others, which need cargo but not the CPU the runs mostly wait with.
    let started = std::time::Instant::now();
    let modules: Vec<(String, PathBuf)> = bundled
        .iter()
        .map(|(_, m, file, _)| (m.module(), file.clone()))
        .collect();
    // Half of them in each bundle: the mistake at i goes to bundle i % 2.
    let halves: Vec<Vec<(String, PathBuf)>> = (0..BUNDLES.len())
        .map(|h| {
            modules
                .iter()
                .enumerate()
                .filter(|(i, _)| i % BUNDLES.len() == h)
                .map(|(_, m)| m.clone())
                .collect()
        })
        .collect();
    let executables: Option<Vec<PathBuf>> = if bundled.is_empty() {
        None
    } else {
        let bundles: Vec<(&str, &[(String, PathBuf)])> = BUNDLES
            .iter()
            .zip(&halves)
            .map(|(bin, half)| (*bin, half.as_slice()))
            .collect();
        match build_bundles(root, &dir, &bundles, false)? {
            (true, _, executables) if executables.iter().all(Option::is_some) => {
                Some(executables.into_iter().flatten().collect())
            }
            (_, stderr, _) => {
                // Say which mistakes do not compile: the first error's file names one.
                let why = first_error(&stderr);
                for (place, mistake, file, _) in bundled.drain(..) {
                    let own = stderr.contains(&file.display().to_string());
                    let verdict = if own {
                        Err(format!(
                            "it must fail in the tests, but does not compile:\n{why}"
                        ))
                    } else {
                        Err("not run: another mistake in the bundle does not compile".to_owned())
                    };
                    verdicts[place] = Some((mistake, verdict));
                }
                None
            }
        }
    };
    if executables.is_some() {
        say!(
            "built the {} recorded mistakes that compile, as {} programs, in {:.0?}",
            bundled.len(),
            BUNDLES.len(),
            started.elapsed()
        );
    }
    let started = std::time::Instant::now();
    let runs: &[_] = if executables.is_some() { &bundled } else { &[] };
    let (judged, apart_verdicts) = at_once(
        runs,
        |i, (_, mistake, _, expected)| {
            let executables = executables.as_deref().unwrap_or_default();
            let executable = &executables[i % executables.len()];
            for _ in 0..repeat.max(1) {
                judge_run(root, executable, mistake, expected)?;
            }
            Ok(())
        },
        || verify_apart(root, &dir, &apart),
    );
    for ((place, mistake, _, _), verdict) in bundled.into_iter().zip(judged) {
        verdicts[place] = Some((mistake, verdict));
    }
    for ((place, mistake, _), verdict) in apart.into_iter().zip(apart_verdicts) {
        verdicts[place] = Some((mistake, verdict));
    }
    if !verdicts.is_empty() {
        say!(
            "ran them, and built the others (that must not compile, or that only clippy \
             catches), in {:.0?}",
            started.elapsed()
        );
    }
    Ok(verdicts.into_iter().flatten().collect())
}

/// The mistakes that must not compile, built together first (rustc reports each module's errors);
/// one whose own error does not show there is built alone, as is each that only clippy catches.
/// Their verdicts, in order.
fn verify_apart(root: &Path, dir: &Path, apart: &[(usize, Mistake, PathBuf)]) -> Vec<Verdict> {
    let together: Vec<(String, PathBuf)> = apart
        .iter()
        .filter(|(_, m, _)| m.stage == Stage::Compile)
        .map(|(_, m, file)| (m.module(), file.clone()))
        .collect();
    let combined = match together.len() {
        0 => String::new(),
        _ => match build_bundle(root, dir, ALONE, &together, false) {
            Ok((_, stderr, _)) => stderr,
            Err(_) => String::new(),
        },
    };
    apart
        .iter()
        .map(|(_, mistake, file)| {
            let own: String = errors_naming(&combined, file).collect();
            if mistake.stage == Stage::Compile && own.contains(&mistake.expect) {
                Ok(())
            } else {
                verify_alone(root, dir, mistake, file, mistake.stage)
            }
        })
        .collect()
}

/// `judge` on every item (with its index), AT_ONCE at a time, and `meanwhile` on this thread beside
/// them: most of a test run is waiting, so a build can use the CPU. The judgements come back in
/// the items' order; one lost to a panicking thread is an `Err`.
pub fn at_once<T: Sync, R: Send, M>(
    items: &[T],
    judge: impl Fn(usize, &T) -> Result<R, String> + Sync,
    meanwhile: impl FnOnce() -> M,
) -> (Vec<Result<R, String>>, M) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Result<R, String>>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let beside = std::thread::scope(|scope| {
        for _ in 0..AT_ONCE.min(items.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(item) = items.get(i) else {
                        return;
                    };
                    let judged = judge(i, item);
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(judged);
                    }
                }
            });
        }
        meanwhile()
    });
    let judged = slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err("its run was lost (a thread of verify panicked)".to_owned()))
        })
        .collect();
    (judged, beside)
}

/// One run of a mistake's tests: it must fail, and show its phrase.
fn judge_run(root: &Path, executable: &Path, mistake: &Mistake, expected: &[String]) -> Verdict {
    let module = mistake.module();
    let (passed, output) = run_tests(root, executable, &[&format!("{module}::")])?;
    let results = check::test_results(&output);
    let prefix = format!("{module}::");
    let all_ran_and_passed = check::missing_checks(expected, &results, &prefix).is_none();
    if passed && all_ran_and_passed {
        return Err("its tests pass: the checks do not catch it".to_owned());
    }
    let shown = check::failures(&output, expected);
    if shown.contains(&mistake.expect) {
        Ok(())
    } else {
        Err(format!(
            "it fails, but the learner is not shown {:?}; they see:\n{}",
            mistake.expect,
            indent(if shown.trim().is_empty() {
                &output
            } else {
                &shown
            })
        ))
    }
}

/// A mistake that must not compile, or that only clippy catches, built on its own.
fn verify_alone(root: &Path, dir: &Path, mistake: &Mistake, file: &Path, stage: Stage) -> Verdict {
    let modules = [(mistake.module(), file.to_owned())];
    let (built, stderr, _) = build_bundle(root, dir, ALONE, &modules, false)?;
    match stage {
        Stage::Compile if built => Err("it must not compile, but it does".to_owned()),
        Stage::Compile if stderr.contains(&mistake.expect) => Ok(()),
        Stage::Compile => Err(format!(
            "it does not compile, but the error does not say {:?}:\n{}",
            mistake.expect,
            indent(&first_error(&stderr))
        )),
        _ if !built => Err(format!(
            "it must compile (only clippy should catch it):\n{}",
            indent(&first_error(&stderr))
        )),
        _ => {
            let (linted, stderr, _) = build_bundle(root, dir, ALONE, &modules, true)?;
            if linted {
                Err("clippy does not catch it".to_owned())
            } else if stderr.contains(&mistake.expect) {
                Ok(())
            } else {
                Err(format!(
                    "clippy catches it, but does not say {:?}:\n{}",
                    mistake.expect,
                    indent(&first_error(&stderr))
                ))
            }
        }
    }
}

/// The pinning programs of the explained errors (`exercise/explained/*.rs`, see
/// `workshop::explain`): each must still fail as it says (`// stage: compile`, the default, or
/// `clippy`), and the runner must explain it with the entry it names (`// explains: ID`).
pub fn verify_explained(root: &Path) -> Result<Vec<(String, Verdict)>, String> {
    let folder = root.join(env!("CARGO_PKG_NAME")).join("explained");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)
        .map_err(|e| format!("{}: {e}", folder.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    paths.sort();
    let (dir, _lock) = lock_scratch(root)?;
    // The header of each: what it explains, and whether only clippy catches it.
    let mut cases = Vec::new();
    let mut verdicts = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let field = |key: &str| {
            text.lines()
                .take_while(|l| l.starts_with("//"))
                .find_map(|l| l.strip_prefix(&format!("// {key}:")))
                .map(|v| v.trim().to_owned())
        };
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_owned();
        match field("explains") {
            Some(id) => cases.push((name, id, field("stage").as_deref() == Some("clippy"), path)),
            None => verdicts.push((name, Err("no `// explains: ID` line".to_owned()))),
        }
    }
    // The compile errors all in one build: rustc reports each module's. A case whose error does
    // not show there (a lint, which rustc leaves out once there are errors) is built alone.
    let together: Vec<(String, PathBuf)> = cases
        .iter()
        .filter(|(_, _, clippy, _)| !clippy)
        .map(|(name, _, _, path)| (format!("explained__{name}"), path.clone()))
        .collect();
    let (_, combined, _) = build_bundle(root, &dir, ALONE, &together, false)?;
    for (name, id, clippy, path) in cases {
        let modules = [(format!("explained__{name}"), path.clone())];
        let own = error_naming(&combined, &path);
        let (failed, output) = match (clippy, own) {
            (false, Some(block)) => (true, block),
            (false, None) => {
                let (built, stderr, _) = build_bundle(root, &dir, ALONE, &modules, false)?;
                (!built, stderr)
            }
            (true, _) => {
                let (built, stderr, _) = build_bundle(root, &dir, ALONE, &modules, false)?;
                if !built {
                    let why = format!("it must compile:\n{}", first_error(&stderr));
                    verdicts.push((name, Err(why)));
                    continue;
                }
                let (linted, stderr, _) = build_bundle(root, &dir, ALONE, &modules, true)?;
                (!linted, stderr)
            }
        };
        let verdict = if !failed {
            Err(format!(
                "it {} no longer fails: the error it pins is gone",
                if clippy {
                    "passes clippy:"
                } else {
                    "compiles:"
                }
            ))
        } else {
            match workshop::explain::explain(&output) {
                Some(known) if known.id == id => Ok(()),
                Some(known) => Err(format!("explained as {:?}, not {id:?}", known.id)),
                None => Err(format!(
                    "not explained (the runner shows it as cargo printed it):\n{}",
                    indent(&first_error(&output))
                )),
            }
        };
        verdicts.push((format!("{name} ({id})"), verdict));
    }
    Ok(verdicts)
}

/// The error blocks of a build's output whose location is in `path`, each with its newline.
fn errors_naming<'a>(stderr: &'a str, path: &Path) -> impl Iterator<Item = String> + 'a {
    let name = path.display().to_string();
    stderr
        .split("\n\n")
        .filter(|block| block.starts_with("error") && !block.starts_with("error: could not"))
        .filter(move |block| {
            block
                .lines()
                .find(|l| l.trim_start().starts_with("--> "))
                .is_some_and(|l| l.contains(&name))
        })
        .map(|block| format!("{block}\n"))
}

/// The first error block of a build's output whose location is in `path`.
fn error_naming(stderr: &str, path: &Path) -> Option<String> {
    errors_naming(stderr, path).next()
}

/// The first `error` block of cargo's output located in one of `paths`, else the first one.
pub fn first_error_in(stderr: &str, paths: &[PathBuf]) -> String {
    paths
        .iter()
        .find_map(|path| error_naming(stderr, path))
        .unwrap_or_else(|| first_error(stderr))
}

/// The first `error` block of cargo's output.
fn first_error(stderr: &str) -> String {
    let mut out = Vec::new();
    for line in stderr.lines() {
        if out.is_empty() {
            if line.starts_with("error") {
                out.push(line);
            }
        } else if line.is_empty() || out.len() > 30 {
            break;
        } else {
            out.push(line);
        }
    }
    if out.is_empty() {
        stderr.lines().take(30).collect::<Vec<_>>().join("\n")
    } else {
        out.join("\n")
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("      {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_gives_kind_phrase_stage_and_the_code_follows() {
        let text = "// mistake: asyncio habit\n// what: batches of `limit`, one after another,\n\
                    //   as `itertools.batched` would\n// expect: a sliding window\n\n\
                    async fn fetch_all() {}\n";
        let m = parse("limited_concurrency", Path::new("x/batches.rs"), text).unwrap();
        assert_eq!(m.kind, "asyncio habit");
        assert_eq!(
            m.what,
            "batches of `limit`, one after another, as `itertools.batched` would"
        );
        assert_eq!(m.expect, "a sliding window");
        assert_eq!(m.stage, Stage::Tests);
        assert_eq!(m.body, "\nasync fn fetch_all() {}\n");
        assert_eq!(m.module(), "limited_concurrency__batches");
        let wrong_kind = "// mistake: typo\n// what: w\n// expect: e\n";
        assert!(parse("e", Path::new("a.rs"), wrong_kind).is_err());
        let no_phrase = "// mistake: cheat\n// what: w\n";
        assert!(parse("e", Path::new("a.rs"), no_phrase).is_err());
        let compile = "// mistake: cheat\n// what: w\n// expect: E0373\n// stage: compile\n";
        assert_eq!(
            parse("e", Path::new("a.rs"), compile).unwrap().stage,
            Stage::Compile
        );
    }

    #[test]
    fn each_exercise_needs_three_mistakes_of_three_kinds() {
        let m = |kind: &str| Mistake {
            exercise: "e".into(),
            name: "n".into(),
            path: PathBuf::new(),
            kind: kind.into(),
            what: String::new(),
            expect: String::new(),
            stage: Stage::Tests,
            body: String::new(),
        };
        let all = [m("asyncio habit"), m("almost-right Rust"), m("cheat")];
        assert_eq!(coverage_gap(&all), None);
        let two_kinds = [m("asyncio habit"), m("cheat"), m("cheat")];
        assert!(
            coverage_gap(&two_kinds)
                .unwrap()
                .contains("almost-right Rust")
        );
        assert!(
            coverage_gap(&all[..2])
                .unwrap()
                .contains("2 recorded mistakes")
        );
    }
}
