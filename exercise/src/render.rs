//! Markdown for the terminal, shared by the walkthrough (lessons) and the runner (task
//! statements): soft line breaks joined, each block (heading, paragraph, list item, quote, table,
//! code) laid out and wrapped to the window, inline `code`, **bold** and *italic* parsed by
//! minimad and shown with crossterm's styles (or as plain text when `styled` is false).
//!
//! Why not termimad, which does all of this: it is the runner's heaviest dependency (two builds of
//! regex, for its own macros and at run time), and `make exercise` must show its first screen soon
//! after `make part_01`. minimad is termimad's own parser, without the rest.

use crossterm::style::Stylize;
use minimad::{Compound, parse_inline};

/// `markdown` rendered and wrapped to `width` columns; plain text (no colours) when `styled` is
/// false. Code blocks are indented by two columns; their lines wider than the window are broken
/// at a space (a code line is never joined with the next).
pub fn markdown(markdown: &str, width: usize, styled: bool) -> String {
    let width = width.max(20);
    let text = join_soft_breaks(markdown);
    let mut out: Vec<String> = Vec::new();
    let mut lines = text.lines().peekable();
    let mut in_fence = false;
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            for piece in fit_code_line(line, width.saturating_sub(2)) {
                let piece = format!("  {piece}");
                out.push(if styled {
                    piece.dark_green().to_string()
                } else {
                    piece
                });
            }
            continue;
        }
        if trimmed.is_empty() {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            continue;
        }
        if trimmed.starts_with('|') {
            let mut rows = vec![trimmed.to_owned()];
            while let Some(next) = lines.peek().filter(|l| l.trim_start().starts_with('|')) {
                rows.push(next.trim_start().to_owned());
                lines.next();
            }
            out.extend(table(&rows, width, styled));
            continue;
        }
        let (first, rest, body, heading) = block(line);
        let words = words(body, styled, heading);
        out.extend(wrap(&words, width, &first, &rest));
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n") + "\n"
}

/// The prefixes of a block's first and following lines, its text, and its heading level (0: none).
fn block(line: &str) -> (String, String, &str, usize) {
    let indent = line.len() - line.trim_start().len();
    let trimmed = line.trim_start();
    let pad = " ".repeat(indent);
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    if level > 0 && trimmed[level..].starts_with(' ') {
        return (String::new(), String::new(), trimmed[level..].trim(), level);
    }
    if let Some(item) = trimmed
        .strip_prefix("- ")
        .or_else(|| trimmed.strip_prefix("* "))
    {
        return (format!("{pad}• "), format!("{pad}  "), item, 0);
    }
    if let Some((number, item)) = trimmed.split_once(". ")
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
    {
        let hang = " ".repeat(number.len() + 2);
        return (format!("{pad}{number}. "), format!("{pad}{hang}"), item, 0);
    }
    if let Some(quoted) = trimmed.strip_prefix("> ") {
        return (format!("{pad}│ "), format!("{pad}│ "), quoted, 0);
    }
    (pad.clone(), pad, trimmed, 0)
}

/// A word as the terminal shows it: its width in columns, and its text with styles.
struct Word {
    width: usize,
    text: String,
}

/// The words of an inline Markdown text, styles applied (a heading's in bold).
fn words(body: &str, styled: bool, heading: usize) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current = Word {
        width: 0,
        text: String::new(),
    };
    for compound in parse_inline(body).compounds {
        for (i, piece) in compound.src.split(' ').enumerate() {
            if i > 0 && current.width > 0 {
                out.push(std::mem::replace(
                    &mut current,
                    Word {
                        width: 0,
                        text: String::new(),
                    },
                ));
            }
            if piece.is_empty() {
                continue;
            }
            current.width += piece.chars().count();
            current
                .text
                .push_str(&style(piece, &compound, styled, heading));
        }
    }
    if current.width > 0 {
        out.push(current);
    }
    out
}

fn style(piece: &str, compound: &Compound<'_>, styled: bool, heading: usize) -> String {
    if !styled {
        return piece.to_owned();
    }
    let mut content = piece.stylize();
    if compound.code {
        content = content.cyan();
    }
    if compound.bold || heading > 0 {
        content = content.bold();
    }
    if heading == 1 {
        content = content.yellow();
    }
    if compound.italic {
        content = content.italic();
    }
    if compound.strikeout {
        content = content.crossed_out();
    }
    content.to_string()
}

