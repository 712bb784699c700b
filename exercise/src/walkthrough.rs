//! The presenter's walkthrough: `make walkthrough` (or `cargo walkthrough`).
//!
//! For each part in order: the lesson text, rendered for the terminal (headings, code set apart,
//! wrapped to the window); Enter runs the part (its trace, without printing the lesson again); then
//! the part's exercises are offered (`e` opens the first in the exercise runner, Enter goes on).
//! `q` quits at any prompt, `s` skips running a part. `FROM=07 make walkthrough` (or `--from 07`)
//! starts at part 07; `--list` prints every part's title.
//!
//! It lives beside the exercise runner, not in `workshop`, so that the Markdown renderer is never
//! built by `make part_01`.

// A synchronous prompt loop around child processes: the blocking calls clippy.toml denies in the
// lessons (stdin, std::fs) are the right ones here.
#![allow(clippy::disallowed_methods)]

#[path = "catalog.rs"]
#[allow(dead_code)] // the walkthrough reads the catalog; the runner uses the rest
mod catalog;
#[path = "render.rs"]
mod render;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use workshop::lesson::{lesson_text, title};

/// Every part's README, compiled in: the titles can never disagree with the lessons.
const READMES: [&str; 16] = [
    include_str!("../../part_01/README.md"),
    include_str!("../../part_02/README.md"),
    include_str!("../../part_03/README.md"),
    include_str!("../../part_04/README.md"),
    include_str!("../../part_05/README.md"),
    include_str!("../../part_06/README.md"),
    include_str!("../../part_07/README.md"),
    include_str!("../../part_08/README.md"),
    include_str!("../../part_09/README.md"),
    include_str!("../../part_10/README.md"),
    include_str!("../../part_11/README.md"),
    include_str!("../../part_12/README.md"),
    include_str!("../../part_13/README.md"),
    include_str!("../../part_14/README.md"),
    include_str!("../../part_15/README.md"),
    include_str!("../../part_16/README.md"),
];

const USAGE: &str = "\
Step through the workshop's parts, or list them

Usage: cargo walkthrough [--from N] [--list]

Options:
  --from N    first part to run (1-16, \"07\" works too; default: $FROM, else 1)
  --list      print every part with its title and exit
  -h, --help  this text
";

#[derive(Debug, PartialEq)]
struct Args {
    from: usize,
    list: bool,
    help: bool,
}

impl Args {
    /// The command line (`args` starts with the program's name); `from` is $FROM when given.
    fn parse(
        args: impl IntoIterator<Item = std::ffi::OsString>,
        from: Option<String>,
    ) -> Result<Self, String> {
        use lexopt::prelude::*;
        let mut parser = lexopt::Parser::from_iter(args);
        let mut from = from.filter(|f| !f.trim().is_empty());
        let mut parsed = Args {
            from: 1,
            list: false,
            help: false,
        };
        while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
            match arg {
                Long("from") => {
                    let value = parser.value().map_err(|e| e.to_string())?;
                    from = Some(value.string().map_err(|e| e.to_string())?);
                }
                Long("list") => parsed.list = true,
                Short('h') | Long("help") => parsed.help = true,
                _ => return Err(arg.unexpected().to_string()),
            }
        }
        if let Some(from) = from {
            parsed.from = parse_part(&from).map_err(|e| format!("--from (or FROM): {e}"))?;
        }
        Ok(parsed)
    }
}

fn parse_part(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n @ 1..=16) => Ok(n),
        _ => Err(format!("a part number from 01 to 16, got {s:?}")),
    }
}

/// The arguments that bound each open-ended part here (on its own it runs until Ctrl-C).
fn bound(part: usize) -> &'static [&'static str] {
    match part {
        10 => &["--seconds", "7"],
        16 => &["--items", "15"],
        _ => &[],
    }
}

/// What the presenter typed at a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Enter: the default step.
    Go,
    Skip,
    Exercise,
    Quit,
    /// Space: the next screen of the lesson.
    More,
    /// A key with no meaning at this prompt.
    Other,
}

