//! The list of exercises, in the order a learner meets them: each lesson folder's
//! `exercises/info.toml` (`part_01` … `part_16`, then `mini_redis`), in order.
//!
//! Each entry names the exercise; its files follow from the name and the folder:
//! `DIR/exercises/NAME.rs` is what the learner edits, `DIR/solutions/NAME.rs` the solution. Cargo
//! knows each of them as a binary target of the lesson's own crate (`NAME` and `NAME_solution` in
//! `DIR/Cargo.toml`), built only with that crate's feature `exercises`: so an exercise builds only
//! what its lesson builds, and a half-written one never breaks `make part_NN` or `make test`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[path = "shipped.rs"]
pub mod shipped;

/// The folders that may hold exercises, in the order the runner offers them.
pub const FOLDERS: [&str; 17] = [
    "part_01",
    "part_02",
    "part_03",
    "part_04",
    "part_05",
    "part_06",
    "part_07",
    "part_08",
    "part_09",
    "part_10",
    "part_11",
    "part_12",
    "part_13",
    "part_14",
    "part_15",
    "part_16",
    "mini_redis",
];

/// One exercise, as an `info.toml` lists it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Unique across the workspace, and says the skill: `spawn_and_abort`.
    pub name: String,
    /// The folder beside the lesson it follows: `part_05`, `mini_redis` (from where it is listed).
    #[serde(skip)]
    pub dir: String,
    /// The crate whose binaries the exercise and its solution are: the name in `DIR/Cargo.toml`
    /// (`part_05`; the runner's end-to-end test renames it in its scratch copy).
    #[serde(skip)]
    pub package: String,
    /// Shown on request (`h`, or `cargo exercise hint NAME`): the asyncio habit, and what Rust wants.
    pub hint: String,
}

impl Exercise {
    /// The file the learner edits, relative to the workspace root.
    pub fn path(&self) -> PathBuf {
        Path::new(&self.dir)
            .join("exercises")
            .join(format!("{}.rs", self.name))
    }

    /// The solution, relative to the workspace root.
    pub fn solution_path(&self) -> PathBuf {
        Path::new(&self.dir)
            .join("solutions")
            .join(format!("{}.rs", self.name))
    }

    /// The tests `check` runs, relative to the workspace root: a module of both the exercise and
    /// the solution (`#[cfg(test)] #[path = "../checks/NAME.rs"] mod checks;` at their end).
    pub fn checks_path(&self) -> PathBuf {
        Path::new(&self.dir)
            .join("checks")
            .join(format!("{}.rs", self.name))
    }

    /// The recorded mistakes the checks must catch (`mistakes`), relative to the workspace root.
    pub fn mistakes_dir(&self) -> PathBuf {
        Path::new(&self.dir).join("mistakes").join(&self.name)
    }

    /// Cargo's name for the solution's binary target.
    pub fn solution_bin(&self) -> String {
        format!("{}_solution", self.name)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InfoFile {
    #[serde(default)]
    exercise: Vec<Exercise>,
}

/// The exercises in order.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub exercises: Vec<Exercise>,
}

impl Catalog {
    /// Reads every folder's `exercises/info.toml` under the workspace `root`.
    pub fn load(root: &Path) -> Result<Self, String> {
        let mut files = Vec::new();
        for folder in FOLDERS {
            let path = Path::new(folder).join("exercises").join("info.toml");
            match std::fs::read_to_string(root.join(&path)) {
                Ok(text) => files.push((folder, text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("{}: {e}", path.display())),
            }
        }
        let mut catalog = Self::parse(files.iter().map(|(f, t)| (*f, t.as_str())))?;
        for exercise in &mut catalog.exercises {
            exercise.package = package_name(root, &exercise.dir)?;
        }
        Ok(catalog)
    }

    /// Reads and checks `(folder, info.toml text)` pairs, in order.
    pub fn parse<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut exercises = Vec::new();
        for (folder, text) in files {
            let info: InfoFile =
                toml::from_str(text).map_err(|e| format!("{folder}/exercises/info.toml: {e}"))?;
            for mut exercise in info.exercise {
                exercise.dir = folder.to_owned();
                exercise.package = folder.to_owned();
                exercises.push(exercise);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for exercise in &exercises {
            let valid = !exercise.name.is_empty()
                && exercise
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                return Err(format!(
                    "info.toml: {:?} is not a valid exercise name (lowercase, digits, _)",
                    exercise.name
                ));
            }
            if !seen.insert(exercise.name.as_str()) {
                return Err(format!("info.toml: {} is listed twice", exercise.name));
            }
        }
        Ok(Self { exercises })
    }

    pub fn find(&self, name: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.name == name)
    }

