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
use crate::check::check_saying;
use crate::state::State;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    Key(char),
    /// ↑ and ↓, for choosing in the list.
    Up,
    Down,
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
    // `--start NAME` opens that exercise; it becomes the learner's place only if unsolved (the
    // walkthrough's `e` on a solved one must not move the place from the first unsolved).
    let viewing = match start {
        Some(name) => {
            crate::find(catalog, name)?;
            catalog.position(name)
        }
        None => None,
    };
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
    .drive(&mut state, &rx, viewing)
}

struct Session<'a> {
    root: &'a Path,
    catalog: &'a Catalog,
    screen: Screen,
    watch: bool,
}

impl Session<'_> {
    fn drive(
        &self,
        state: &mut State,
        rx: &Receiver<Input>,
        mut viewing: Option<usize>,
    ) -> Result<bool> {
        loop {
            let Some(index) = viewing.or_else(|| state.current_index(self.catalog)) else {
                self.screen.say(&format!(
                    "All {} exercises done. `cargo exercise list` shows them; the capstone \
                     server is in mini_redis/.",
                    self.catalog.exercises.len()
                ));
                return Ok(true);
            };
            let exercise = &self.catalog.exercises[index];
            // Pinned: a pass never moves the runner on by itself (an editor's autosave after a
            // pass would), only `n` does. A solved exercise opened again is looked at, and the
            // learner's place stays where it was.
            if !state.is_done(&exercise.name) {
                state.current = Some(exercise.name.clone());
            }
            viewing = Some(index);
            let passed = self.show(state, exercise)?;
            let mut hint_shown = false;
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
                    Input::Key('h') if hint_shown => {
                        self.screen.say("(The hint is above.)");
                    }
                    Input::Key('h') => {
                        hint_shown = true;
                        self.screen
                            .say(&format!("\nHint:\n{}\n", exercise.hint.trim_end()));
                    }
                    Input::Key('l') if self.watch => {
                        // The list took the screen: the chosen exercise, or this one again.
                        viewing = Some(self.choose(state, index, rx).unwrap_or(index));
                        break;
                    }
                    Input::Key('l') => self.screen.say(&self.listing(state, index)),
                    Input::Key('n') if passed => {
                        // The next unsolved one after this; none left: the "all done" screen.
                        state.current = state
                            .next_unsolved(self.catalog, index + 1)
                            .map(|next| self.catalog.exercises[next].name.clone());
                        crate::save(self.root, state)?;
                        viewing = None;
                        break;
                    }
                    Input::Key('n') => self
                        .screen
                        .say("Not yet: `n` moves on once this one passes."),
                    Input::Key('s') if state.is_done(&exercise.name) => {
                        let diff = solution_diff(self.root, exercise)?;
                        if let Some(Input::Changed(path)) = self.page(&diff, rx)
                            && path.ends_with(exercise.path())
                        {
                            drain(rx);
                            break;
                        }
                        self.screen.say(KEYS);
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
                    Input::Up | Input::Down => {}
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
        let position = self.catalog.position(&exercise.name).map_or(0, |i| i + 1);
        self.screen.say(&format!(
            "Exercise {position} of {total} · {} · {}\n",
            exercise.name,
            exercise.path().display()
        ));
        // The statement is Markdown wrapped at 100 columns in the file: joined and wrapped again
        // to this window.
        let width = terminal::size().map_or(100, |(w, _)| {
            usize::from(w).saturating_sub(1).clamp(40, 100)
        });
        let styled = io::stdout().is_terminal();
        self.screen
            .say(crate::render::markdown(&statement(&source), width, styled).trim_end());
        self.screen.say("");
        let outcome = check_saying(self.root, exercise, io::stdout().is_terminal(), &|doing| {
            self.screen.say(&format!("Checking: {doing}…"))
        })
        .map_err(|e| e.to_string())?;
        state.mark(&exercise.name, outcome.passed());
        crate::save(self.root, state)?;
        match &outcome.failure {
            None => self.screen.say(
                wrap_lines(
                    &format!(
                        "\n✓ {} passes. {}/{total} done. Press n for the next exercise, s to \
                         compare with the solution.",
                        exercise.name,
                        state.done_count(self.catalog)
                    ),
                    width,
                )
                .trim_end(),
            ),
            Some((stage, output)) => {
                self.screen
                    .say(wrap_lines(output.trim_end(), width).trim_end());
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
        let keys = if self.watch {
            KEYS.to_owned()
        } else {
            format!("{KEYS} (type the letter, then Enter)")
        };
        self.screen
            .say(wrap_lines(&format!("{how}\n{keys}"), width).trim_end());
        Ok(outcome.passed())
    }

    /// Every exercise, ✓ when solved, `▶` at `at`.
    fn listing(&self, state: &State, at: usize) -> String {
        let mut text = String::from("\n");
        for (i, e) in self.catalog.exercises.iter().enumerate() {
            let mark = if state.is_done(&e.name) { "✓" } else { " " };
            let cursor = if i == at { "▶" } else { " " };
            text.push_str(&format!(
                "{cursor} {mark} {:32} {}\n",
                e.name,
                e.path().display()
            ));
        }
        text
    }

    /// The list to choose from: ↑/↓ (or k/j) move, Enter opens, q or Esc goes back. Returns the
    /// exercise chosen.
    fn choose(&self, state: &State, current: usize, rx: &Receiver<Input>) -> Option<usize> {
        let mut at = current;
        let last = self.catalog.exercises.len().saturating_sub(1);
        loop {
            self.screen.clear();
            // A window of the list around the cursor, the size of the screen.
            let rows = terminal::size().map_or(24, |(_, h)| usize::from(h));
            let listing = self.listing(state, at);
            let lines: Vec<&str> = listing.trim_matches('\n').lines().collect();
            let room = rows.saturating_sub(3).max(5);
            let first = at
                .saturating_sub(room / 2)
                .min(lines.len().saturating_sub(room));
            let window = &lines[first..(first + room).min(lines.len())];
            self.screen.say(&format!(
                "Exercises ({} of {}) — ↑/↓ choose · Enter open · q back\n{}",
                at + 1,
                lines.len(),
                window.join("\n")
            ));
            match rx.recv().ok()? {
                Input::Up | Input::Key('k') => at = at.saturating_sub(1),
                Input::Down | Input::Key('j') => at = (at + 1).min(last),
                Input::Recheck => return Some(at),
                Input::Key('q') | Input::Quit => return None,
                _ => {}
            }
        }
    }

    /// `text` a screen at a time: space shows more, any other key ends it. Returns the input that
    /// ended it early (a save of the file is re-checked by the caller).
    fn page(&self, text: &str, rx: &Receiver<Input>) -> Option<Input> {
        let rows = terminal::size().map_or(24, |(_, h)| usize::from(h));
        let screen = rows.saturating_sub(2).max(5);
        let lines: Vec<&str> = text.lines().collect();
        let mut shown = 0;
        while shown < lines.len() {
            let end = (shown + screen).min(lines.len());
            self.screen.say(&lines[shown..end].join("\n"));
            shown = end;
            if shown < lines.len() {
                self.screen.say(&format!(
                    "── space: {} more lines · any other key: stop ──",
                    lines.len() - shown
                ));
                match rx.recv() {
                    Ok(Input::Key(' ')) => {}
                    Ok(other) => return Some(other),
                    Err(_) => return None,
                }
            }
        }
        None
    }
}

/// Each line longer than `width` broken at spaces (a terminal breaks it mid-word), its
/// continuation indented as the line was.
fn wrap_lines(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        // A compiler's code snippet (`18 | fn …`, `   |     ^^^`, ` --> file`) keeps its columns.
        let gutter = line.trim_start();
        let snippet = gutter.starts_with('|')
            || gutter.starts_with("-->")
            || gutter
                .split_once(" |")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if snippet || line.chars().count() <= width || !line.contains(' ') {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent: String = line.chars().take_while(|c| *c == ' ').collect();
        let mut current = String::new();
        for word in line.trim_start().split(' ') {
            let room = current.chars().count() + 1 + word.chars().count();
            if !current.trim().is_empty() && room > width {
                out.push_str(&current);
                out.push('\n');
                current = indent.clone();
            } else if !current.trim().is_empty() {
                current.push(' ');
            } else {
                current = indent.clone();
            }
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

/// What the solution changes in the learner's file, as `git diff` shows it; the whole solution
/// when git cannot compare them.
fn solution_diff(root: &Path, exercise: &Exercise) -> Result<String> {
    let color = if io::stdout().is_terminal() {
        "--color=always"
    } else {
        "--color=never"
    };
    let output = std::process::Command::new("git")
        .current_dir(root)
        .args(["--no-pager", "diff", "--no-index", color, "--"])
        .arg(exercise.path())
        .arg(exercise.solution_path())
        .output();
    let header = format!(
        "\nYour file → the solution ({}): lines with - are yours, + the solution's.\n",
        exercise.solution_path().display()
    );
    match output {
        // Exit 1: they differ; 0: they are the same.
        Ok(out) if out.status.code() == Some(1) => {
            let diff = String::from_utf8_lossy(&out.stdout);
            // From the first hunk on: the header lines name the two files, said above already.
            let from = diff.find("@@").unwrap_or(0);
            Ok(format!("{header}\n{}", &diff[from..]))
        }
        Ok(out) if out.status.success() => Ok("\nYour file is the solution, to the letter.".into()),
        _ => {
            let solution = std::fs::read_to_string(root.join(exercise.solution_path()))
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "\n{}:\n\n{solution}",
                exercise.solution_path().display()
            ))
        }
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
            KeyCode::Up => Input::Up,
            KeyCode::Down => Input::Down,
            KeyCode::Esc => Input::Key('q'),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_break_at_spaces_within_the_width() {
        let text = "short\n  delays [3, 1, 1, 1] s with a limit of 2 took 6 s; as a sliding window \
                    they take 3 s\nnospaces_at_all_but_far_too_long_for_the_width";
        let wrapped = wrap_lines(text, 30);
        for line in wrapped.lines() {
            assert!(
                line.chars().count() <= 30 || !line.contains(' '),
                "{line:?} in\n{wrapped}"
            );
        }
        assert!(
            wrapped.starts_with("short\n  delays [3, 1, 1, 1] s with a\n  "),
            "{wrapped}"
        );
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(words(&wrapped), words(text));
        let code = "18 | fn run_on_one_thread<F: Future>(fut: F) -> F::Output { todo!() }\n   \
                    |                                 ^^^ unused";
        assert_eq!(
            wrap_lines(code, 30),
            format!("{code}\n"),
            "snippets keep their columns"
        );
    }
}