fn answer(line: Option<&str>) -> Answer {
    match line.map(|l| l.trim().to_ascii_lowercase()).as_deref() {
        None => Answer::Quit, // end of input: nobody is there to press Enter
        Some("q" | "quit" | "exit") => Answer::Quit,
        Some("s" | "skip") => Answer::Skip,
        Some("e" | "exercise") => Answer::Exercise,
        Some("") => Answer::Go,
        Some(_) => Answer::Other,
    }
}

fn listing() -> String {
    READMES
        .iter()
        .enumerate()
        .map(|(i, readme)| {
            // "Part 07 — Async context managers (…)" reads "make part_07   Async context managers (…)".
            let title = title(readme);
            let short = title.split_once(" — ").map_or(title, |(_, rest)| rest);
            format!("  make part_{:02}   {short}\n", i + 1)
        })
        .collect()
}

/// The lesson as the terminal shows it: rustdoc's hidden lines dropped, Markdown rendered by
/// `render` and wrapped to `width` columns; plain text (no colours) when `styled` is false.
fn render(readme: &str, width: usize, styled: bool) -> String {
    render::markdown(&lesson_text(readme), width, styled)
}

fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn run_part(part: usize) -> std::io::Result<ExitStatus> {
    Command::new(cargo())
        .current_dir(root())
        .args(["run", "-q", "-p", &format!("part_{part:02}"), "--"])
        .args(bound(part))
        .env("WORKSHOP_BANNER", "off")
        .status()
}

fn open_exercise(name: &str) -> std::io::Result<ExitStatus> {
    Command::new(cargo())
        .current_dir(root())
        .args([
            "run", "-q", "-p", "exercise", "--bin", "exercise", "--", "--start", name,
        ])
        .status()
}

/// Where the presenter's answers come from: single keys on a terminal, lines otherwise (a pipe, a
/// script, `--no-watch`-style use).
enum Keys<R> {
    Terminal,
    Lines(R),
}

impl<R: BufRead> Keys<R> {
    /// Shows `text` and waits for an answer that `accepts`; a key it does not accept is answered
    /// with the prompt again. Keys pressed before the prompt (while a part ran) are dropped.
    fn ask(&mut self, text: &str, accepts: &[Answer]) -> std::io::Result<Answer> {
        loop {
            print!("\n── {text} ── ");
            std::io::stdout().flush()?;
            let answer = match self {
                Keys::Terminal => read_key()?,
                Keys::Lines(input) => {
                    let mut line = String::new();
                    let read = input.read_line(&mut line)?;
                    answer((read > 0).then_some(line.as_str()))
                }
            };
            if accepts.contains(&answer) || answer == Answer::Quit {
                println!();
                return Ok(answer);
            }
        }
    }
}

/// One key, in raw mode: Enter, space, e, s, q (Esc and Ctrl-C quit too). Anything typed before
/// the call is dropped first.
fn read_key() -> std::io::Result<Answer> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    crossterm::terminal::enable_raw_mode()?;
    let result = (|| {
        while event::poll(std::time::Duration::ZERO)? {
            let _ = event::read()?;
        }
        loop {
            let Event::Key(key) = event::read()? else {
                continue;
            };
            if key.kind != KeyEventKind::Press {
                continue;
            }
            return Ok(match key.code {
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Answer::Quit,
                KeyCode::Enter => Answer::Go,
                KeyCode::Char(' ') | KeyCode::Down | KeyCode::PageDown => Answer::More,
                KeyCode::Esc => Answer::Quit,
                KeyCode::Char(c) => answer(Some(&c.to_string())),
                _ => Answer::Other,
            });
        }
    })();
    let _ = crossterm::terminal::disable_raw_mode();
    result
}