/// Greedy word wrap: `first` before the first line, `rest` before the others. A word wider than
/// a whole line is cut (only the plain text is cut, so a cut word loses its style).
fn wrap(words: &[Word], width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_owned();
    let mut used = first.chars().count();
    let mut empty = true;
    for word in words {
        let room = width.saturating_sub(used + usize::from(!empty));
        if word.width > room && !empty {
            lines.push(std::mem::replace(&mut line, rest.to_owned()));
            used = rest.chars().count();
            empty = true;
        }
        let room = width.saturating_sub(used + usize::from(!empty));
        if word.width > room && empty {
            // Longer than a whole line: cut it into pieces that fit.
            let plain: Vec<char> = strip_ansi(&word.text).chars().collect();
            let per_line = width.saturating_sub(used).max(1);
            for (i, chunk) in plain.chunks(per_line).enumerate() {
                if i > 0 {
                    lines.push(std::mem::replace(&mut line, rest.to_owned()));
                    used = rest.chars().count();
                }
                line.extend(chunk);
                used += chunk.len();
            }
            empty = false;
            continue;
        }
        if !empty {
            line.push(' ');
            used += 1;
        }
        line.push_str(&word.text);
        used += word.width;
        empty = false;
    }
    lines.push(line);
    lines
}

/// `text` without its terminal escape sequences and control characters (newlines and tabs kept):
/// what a styled line shows, for measuring it or reading a colored compiler output.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else if !c.is_control() || c == '\n' || c == '\t' {
            // Terminals' reset sequences may end in a shift-in (\x0f, tmux's `sgr0`): dropped too.
            out.push(c);
        }
    }
    out
}

/// A Markdown table: aligned columns when it fits the width, else each row as a list item (its
/// first cell) with the other cells under it.
fn table(rows: &[String], width: usize, styled: bool) -> Vec<String> {
    let cells = |row: &str| -> Vec<String> {
        let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split('|').map(|c| c.trim().to_owned()).collect()
    };
    let is_rule = |row: &str| {
        row.chars()
            .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
    };
    let header = cells(&rows[0]);
    let body: Vec<Vec<String>> = rows[1..]
        .iter()
        .filter(|r| !is_rule(r))
        .map(|r| cells(r))
        .collect();
    let rendered = |cell: &str, bold: bool| -> Word {
        let words = words(cell, styled, usize::from(bold));
        Word {
            width: words.iter().map(|w| w.width).sum::<usize>() + words.len().saturating_sub(1),
            text: words
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        }
    };
    let columns = header.len();
    let mut widths = vec![0; columns];
    for row in std::iter::once(&header).chain(&body) {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(rendered(cell, false).width);
        }
    }
    let total = widths.iter().sum::<usize>() + 3 * columns.saturating_sub(1);
    let mut out = Vec::new();
    if total <= width {
        let line = |row: &[String], bold: bool| -> String {
            let mut text = String::new();
            for (i, cell) in row.iter().enumerate().take(columns) {
                let cell = rendered(cell, bold);
                if i > 0 {
                    text.push_str(" │ ");
                }
                text.push_str(&cell.text);
                if i + 1 < columns {
                    text.push_str(&" ".repeat(widths[i] - cell.width));
                }
            }
            text
        };
        out.push(line(&header, true));
        out.push(
            widths
                .iter()
                .map(|w| "─".repeat(*w))
                .collect::<Vec<_>>()
                .join("─┼─"),
        );
        for row in &body {
            out.push(line(row, false));
        }
    } else {
        let heading = words(&header.join(" → "), styled, 2);
        out.extend(wrap(&heading, width, "", ""));
        for row in &body {
            let mut row = row.iter();
            if let Some(first) = row.next() {
                out.extend(wrap(&words(first, styled, 0), width, "• ", "  "));
            }
            for cell in row {
                out.extend(wrap(&words(cell, styled, 0), width, "    ", "    "));
            }
        }
    }
    out
}