    pub fn position(&self, name: &str) -> Option<usize> {
        self.exercises.iter().position(|e| e.name == name)
    }
}

/// The `name` of the `[package]` in `DIR/Cargo.toml`.
fn package_name(root: &Path, dir: &str) -> Result<String, String> {
    #[derive(Deserialize)]
    struct Manifest {
        package: Package,
    }
    #[derive(Deserialize)]
    struct Package {
        name: String,
    }
    let path = Path::new(dir).join("Cargo.toml");
    let text = std::fs::read_to_string(root.join(&path))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let manifest: Manifest =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(manifest.package.name)
}

/// The task statement: the exercise file's leading `//!` lines, without the markers.
pub fn statement(source: &str) -> String {
    source
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .map(|line| {
            let text = line.trim_start_matches("//!");
            text.strip_prefix(' ').unwrap_or(text)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

    #[test]
    fn every_listed_exercise_has_its_file_solution_and_cargo_targets() {
        let catalog = Catalog::load(Path::new(ROOT)).expect("the exercise lists");
        assert!(!catalog.exercises.is_empty(), "info.toml lists no exercise");
        for exercise in &catalog.exercises {
            let root = Path::new(ROOT);
            let manifest_path = Path::new(&exercise.dir).join("Cargo.toml");
            let manifest = std::fs::read_to_string(root.join(&manifest_path))
                .expect("the lesson's Cargo.toml");
            for path in [exercise.path(), exercise.solution_path()] {
                assert!(
                    root.join(&path).is_file(),
                    "{}: {} is missing",
                    exercise.name,
                    path.display()
                );
            }
            for (bin, path) in [
                (exercise.name.clone(), exercise.path()),
                (exercise.solution_bin(), exercise.solution_path()),
            ] {
                let relative = path.strip_prefix(&exercise.dir).expect("inside its folder");
                let entry = format!(
                    "[[bin]]\nname = \"{bin}\"\npath = \"{}\"\nrequired-features = [\"exercises\"]\n",
                    relative.display(),
                );
                assert!(
                    manifest.contains(&entry),
                    "{} needs this target:\n{entry}",
                    manifest_path.display()
                );
            }
            assert!(
                manifest.contains("\nexercises = []\n"),
                "{} needs the feature `exercises = []`",
                manifest_path.display()
            );
            // With its exercises beside it the crate has several binaries: `cargo run -p DIR`
            // (`make part_NN`, the walkthrough) must still know which one is the lesson.
            assert!(
                manifest.contains(&format!("\ndefault-run = \"{}\"\n", exercise.package)),
                "{} needs `default-run = \"{}\"`",
                manifest_path.display(),
                exercise.package
            );
            assert!(
                root.join(exercise.checks_path()).is_file(),
                "{}: its checks {} are missing",
                exercise.name,
                exercise.checks_path().display()
            );
            let pulls_in = format!(
                "#[cfg(test)]\n#[path = \"../checks/{}.rs\"]\nmod checks;\n",
                exercise.name
            );
            // The exercise file as shipped (a learner's work may be anything: `make test` runs
            // this test in their clone too).
            let source = std::fs::read_to_string(root.join(exercise.path())).unwrap_or_default();
            let as_shipped = shipped::is_shipped(root, &exercise.name, source.as_bytes());
            let files = if as_shipped {
                vec![exercise.path(), exercise.solution_path()]
            } else {
                vec![exercise.solution_path()]
            };
            for path in files {
                let text = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
                assert!(
                    text.ends_with(&pulls_in),
                    "{} must end with its checks:\n{pulls_in}",
                    path.display()
                );
            }
            if !as_shipped {
                continue;
            }
            assert!(
                !statement(&source).trim().is_empty(),
                "{}: the file must open with a //! task statement",
                exercise.name
            );
            assert!(
                source.contains("todo!(") || source.contains("TODO"),
                "{}: mark the places to change with todo!() or // TODO",
                exercise.name
            );
            assert!(
                !exercise.hint.trim().is_empty(),
                "{}: no hint",
                exercise.name
            );
        }
    }

    #[test]
    fn names_must_be_unique_and_plain() {
        let one = "[[exercise]]\nname = \"a\"\nhint = \"h\"\n";
        let twice = Catalog::parse([("part_01", one), ("part_02", one)]);
        assert!(twice.unwrap_err().contains("listed twice"));
        let bad = "[[exercise]]\nname = \"A-b\"\nhint = \"h\"\n";
        assert!(
            Catalog::parse([("part_01", bad)])
                .unwrap_err()
                .contains("not a valid")
        );
        let unknown = "[[exercise]]\nname = \"a\"\nhint = \"h\"\nextra = 1\n";
        assert!(Catalog::parse([("part_01", unknown)]).is_err());
    }

    #[test]
    fn the_statement_is_the_leading_inner_doc_comment() {
        let source = "//! Make it true.\n//!\n//! Python: `x`\nuse std::io;\n//! not this\n";
        assert_eq!(statement(source), "Make it true.\n\nPython: `x`");
        let c =
            Catalog::parse([("part_02", "[[exercise]]\nname = \"a_b\"\nhint = \"h\"\n")]).unwrap();
        assert_eq!(c.exercises[0].path(), Path::new("part_02/exercises/a_b.rs"));
        assert_eq!(
            c.exercises[0].solution_path(),
            Path::new("part_02/solutions/a_b.rs")
        );
        assert_eq!(c.exercises[0].solution_bin(), "a_b_solution");
    }
}