/// The lesson a screen at a time: space (or ↓) shows more, Enter runs the part at once, s skips
/// it, q quits. Returns the answer that ended the paging (`More` when the whole lesson was shown).
fn page<R: BufRead>(text: &str, height: usize, keys: &mut Keys<R>) -> std::io::Result<Answer> {
    let lines: Vec<&str> = text.lines().collect();
    let screen = height.saturating_sub(3).max(5);
    let mut shown = 0;
    while shown < lines.len() {
        let end = (shown + screen).min(lines.len());
        for line in &lines[shown..end] {
            println!("{line}");
        }
        shown = end;
        if shown < lines.len() {
            let left = lines.len() - shown;
            let answer = keys.ask(
                &format!("space: {left} more lines · Enter: run it · s: skip · q: quit"),
                &[Answer::More, Answer::Go, Answer::Skip],
            )?;
            if answer != Answer::More {
                return Ok(answer);
            }
        }
    }
    Ok(Answer::More)
}

fn main() -> std::io::Result<()> {
    let args = match Args::parse(std::env::args_os(), std::env::var("FROM").ok()) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    if args.help {
        print!("{USAGE}");
        return Ok(());
    }
    if args.list {
        print!("{}", listing());
        return Ok(());
    }
    let exercises = catalog::Catalog::load(&root())
        .map(|c| c.exercises)
        .unwrap_or_default();
    let styled = std::io::stdout().is_terminal();
    let (columns, rows) = crossterm::terminal::size().unwrap_or((80, 24));
    let width = usize::from(columns).saturating_sub(1).clamp(40, 100);
    let height = if styled {
        usize::from(rows)
    } else {
        usize::MAX
    };
    let stdin = std::io::stdin();
    let mut keys = if stdin.is_terminal() && styled {
        Keys::Terminal
    } else {
        Keys::Lines(stdin.lock())
    };
    for part in args.from..=16 {
        let readme = READMES[part - 1];
        // The lesson opens with its title: it is not printed twice.
        println!();
        let mut choice = page(&render(readme, width, styled), height, &mut keys)?;
        if choice == Answer::More {
            choice = keys.ask(
                &format!("Enter: run part_{part:02} · s: skip · q: quit"),
                &[Answer::Go, Answer::Skip],
            )?;
        }
        match choice {
            Answer::Quit => return goodbye(part),
            Answer::Skip => {}
            _ => match run_part(part) {
                Ok(status) if status.success() => {}
                Ok(status) => println!("\n(part_{part:02} ended with {status})"),
                Err(e) => println!("\n(could not start part_{part:02}: {e})"),
            },
        }
        let folder = format!("part_{part:02}");
        let mine: Vec<&str> = exercises
            .iter()
            .filter(|e| e.dir == folder)
            .map(|e| e.name.as_str())
            .collect();
        let next = if part == 16 {
            "the capstone (make mr-server)".to_owned()
        } else {
            format!("part_{:02}", part + 1)
        };
        if let Some(first) = mine.first() {
            println!("\nExercises for this part: {}", mine.join(", "));
            let choice = keys.ask(
                &format!("e: try {first} · Enter: {next} · q: quit"),
                &[Answer::Exercise, Answer::Go],
            )?;
            if choice == Answer::Quit {
                return goodbye(part + 1);
            }
            if choice == Answer::Exercise {
                if let Err(e) = open_exercise(first) {
                    println!("(could not start the exercise runner: {e})");
                }
                let back = keys.ask(&format!("Enter: {next} · q: quit"), &[Answer::Go])?;
                if back == Answer::Quit {
                    return goodbye(part + 1);
                }
            }
        } else if keys.ask(&format!("Enter: {next} · q: quit"), &[Answer::Go])? == Answer::Quit {
            return goodbye(part + 1);
        }
    }
    println!("\nThat was the last part. Next: the capstone, `make mr-server`.");
    Ok(())
}

