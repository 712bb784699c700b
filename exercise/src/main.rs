//! The exercise runner: `make exercise` or `cargo exercise`.
//!
//! Without a command it is interactive, in the spirit of rustlings: it shows the first unsolved
//! exercise, checks it (compile → tests → clippy) every time the file is saved, and moves on when
//! asked. The commands below are stable, for scripts, CI, and people who prefer their own terminal:
//!
//! ```sh
//! cargo exercise list            # one line each: name, done/todo, file
//! cargo exercise check NAME      # exit 0 iff it passes; records it as done
//! cargo exercise hint NAME
//! cargo exercise reset NAME      # back to the shipped version (your last commit of it)
//! cargo exercise run NAME        # run its program (a capstone step's server, say)
//! cargo exercise verify          # every exercise fails as shipped, every solution passes
//! ```
//!
//! Each exercise is a binary target of its lesson's crate that cargo builds only when the runner
//! asks for it (see `catalog`), so a half-written exercise breaks nothing else.

// A synchronous command-line tool: no async runtime runs here, so the blocking calls that
// clippy.toml denies in the lessons (std::fs, stdin, thread::sleep) are the right ones.
#![allow(clippy::disallowed_methods)]

/// `println!` that ignores a closed pipe (`cargo exercise list | head`): the reader has gone, so
/// the rest is not wanted, and a panic would only say so rudely.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod catalog;
mod check;
mod interactive;
mod mistakes;
mod render;
mod splice;
mod state;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use catalog::{Catalog, Exercise};
use check::check;
use state::State;

const USAGE: &str = "\
Async Rust exercises: edit, save, and the runner checks your work

Usage: cargo exercise [--start NAME] [--no-watch]   (interactive)
       cargo exercise COMMAND

Commands:
  list                every exercise in order: name, done or todo, its file
  check NAME          compile, test and lint one exercise; exit 0 iff it passes
  hint NAME           the hint for one exercise
  reset NAME          put an exercise back as in your last commit
  run NAME [-- ARGS]  build and run an exercise's program (a capstone server,
                      say); ARGS go to the program
  verify [NAME...] [--repeat N] [--mistakes-only]
                      for authors: every shipped exercise fails, every solution
                      passes (compile, tests, clippy, fmt), every recorded
                      mistake fails with its phrase; --repeat runs each mistake
                      N times, --mistakes-only skips the rest

Options:
  --start NAME        interactive mode: start at this exercise
  --no-watch          interactive mode: check again on Enter instead of on
                      save (where watching files does not work)
  -h, --help          this text
";

#[derive(Debug, PartialEq)]
struct Args {
    command: Option<Cmd>,
    no_watch: bool,
    start: Option<String>,
}

#[derive(Debug, PartialEq)]
enum Cmd {
    List,
    Check {
        name: String,
    },
    Hint {
        name: String,
    },
    Reset {
        name: String,
    },
    Run {
        name: String,
        args: Vec<String>,
    },
    Verify {
        names: Vec<String>,
        repeat: usize,
        mistakes_only: bool,
    },
    Help,
}

