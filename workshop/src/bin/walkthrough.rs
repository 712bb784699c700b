//! The stepwise workshop: `make walkthrough` (or `cargo walkthrough`).
//!
//! For each part in order it runs the lesson (which prints its lesson text, then its trace) and
//! waits for Enter before the next; `q` quits. `FROM=07 make walkthrough` (or `--from 07`) starts at
//! part 07. Parts that would run until Ctrl-C get a bound here. `--list` prints every part's title.
//!
//! Written in Rust rather than shell so that it works the same without make, e.g. on Windows.

use std::process::ExitStatus;

use clap::Parser;
use tokio::io::{AsyncBufReadExt, BufReader};
use workshop::lesson::title;

/// Every part's README, compiled in: the titles can never disagree with the lessons.
const READMES: [&str; 16] = [
    include_str!("../../../part_01/README.md"),
    include_str!("../../../part_02/README.md"),
    include_str!("../../../part_03/README.md"),
    include_str!("../../../part_04/README.md"),
    include_str!("../../../part_05/README.md"),
    include_str!("../../../part_06/README.md"),
    include_str!("../../../part_07/README.md"),
    include_str!("../../../part_08/README.md"),
    include_str!("../../../part_09/README.md"),
    include_str!("../../../part_10/README.md"),
    include_str!("../../../part_11/README.md"),
    include_str!("../../../part_12/README.md"),
    include_str!("../../../part_13/README.md"),
    include_str!("../../../part_14/README.md"),
    include_str!("../../../part_15/README.md"),
    include_str!("../../../part_16/README.md"),
];

#[derive(Debug, Parser)]
#[command(about = "Step through the workshop's parts, or list them")]
struct Args {
    /// First part to run (1-16, "07" works too). Defaults to $FROM, else 1.
    #[arg(long, env = "FROM", default_value = "1", value_parser = parse_part)]
    from: usize,
    /// Print every part with its title and exit.
    #[arg(long)]
    list: bool,
}

fn parse_part(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n @ 1..=16) => Ok(n),
        _ => Err(format!("a part number from 01 to 16, got {s:?}")),
    }
}

/// One step of the walkthrough: which part, and the arguments that bound it.
#[derive(Debug, PartialEq, Eq)]
struct Step {
    part: usize,
    args: &'static [&'static str],
}

/// The bound each open-ended part gets here (on its own it runs until Ctrl-C).
fn bound(part: usize) -> &'static [&'static str] {
    match part {
        10 => &["--seconds", "7"],
        16 => &["--items", "15"],
        _ => &[],
    }
}

fn plan(from: usize) -> Vec<Step> {
    (from..=16)
        .map(|part| Step {
            part,
            args: bound(part),
        })
        .collect()
}

/// What the presenter typed at the prompt.
fn wants_to_quit(answer: Option<&str>) -> bool {
    match answer {
        None => true, // end of input: nobody is there to press Enter
        Some(line) => matches!(line.trim(), "q" | "Q" | "quit" | "exit"),
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

async fn run_part(step: &Step) -> std::io::Result<ExitStatus> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    tokio::process::Command::new(cargo)
        .args(["run", "-q", "-p", &format!("part_{:02}", step.part), "--"])
        .args(step.args)
        .status()
        .await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    if args.list {
        print!("{}", listing());
        return Ok(());
    }
    // Ctrl-C is for the part that is running: the part stops (cleanly, for the open-ended ones) and
    // the walkthrough goes on to its prompt. Listening for the signal keeps it from killing us too.
    tokio::spawn(async { while tokio::signal::ctrl_c().await.is_ok() {} });
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    for step in plan(args.from) {
        let title = title(READMES[step.part - 1]);
        println!("\n▶▶ part_{:02}: {title}\n", step.part);
        match run_part(&step).await {
            Ok(status) if status.success() => {}
            Ok(status) => println!("\n(part_{:02} ended with {status})", step.part),
            Err(e) => println!("\n(could not start part_{:02}: {e})", step.part),
        }
        if step.part == 16 {
            println!("\nThat was the last part. Next: the capstone, `make mr-server`.");
            break;
        }
        println!("\n── Enter: part_{:02} · q: quit ──", step.part + 1);
        if wants_to_quit(stdin.next_line().await?.as_deref()) {
            println!(
                "Resume later with: FROM={:02} make walkthrough",
                step.part + 1
            );
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_starts_where_asked_and_bounds_the_open_ended_parts() {
        let all = plan(1);
        assert_eq!(all.len(), 16);
        assert_eq!(all.first().map(|s| s.part), Some(1));
        let from_seven = plan(7);
        assert_eq!(from_seven.first().map(|s| s.part), Some(7));
        assert_eq!(from_seven.len(), 10);
        let bounded: Vec<_> = all.iter().filter(|s| !s.args.is_empty()).collect();
        assert_eq!(
            bounded,
            vec![
                &Step {
                    part: 10,
                    args: &["--seconds", "7"]
                },
                &Step {
                    part: 16,
                    args: &["--items", "15"]
                },
            ]
        );
    }

    #[test]
    fn from_accepts_zero_padded_numbers_and_rejects_others() {
        assert_eq!(parse_part("07"), Ok(7));
        assert_eq!(parse_part("16"), Ok(16));
        assert!(parse_part("0").is_err());
        assert!(parse_part("17").is_err());
        assert!(parse_part("seven").is_err());
    }

    #[test]
    fn q_or_end_of_input_quits_and_enter_continues() {
        assert!(wants_to_quit(Some("q")));
        assert!(wants_to_quit(Some(" quit ")));
        assert!(wants_to_quit(None));
        assert!(!wants_to_quit(Some("")));
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
}
