//! Markdown for the terminal, shared by the walkthrough (lessons) and the runner (task
//! statements): soft line breaks joined, then rendered by termimad and wrapped to the window.

use termimad::MadSkin;

/// `markdown` rendered and wrapped to `width` columns; plain text (no colours) when `styled` is
/// false.
pub fn markdown(markdown: &str, width: usize, styled: bool) -> String {
    let skin = if styled {
        MadSkin::default()
    } else {
        MadSkin::no_style()
    };
    // termimad reads ```lang fences as code blocks; the language tag itself is not shown. It pads
    // every line of a code block to the longest one and never wraps code: a line wider than the
    // window would spill every padded line onto the next row. Long code lines are broken here.
    let text = fit_code(&join_soft_breaks(markdown), width.saturating_sub(2));
    skin.text(&text, Some(width)).to_string()
}

/// Code lines (inside ``` fences) longer than `width` broken at a space, the rest indented under
/// the line's start.
fn fit_code(markdown: &str, width: usize) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut in_fence = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        let mut rest = line.to_owned();
        if in_fence {
            let indent: String = line.chars().take_while(|c| *c == ' ').collect();
            let continuation = format!("{indent}    ");
            while rest.chars().count() > width {
                let limit: usize = rest
                    .char_indices()
                    .nth(width)
                    .map_or(rest.len(), |(i, _)| i);
                let Some(cut) = rest[..limit].rfind(' ').filter(|&c| c > continuation.len()) else {
                    break;
                };
                out.push_str(rest[..cut].trim_end());
                out.push('\n');
                rest = format!("{continuation}{}", rest[cut..].trim_start());
            }
        }
        out.push_str(&rest);
        out.push('\n');
    }
    out
}

/// Markdown's soft line breaks made explicit: the READMEs and statements are wrapped at 100 columns, and in
/// Markdown a single newline inside a paragraph or a list item is a space. termimad renders line
/// by line, so without this each source line would be wrapped on its own, raggedly.
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

    #[test]
    fn code_lines_wider_than_the_window_are_broken_prose_is_left_to_termimad() {
        let md = "Some prose that is rather long but is not code at all, so it stays one line.\n\
                  ```python\nasyncio.run(main())   # a new loop: run main, cancel leftover tasks, close\n\
                  try:\n```\n";
        let fitted = fit_code(md, 40);
        let lines: Vec<&str> = fitted.lines().collect();
        assert_eq!(lines[0].len(), md.lines().next().unwrap_or("").len());
        assert!(
            lines[2..].iter().all(|l| l.chars().count() <= 40),
            "{fitted}"
        );
        assert!(
            fitted.contains("\n    "),
            "continuations are indented: {fitted}"
        );
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(words(&fitted), words(md));
    }
}