impl Args {
    /// The command line (`args` starts with the program's name), or what is wrong with it.
    fn parse(
        args: impl IntoIterator<Item = std::ffi::OsString>,
    ) -> std::result::Result<Self, lexopt::Error> {
        use lexopt::prelude::*;
        let mut parser = lexopt::Parser::from_iter(args);
        let mut parsed = Args {
            command: None,
            no_watch: false,
            start: None,
        };
        let mut command: Option<String> = None;
        let mut values: Vec<String> = Vec::new();
        let (mut repeat, mut mistakes_only) = (1, false);
        while let Some(arg) = parser.next()? {
            match arg {
                Short('h') | Long("help") => {
                    parsed.command = Some(Cmd::Help);
                    return Ok(parsed);
                }
                Long("no-watch") if command.is_none() => parsed.no_watch = true,
                Long("start") if command.is_none() => {
                    parsed.start = Some(parser.value()?.string()?)
                }
                Long("repeat") if command.as_deref() == Some("verify") => {
                    repeat = parser.value()?.parse()?;
                }
                Long("mistakes-only") if command.as_deref() == Some("verify") => {
                    mistakes_only = true;
                }
                Value(value) if command.is_none() => command = Some(value.string()?),
                Value(value) => values.push(value.string()?),
                _ => return Err(arg.unexpected()),
            }
        }
        let mut values = values.into_iter();
        let mut name = |command: &str| -> std::result::Result<String, lexopt::Error> {
            values
                .next()
                .ok_or_else(|| format!("`{command}` needs an exercise's name").into())
        };
        parsed.command = match command.as_deref() {
            None => None,
            Some("list") => Some(Cmd::List),
            Some(c @ "check") => Some(Cmd::Check { name: name(c)? }),
            Some(c @ "hint") => Some(Cmd::Hint { name: name(c)? }),
            Some(c @ "reset") => Some(Cmd::Reset { name: name(c)? }),
            Some(c @ "run") => Some(Cmd::Run {
                name: name(c)?,
                args: values.by_ref().collect(),
            }),
            Some("verify") => Some(Cmd::Verify {
                names: values.by_ref().collect(),
                repeat,
                mistakes_only,
            }),
            Some("help") => Some(Cmd::Help),
            Some(other) => {
                return Err(format!("no command `{other}` (see --help)").into());
            }
        };
        if let Some(extra) = values.next() {
            return Err(format!("unexpected argument `{extra}`").into());
        }
        Ok(parsed)
    }
}

