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
//! Each exercise is a binary target of this crate that cargo builds only when the runner asks for
//! it (see `catalog`), so a half-written exercise breaks nothing else.

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

use clap::{Parser, Subcommand};

use catalog::{Catalog, Exercise};
use check::check;
use state::State;

#[derive(Debug, Parser)]
#[command(about = "Async Rust exercises: edit, save, and the runner checks your work")]
struct Args {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Interactive mode: re-check when Enter is pressed instead of when the file is saved (for
    /// file systems where watching does not work).
    #[arg(long)]
    no_watch: bool,
    /// Interactive mode: start at this exercise.
    #[arg(long)]
    start: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Every exercise in order: name, done or todo, and the file to edit.
    List,
    /// Compile, test and lint one exercise; exit status 0 iff it passes.
    Check { name: String },
    /// The hint for one exercise.
    Hint { name: String },
    /// Put an exercise back as it was shipped (the version in your last commit).
    Reset { name: String },
    /// Build and run an exercise's program (its `main`), e.g. a capstone step's server, to try
    /// it by hand. Arguments after `--` go to the program.
    Run {
        name: String,
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// For authors: every exercise fails as shipped, every solution passes (compile, tests,
    /// clippy, fmt), and every recorded mistake fails with its phrase. Names limit it to those
    /// exercises.
    Verify {
        names: Vec<String>,
        /// Run each recorded mistake's tests this many times (a mistake must fail every time).
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// Only the recorded mistakes, not the exercises and solutions.
        #[arg(long)]
        mistakes_only: bool,
    },
}

/// The workspace root: this crate's parent folder.
fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn main() -> ExitCode {
    let args = Args::parse();
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