/// A code line longer than `width` broken at spaces, the rest indented under the line's start.
fn fit_code_line(line: &str, width: usize) -> Vec<String> {
    let indent: String = line.chars().take_while(|c| *c == ' ').collect();
    let continuation = format!("{indent}    ");
    let mut pieces = Vec::new();
    let mut rest = line.to_owned();
    while rest.chars().count() > width {
        let limit: usize = rest
            .char_indices()
            .nth(width)
            .map_or(rest.len(), |(i, _)| i);
        let Some(cut) = rest[..limit].rfind(' ').filter(|&c| c > continuation.len()) else {
            break;
        };
        pieces.push(rest[..cut].trim_end().to_owned());
        rest = format!("{continuation}{}", rest[cut..].trim_start());
    }
    pieces.push(rest);
    pieces
}

/// Markdown's soft line breaks made explicit: the READMEs and statements are wrapped at 100
/// columns, and in Markdown a single newline inside a paragraph or a list item is a space.
pub fn join_soft_breaks(markdown: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    let mut joinable = false; // the last line is prose that a continuation may join
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
            joinable = false;
            out.push(line.to_owned());
            continue;
        }
        let starts_block = trimmed.is_empty()
            || trimmed.starts_with('#')
            || trimmed.starts_with('|')
            || trimmed.starts_with("- ")
            || trimmed.starts_with("* ")
            || trimmed.starts_with("> ")
            || trimmed
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        match out.last_mut() {
            Some(last) if !in_fence && joinable && !starts_block => {
                last.push(' ');
                last.push_str(trimmed);
            }
            _ => out.push(line.to_owned()),
        }
        joinable = !in_fence
            && !trimmed.is_empty()
            && !trimmed.starts_with('#')
            && !trimmed.starts_with('|');
    }
    out.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn code_lines_wider_than_the_window_are_broken_and_indented() {
        let md = "Some prose that is rather long but is not code at all, so it is wrapped.\n\
                  ```python\nasyncio.run(main())   # a new loop: run main, cancel leftover tasks, close\n\
                  try:\n```\n";
        let text = markdown(md, 40, false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{text}");
        assert!(
            text.contains("\n  asyncio.run(main())"),
            "code is indented by two: {text}"
        );
        assert!(
            text.contains("\n      "),
            "a broken code line's rest is indented: {text}"
        );
        assert!(!text.contains("```"), "{text}");
        assert_eq!(
            words_of(&text).replace("python ", ""),
            words_of(md).replace("```python ", "").replace(" ```", "")
        );
    }

    #[test]
    fn prose_is_wrapped_and_inline_markup_is_shown_as_styles() {
        let md = "# Title\n\nSome `code` and **bold** and *italic*, in a sentence long enough \
                  to be wrapped twice at thirty columns.\n\n- an item\n  that goes on\n- next\n\n\
                  > quoted\n";
        let plain = markdown(md, 30, false);
        assert!(plain.starts_with("Title\n"), "{plain}");
        assert!(!plain.contains('`') && !plain.contains('*'), "{plain}");
        assert!(plain.lines().all(|l| l.chars().count() <= 30), "{plain}");
        assert!(plain.contains("• an item that goes on\n• next"), "{plain}");
        assert!(plain.contains("│ quoted"), "{plain}");
        let styled = markdown(md, 30, true);
        assert!(styled.contains('\u{1b}'), "styles are escape codes");
        assert_eq!(words_of(&strip_ansi(&styled)), words_of(&plain));
    }

    #[test]
    fn a_table_is_aligned_when_it_fits_and_listed_when_it_does_not() {
        let md = "| Python | Rust |\n|---|---|\n| `await f` | `f.await` |\n\
                  | `asyncio.gather(*aws)` | `futures::future::join_all(futures)` |\n";
        let wide = markdown(md, 80, false);
        let lines: Vec<&str> = wide.lines().collect();
        assert_eq!(lines[0].find('│'), lines[2].find('│'), "{wide}");
        assert!(lines[2].starts_with("await f"), "{wide}");
        let narrow = markdown(md, 40, false);
        assert!(narrow.contains("• await f\n    f.await"), "{narrow}");
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut() {
        let text = markdown(&"x".repeat(50), 20, false);
        assert!(text.lines().all(|l| l.chars().count() <= 20), "{text}");
        assert_eq!(text.replace('\n', ""), "x".repeat(50));
    }
}
