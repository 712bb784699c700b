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
    // termimad reads ```lang fences as code blocks; the language tag itself is not shown.
    skin.text(&join_soft_breaks(markdown), Some(width))
        .to_string()
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
