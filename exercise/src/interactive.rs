//! The interactive runner: one exercise at a time, re-checked whenever its file is saved.
//!
//! Two threads feed one channel: keys (crossterm, in raw mode, so a single key press is enough),
//! and file changes (notify, watching each exercise folder). `--no-watch` replaces both with lines
//! read from stdin: Enter re-checks, a letter then Enter is a key.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;
use notify::{RecursiveMode, Watcher};

use crate::Result;
use crate::catalog::{Catalog, Exercise, statement};
use crate::check::{Which, check};
use crate::state::State;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    Key(char),
    Recheck,
    Changed(PathBuf),
    Quit,
}

/// Prints through raw mode, where a bare `\n` does not return the cursor to the left edge.
struct Screen {
    raw: bool,
}

impl Screen {
    fn say(&self, text: &str) {
        let mut out = io::stdout().lock();
        if self.raw {
            let _ = write!(
                out,
                "{}\r\n",
                text.replace("\r\n", "\n").replace('\n', "\r\n")
            );
        } else {
            let _ = writeln!(out, "{text}");
        }
        let _ = out.flush();
    }

    fn clear(&self) {
        if io::stdout().is_terminal() {
            let mut out = io::stdout().lock();
            let _ = write!(out, "\x1b[2J\x1b[H");
            let _ = out.flush();
        }
    }
}

/// Leaves raw mode on every way out, panics included.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

pub fn run(root: &Path, catalog: &Catalog, watch: bool, start: Option<&str>) -> Result<bool> {
    let mut state = crate::load(root)?;
    if let Some(name) = start {
        crate::find(catalog, name)?;
        state.current = Some(name.to_owned());
        crate::save(root, &state)?;
    }
    let (tx, rx) = mpsc::channel();
    let watch = watch && io::stdin().is_terminal();
    let _raw;
    let _watcher;
    if watch {
        _watcher = watch_files(root, catalog, tx.clone())?;
        terminal::enable_raw_mode().map_err(|e| format!("terminal: {e}"))?;
        _raw = RawMode;
        std::thread::spawn(move || read_keys(tx));
    } else {
        std::thread::spawn(move || read_lines(tx));
    }
    let screen = Screen { raw: watch };
    Session {
        root,
        catalog,
        screen,
        watch,
    }
    .drive(&mut state, &rx)
}

struct Session<'a> {
    root: &'a Path,
    catalog: &'a Catalog,
    screen: Screen,
    watch: bool,
}

