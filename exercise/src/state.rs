//! Progress: which exercises are done, and which one the learner is on, in one git-ignored file at
//! the workspace root (`.exercise-state`). Delete it to start over; the exercise files themselves
//! are never touched except by an explicit `reset`.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::catalog::Catalog;

pub const FILE_NAME: &str = ".exercise-state";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// The exercise the interactive runner shows; `None`: the first unsolved one.
    pub current: Option<String>,
    pub done: BTreeSet<String>,
}

impl State {
    pub fn path(root: &Path) -> PathBuf {
        root.join(FILE_NAME)
    }

    /// The saved progress; a missing file is a fresh start. Lines it does not understand are
    /// skipped, so a hand-edited file never stops the runner.
    pub fn load(root: &Path) -> io::Result<Self> {
        match std::fs::read_to_string(Self::path(root)) {
            Ok(text) => Ok(Self::parse(&text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e),
        }
    }

    pub fn save(&self, root: &Path) -> io::Result<()> {
        std::fs::write(Self::path(root), self.render())
    }

    pub fn parse(text: &str) -> Self {
        let mut state = Self::default();
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("current", name)) => state.current = Some(name.trim().to_owned()),
                Some(("done", name)) => {
                    state.done.insert(name.trim().to_owned());
                }
                _ => {}
            }
        }
        state
    }

    pub fn render(&self) -> String {
        let mut text = String::from(
            "# Exercise progress (make exercise / cargo exercise). Delete this file to start over.\n",
        );
        if let Some(current) = &self.current {
            text.push_str(&format!("current {current}\n"));
        }
        for name in &self.done {
            text.push_str(&format!("done {name}\n"));
        }
        text
    }

    pub fn is_done(&self, name: &str) -> bool {
        self.done.contains(name)
    }

    /// How many of the catalog's exercises are done (names no longer listed do not count).
    pub fn done_count(&self, catalog: &Catalog) -> usize {
        catalog
            .exercises
            .iter()
            .filter(|e| self.is_done(&e.name))
            .count()
    }

    /// The first unsolved exercise at or after `from` (wrapping around), if any is left.
    pub fn next_unsolved(&self, catalog: &Catalog, from: usize) -> Option<usize> {
        let n = catalog.exercises.len();
        (0..n)
            .map(|i| (from + i) % n)
            .find(|&i| !self.is_done(&catalog.exercises[i].name))
    }

    /// The exercise to show: the saved current one while it is listed, else the first unsolved.
    pub fn current_index(&self, catalog: &Catalog) -> Option<usize> {
        self.current
            .as_deref()
            .and_then(|name| catalog.position(name))
            .or_else(|| self.next_unsolved(catalog, 0))
    }

    pub fn mark(&mut self, name: &str, done: bool) {
        if done {
            self.done.insert(name.to_owned());
        } else {
            self.done.remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(names: &[&str]) -> Catalog {
        let text: String = names
            .iter()
            .map(|n| format!("[[exercise]]\nname = \"{n}\"\nhint = \"h\"\n"))
            .collect();
        Catalog::parse([("part_01", text.as_str())]).unwrap()
    }

    #[test]
    fn round_trips_through_its_file_format() {
        let mut state = State::default();
        state.mark("b", true);
        state.mark("a", true);
        state.current = Some("c".into());
        let text = state.render();
        assert_eq!(State::parse(&text), state);
        state.mark("a", false);
        assert!(!State::parse(&state.render()).is_done("a"));
    }

    #[test]
    fn a_missing_or_garbled_file_is_a_fresh_start() {
        let dir = std::env::temp_dir().join(format!("exercise-state-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let _ = std::fs::remove_file(State::path(&dir));
        assert_eq!(State::load(&dir).unwrap(), State::default());
        std::fs::write(State::path(&dir), "garbage\n\u{1F980}\ndone x\n").unwrap();
        assert!(State::load(&dir).unwrap().is_done("x"));
        let mut state = State::default();
        state.mark("y", true);
        state.save(&dir).unwrap();
        assert_eq!(State::load(&dir).unwrap(), state);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn next_unsolved_skips_done_ones_and_wraps_around() {
        let c = catalog(&["a", "b", "c"]);
        let mut state = State::default();
        assert_eq!(state.current_index(&c), Some(0));
        state.mark("a", true);
        assert_eq!(state.current_index(&c), Some(1));
        assert_eq!(state.next_unsolved(&c, 2), Some(2));
        state.mark("c", true);
        assert_eq!(state.next_unsolved(&c, 2), Some(1), "wraps to b");
        state.mark("b", true);
        assert_eq!(state.next_unsolved(&c, 0), None, "all done");
        assert_eq!(state.done_count(&c), 3);
        state.current = Some("c".into());
        assert_eq!(state.current_index(&c), Some(2), "the saved current wins");
        state.current = Some("gone".into());
        assert_eq!(
            state.current_index(&c),
            None,
            "unknown current, nothing unsolved"
        );
    }
}