fn goodbye(next: usize) -> std::io::Result<()> {
    if next <= 16 {
        println!("Resume later with: FROM={next:02} make walkthrough");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_accepts_zero_padded_numbers_and_rejects_others() {
        assert_eq!(parse_part("07"), Ok(7));
        assert_eq!(parse_part("16"), Ok(16));
        assert!(parse_part("0").is_err());
        assert!(parse_part("17").is_err());
        assert!(parse_part("seven").is_err());
    }

    #[test]
    fn from_comes_from_the_flag_then_the_environment_then_one() {
        let parse = |line: &str, env: Option<&str>| {
            Args::parse(
                std::iter::once("walkthrough")
                    .chain(line.split_whitespace())
                    .map(Into::into),
                env.map(Into::into),
            )
        };
        assert_eq!(parse("", None).map(|a| a.from), Ok(1));
        assert_eq!(parse("", Some("07")).map(|a| a.from), Ok(7));
        assert_eq!(parse("", Some("")).map(|a| a.from), Ok(1));
        assert_eq!(parse("--from 12", Some("07")).map(|a| a.from), Ok(12));
        assert_eq!(parse("--list", None).map(|a| a.list), Ok(true));
        let wrong = parse("", Some("17")).expect_err("17 is no part");
        assert!(
            wrong.contains("FROM") && wrong.contains("01 to 16"),
            "{wrong}"
        );
        let unknown = parse("--fast", None).expect_err("no such flag");
        assert!(unknown.contains("--fast"), "{unknown}");
    }

    #[test]
    fn the_open_ended_parts_get_a_bound() {
        assert_eq!(bound(10), ["--seconds", "7"]);
        assert_eq!(bound(16), ["--items", "15"]);
        assert!((1..=16).filter(|&p| !bound(p).is_empty()).eq([10, 16]));
    }

    #[test]
    fn answers_enter_goes_on_q_or_end_of_input_quits() {
        assert_eq!(answer(Some("\n")), Answer::Go);
        assert_eq!(answer(Some(" q \n")), Answer::Quit);
        assert_eq!(answer(Some("Quit")), Answer::Quit);
        assert_eq!(answer(None), Answer::Quit);
        assert_eq!(answer(Some("e\n")), Answer::Exercise);
        assert_eq!(answer(Some("s")), Answer::Skip);
        assert_eq!(answer(Some("x\n")), Answer::Other);
    }

    #[test]
    fn listing_names_every_part_with_its_title() {
        let listing = listing();
        assert_eq!(listing.lines().count(), 16);
        for (i, line) in listing.lines().enumerate() {
            assert!(line.contains(&format!("make part_{:02}", i + 1)), "{line}");
            assert!(
                line.trim_end().len() > "  make part_01   ".len(),
                "no title: {line}"
            );
        }
    }

    #[test]
    fn every_lesson_renders_without_fences_or_hidden_lines_within_the_width() {
        for (i, readme) in READMES.iter().enumerate() {
            let text = render(readme, 60, false);
            assert!(
                !text.contains("```"),
                "part {}: a fence shows:\n{text}",
                i + 1
            );
            assert!(
                !text.contains("no_run"),
                "part {}: a fence attribute shows",
                i + 1
            );
            let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                words.contains(title(readme)),
                "part {}: the title is missing:\n{text}",
                i + 1
            );
            for line in text.lines() {
                let line = line.trim_end();
                // Code lines are not wrapped (they would not compile any more); prose is.
                let width = line.chars().count();
                assert!(
                    width <= 60 || line.starts_with("  ") || line.contains("http"),
                    "part {}: a prose line of {width} columns:\n{line}",
                    i + 1
                );
            }
        }
        let markdown =
            "# Title\n\nSome `code` and **bold**.\n\n```rust\nlet x = 1;\nlet y = 2;\n```\n";
        let plain = render(markdown, 40, false);
        assert!(
            plain.contains("Title") && !plain.contains("# Title"),
            "{plain}"
        );
        assert!(plain.contains("let x = 1;"), "{plain}");
        assert!(!plain.contains("**"), "{plain}");
        assert!(
            plain.contains("let y = 2;"),
            "code lines stay lines: {plain}"
        );
    }

    #[test]
    fn soft_breaks_join_prose_and_list_items_but_not_code_tables_or_new_items() {
        let markdown = "One\ntwo.\n\n- item\n  goes on\n- next\n1. first\n   more\n\
            | a |\n| b |\n```sh\nline one\nline two\n```\n# Head\nText";
        assert_eq!(
            render::join_soft_breaks(markdown),
            "One two.\n\n- item goes on\n- next\n1. first more\n| a |\n| b |\n\
             ```sh\nline one\nline two\n```\n# Head\nText\n"
        );
    }
}