impl Session<'_> {
    fn drive(&self, state: &mut State, rx: &Receiver<Input>) -> Result<bool> {
        loop {
            let Some(index) = state.current_index(self.catalog) else {
                self.screen.say(&format!(
                    "All {} exercises done. `cargo exercise list` shows them; the capstone \
                     server is in mini_redis/.",
                    self.catalog.exercises.len()
                ));
                return Ok(true);
            };
            let exercise = &self.catalog.exercises[index];
            let passed = self.show(state, exercise)?;
            // Wait for something that changes the picture.
            loop {
                let input = match rx.recv_timeout(Duration::from_secs(3600)) {
                    Ok(input) => input,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return Ok(true),
                };
                match input {
                    Input::Quit | Input::Key('q') => return Ok(true),
                    Input::Recheck => break,
                    Input::Changed(path) if path.ends_with(exercise.path()) => {
                        drain(rx); // an editor's save is often several events
                        break;
                    }
                    Input::Changed(_) => {}
                    Input::Key('h') => self
                        .screen
                        .say(&format!("\nHint:\n{}\n", exercise.hint.trim_end())),
                    Input::Key('l') => self.screen.say(&self.listing(state)),
                    Input::Key('n') if passed => {
                        // The next unsolved one after this; none left: the "all done" screen.
                        state.current = state
                            .next_unsolved(self.catalog, index + 1)
                            .map(|next| self.catalog.exercises[next].name.clone());
                        crate::save(self.root, state)?;
                        break;
                    }
                    Input::Key('n') => self
                        .screen
                        .say("Not yet: `n` moves on once this one passes."),
                    Input::Key('s') if state.is_done(&exercise.name) => {
                        let solution =
                            std::fs::read_to_string(self.root.join(exercise.solution_path()))
                                .map_err(|e| e.to_string())?;
                        self.screen.say(&format!(
                            "\n{}:\n\n{solution}",
                            exercise.solution_path().display()
                        ));
                    }
                    Input::Key('s') => self
                        .screen
                        .say("The solution is shown once you have solved it."),
                    Input::Key('r') => {
                        self.screen.say(&format!(
                            "Reset {} to the shipped version? (y/N)",
                            exercise.path().display()
                        ));
                        if matches!(rx.recv(), Ok(Input::Key('y'))) {
                            crate::reset(self.root, exercise)?;
                            state.mark(&exercise.name, false);
                            break;
                        }
                        self.screen.say("Left as it is.");
                    }
                    Input::Key(_) => self.screen.say(KEYS),
                }
            }
        }
    }

    /// Shows the exercise, checks it, records the result; returns whether it passes.
    fn show(&self, state: &mut State, exercise: &Exercise) -> Result<bool> {
        let path = self.root.join(exercise.path());
        let source =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        self.screen.clear();
        let total = self.catalog.exercises.len();
        self.screen.say(&format!(
            "{}/{total} done · {} · {}\n",
            state.done_count(self.catalog),
            exercise.name,
            exercise.path().display()
        ));
        self.screen.say(&statement(&source));
        self.screen
            .say("\nChecking (compile, then tests and clippy)…");
        let outcome = check(
            self.root,
            exercise,
            Which::Exercise,
            io::stdout().is_terminal(),
        )
        .map_err(|e| e.to_string())?;
        state.mark(&exercise.name, outcome.passed());
        crate::save(self.root, state)?;
        match &outcome.failure {
            None => self.screen.say(&format!(
                "\n✓ {} passes. {}/{total} done. Press n for the next exercise, s to compare with \
                 the solution.",
                exercise.name,
                state.done_count(self.catalog)
            )),
            Some((stage, output)) => {
                self.screen.say(output.trim_end());
                self.screen.say(&format!("\n✗ Not yet: {stage}."));
            }
        }
        let how = if self.watch {
            format!(
                "Edit and save {}: it is checked again at once.",
                exercise.path().display()
            )
        } else {
            format!(
                "Edit {}, then press Enter to check it again.",
                exercise.path().display()
            )
        };
        self.screen.say(&format!("{how}\n{KEYS}"));
        Ok(outcome.passed())
    }

    fn listing(&self, state: &State) -> String {
        let mut text = String::from("\n");
        for e in &self.catalog.exercises {
            let mark = if state.is_done(&e.name) { "✓" } else { " " };
            text.push_str(&format!("{mark} {:32} {}\n", e.name, e.path().display()));
        }
        text
    }
}

const KEYS: &str = "h hint · n next · l list · r reset · s solution · q quit";

fn drain(rx: &Receiver<Input>) {
    std::thread::sleep(Duration::from_millis(100));
    while let Ok(input) = rx.try_recv() {
        if !matches!(input, Input::Changed(_)) {
            break;
        }
    }
}

fn watch_files(
    root: &Path,
    catalog: &Catalog,
    tx: Sender<Input>,
) -> Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && (event.kind.is_modify() || event.kind.is_create())
        {
            for path in event.paths {
                let _ = tx.send(Input::Changed(path));
            }
        }
    })
    .map_err(|e| format!("watching files: {e} (try --no-watch)"))?;
    let mut folders: Vec<PathBuf> = catalog
        .exercises
        .iter()
        .filter_map(|e| e.path().parent().map(|p| root.join(p)))
        .collect();
    folders.dedup();
    for folder in folders {
        watcher
            .watch(&folder, RecursiveMode::NonRecursive)
            .map_err(|e| format!("watching {}: {e} (try --no-watch)", folder.display()))?;
    }
    Ok(watcher)
}

fn read_keys(tx: Sender<Input>) {
    loop {
        let Ok(TermEvent::Key(key)) = event::read() else {
            continue;
        };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        let input = match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Input::Quit,
            KeyCode::Char(c) => Input::Key(c.to_ascii_lowercase()),
            KeyCode::Enter => Input::Recheck,
            KeyCode::Esc => Input::Quit,
            _ => continue,
        };
        if tx.send(input).is_err() {
            return;
        }
    }
}

fn read_lines(tx: Sender<Input>) {
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let input = match line.trim().chars().next() {
            None => Input::Recheck,
            Some(c) => Input::Key(c.to_ascii_lowercase()),
        };
        if tx.send(input).is_err() {
            return;
        }
    }
    let _ = tx.send(Input::Quit);
}