/// The workspace root: this crate's parent folder.
fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args_os()) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.command == Some(Cmd::Help) {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let root = root();
    let catalog = match Catalog::load(&root) {
        Ok(catalog) => catalog,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match args.command {
        None => interactive::run(&root, &catalog, !args.no_watch, args.start.as_deref()),
        Some(Cmd::List) => list(&root, &catalog),
        Some(Cmd::Check { name }) => find(&catalog, &name).and_then(|e| check_one(&root, e)),
        Some(Cmd::Hint { name }) => find(&catalog, &name).map(|e| {
            say!("{}", e.hint.trim_end());
            true
        }),
        Some(Cmd::Reset { name }) => find(&catalog, &name).and_then(|e| reset(&root, e)),
        Some(Cmd::Run { name, args }) => find(&catalog, &name).and_then(|e| run(&root, e, &args)),
        Some(Cmd::Verify {
            names,
            repeat,
            mistakes_only,
        }) => verify(&root, &catalog, &names, repeat, mistakes_only),
        Some(Cmd::Help) => Ok(true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

type Result<T> = std::result::Result<T, String>;

fn find<'a>(catalog: &'a Catalog, name: &str) -> Result<&'a Exercise> {
    catalog
        .find(name)
        .ok_or_else(|| format!("no exercise named {name:?} (`cargo exercise list` shows them all)"))
}

fn load(root: &Path) -> Result<State> {
    State::load(root).map_err(|e| format!("reading {}: {e}", State::path(root).display()))
}

fn save(root: &Path, state: &State) -> Result<()> {
    state
        .save(root)
        .map_err(|e| format!("writing {}: {e}", State::path(root).display()))
}

fn list(root: &Path, catalog: &Catalog) -> Result<bool> {
    let state = load(root)?;
    let width = catalog
        .exercises
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    for e in &catalog.exercises {
        let mark = if state.is_done(&e.name) {
            "done"
        } else {
            "todo"
        };
        say!("{:width$}  {mark}  {}", e.name, e.path().display());
    }
    Ok(true)
}

/// Checks the learner's file, prints the result, and records it in the progress file.
fn check_one(root: &Path, exercise: &Exercise) -> Result<bool> {
    let outcome = check(root, exercise, false).map_err(|e| e.to_string())?;
    let mut state = load(root)?;
    state.mark(&exercise.name, outcome.passed());
    save(root, &state)?;
    match &outcome.failure {
        None => say!(
            "✓ {} passes: compiles, tests pass, clippy is happy.",
            exercise.name
        ),
        Some((stage, output)) => {
            say!("{output}");
            say!(
                "✗ {}: {stage}. Edit {}",
                exercise.name,
                exercise.path().display()
            );
        }
    }
    Ok(outcome.passed())
}

/// Runs the learner's program with cargo, in the foreground (Ctrl-C stops it).
fn run(root: &Path, exercise: &Exercise, args: &[String]) -> Result<bool> {
    say!("cargo run: {} (Ctrl-C stops it)", exercise.path().display());
    let status = std::process::Command::new(check::cargo_program())
        .current_dir(root)
        .args([
            "run",
            "-q",
            "-p",
            &exercise.package,
            "--features",
            "exercises",
        ])
        .args(["--bin", &exercise.name, "--"])
        .args(args)
        .status()
        .map_err(|e| format!("running cargo: {e}"))?;
    Ok(status.success())
}

/// The shipped version of a file: what the last commit holds.
pub fn shipped(root: &Path, path: &Path) -> Result<String> {
    let spec = format!("HEAD:{}", path.display()).replace('\\', "/");
    let output = std::process::Command::new("git")
        .current_dir(root)
        .args(["show", &spec])
        .output()
        .map_err(|e| format!("running git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git cannot give the shipped version of {}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| e.to_string())
}

/// Puts the learner's file back as shipped, and the exercise's checks with it.
pub fn reset(root: &Path, exercise: &Exercise) -> Result<bool> {
    for path in [exercise.path(), exercise.checks_path()] {
        let text = shipped(root, &path)?;
        std::fs::write(root.join(&path), text).map_err(|e| e.to_string())?;
    }
    let mut state = load(root)?;
    state.mark(&exercise.name, false);
    save(root, &state)?;
    say!("{} is back as shipped.", exercise.path().display());
    Ok(true)
}

fn verify(
    root: &Path,
    catalog: &Catalog,
    names: &[String],
    repeat: usize,
    mistakes_only: bool,
) -> Result<bool> {
    let chosen: Vec<&Exercise> = if names.is_empty() {
        catalog.exercises.iter().collect()
    } else {
        names
            .iter()
            .map(|n| find(catalog, n))
            .collect::<Result<_>>()?
    };
    verify::run(root, &chosen, repeat, mistakes_only)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> std::result::Result<Args, String> {
        Args::parse(
            std::iter::once("exercise")
                .chain(line.split_whitespace())
                .map(Into::into),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn commands_and_options_are_read_as_the_usage_says() {
        let interactive = parse("--no-watch --start spawn_and_abort").expect("valid");
        assert_eq!(interactive.command, None);
        assert!(interactive.no_watch);
        assert_eq!(interactive.start.as_deref(), Some("spawn_and_abort"));
        let check = parse("check runtime_by_hand").expect("valid");
        assert_eq!(
            check.command,
            Some(Cmd::Check {
                name: "runtime_by_hand".into()
            })
        );
        let run = parse("run redis_limits -- --port 1337").expect("valid");
        assert_eq!(
            run.command,
            Some(Cmd::Run {
                name: "redis_limits".into(),
                args: vec!["--port".into(), "1337".into()]
            })
        );
        let verify = parse("verify a b --repeat 3 --mistakes-only").expect("valid");
        assert_eq!(
            verify.command,
            Some(Cmd::Verify {
                names: vec!["a".into(), "b".into()],
                repeat: 3,
                mistakes_only: true
            })
        );
        assert_eq!(parse("list").expect("valid").command, Some(Cmd::List));
        assert_eq!(parse("--help").expect("valid").command, Some(Cmd::Help));
        assert_eq!(parse("check x -h").expect("valid").command, Some(Cmd::Help));
    }

    #[test]
    fn a_wrong_command_line_is_named() {
        for (line, says) in [
            ("check", "`check` needs an exercise's name"),
            ("frobnicate", "no command `frobnicate`"),
            ("hint a b", "unexpected argument `b`"),
            ("run x --port 1", "--port"),
            ("--repeat 3", "--repeat"),
            ("verify --repeat many", "many"),
        ] {
            let error = parse(line).expect_err(line);
            assert!(error.contains(says), "{line}: {error}");
        }
    }
}
