//! A learner's attempt from a recorded mistake: the shipped exercise file with some of its
//! top-level items replaced.
//!
//! A recorded mistake (`DIR/mistakes/NAME/*.rs`) holds only what a learner would write: the
//! functions, types or impls they change, and any `use` they add. [`splice`] puts each item in
//! place of the shipped item with the same name (`fn fetch_all`, `impl Future for Countdown`),
//! appends the ones the shipped file lacks, and keeps everything else — the statement, the given
//! code, `main` and the `mod checks` line — so a mistake meets whatever the checks are today.
//!
//! Items are found with a small scanner (comments, strings, raw strings, char literals and
//! lifetimes, brackets), not a parser: the files it reads are the workshop's own.

/// One top-level item: its text (with the doc comments and attributes above it) and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What identifies it across files: `fn fetch_all`, `struct Countdown`,
    /// `impl Future for Countdown`, `use std::time::Duration;` (a `use` is its whole text).
    pub key: String,
    /// Byte range in the source, from its first attribute or doc comment to its end.
    pub start: usize,
    pub end: usize,
}

/// The top-level items of `source`, in order. Inner attributes and inner doc comments (`#![…]`,
/// `//!`) and loose comments are not items.
pub fn items(source: &str) -> Result<Vec<Item>, String> {
    let bytes = source.as_bytes();
    let mut items = Vec::new();
    let mut i = 0;
    // Where the item being read began (its first attribute or outer doc comment), if one has.
    let mut start: Option<usize> = None;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if source[i..].starts_with("//!") || source[i..].starts_with("/*!") {
            i = skip_comment(source, i)?;
            continue;
        }
        if source[i..].starts_with("///") && !source[i..].starts_with("////") {
            start.get_or_insert(i);
            i = skip_comment(source, i)?;
            continue;
        }
        if source[i..].starts_with("//") || source[i..].starts_with("/*") {
            let end = skip_comment(source, i)?;
            // A plain comment directly above an item (no blank line) belongs to it.
            if start.is_none() && !source[end..].starts_with("\n\n") {
                start = Some(i);
            }
            i = end;
            continue;
        }
        if source[i..].starts_with("#![") {
            i = skip_group(source, i + 2)?;
            continue;
        }
        if c == b'#' {
            start.get_or_insert(i);
            i = skip_group(source, i + 1)?;
            continue;
        }
        // The item itself: up to a `;` or a closing `}` at this level.
        let begin = i;
        let mut end = i;
        while end < bytes.len() {
            match bytes[end] {
                b';' => {
                    end += 1;
                    break;
                }
                b'{' => {
                    end = skip_group(source, end)?;
                    // `struct A { … }` and `fn f() { … }` end here; `static X: T = T { … };`
                    // goes on to its `;`.
                    let rest = source[end..].trim_start();
                    if !rest.starts_with(';') && !rest.starts_with('.') {
                        break;
                    }
                }
                b'(' | b'[' => end = skip_group(source, end)?,
                b'"' | b'\'' | b'/' | b'r' | b'b' => end = skip_token(source, end)?,
                _ => end += 1,
            }
        }
        let head = &source[begin..end];
        items.push(Item {
            key: key(head),
            start: start.take().unwrap_or(begin),
            end,
        });
        i = end;
    }
    Ok(items)
}

/// `mistake`'s items put into `base`: each in place of the base item with the same key, the rest
/// appended at the end. A `use` the base already has is not added twice.
pub fn splice(base: &str, mistake: &str) -> Result<String, String> {
    let base_items = items(base)?;
    let mistake_items = items(mistake)?;
    let mut replaced: Vec<(usize, usize, &str)> = Vec::new();
    let mut appended = String::new();
    for item in &mistake_items {
        let text = &mistake[item.start..item.end];
        match base_items.iter().find(|b| b.key == item.key) {
            Some(_) if item.key.starts_with("use ") => {}
            Some(b) => {
                if replaced.iter().any(|(s, _, _)| *s == b.start) {
                    return Err(format!("the mistake defines `{}` twice", item.key));
                }
                replaced.push((b.start, b.end, text));
            }
            None => {
                appended.push('\n');
                appended.push_str(text);
                appended.push('\n');
            }
        }
    }
    replaced.sort_by_key(|(start, _, _)| *start);
    let mut out = String::with_capacity(base.len() + mistake.len());
    let mut at = 0;
    for (start, end, text) in replaced {
        out.push_str(&base[at..start]);
        out.push_str(text);
        at = end;
    }
    out.push_str(&base[at..]);
    out.push_str(&appended);
    Ok(out)
}

/// An item's key from its text (attributes and comments already left out).
fn key(head: &str) -> String {
    let flat: String = head.split_whitespace().collect::<Vec<_>>().join(" ");
    // Visibility first: `pub`, `pub(crate)`.
    let mut rest = flat.as_str();
    if let Some(after) = rest.strip_prefix("pub(") {
        rest = after.split_once(')').map_or("", |(_, r)| r.trim_start());
    } else if let Some(after) = rest.strip_prefix("pub ") {
        rest = after;
    }
    if rest.starts_with("use ") {
        return flat;
    }
    if rest.starts_with("impl ") || rest.starts_with("impl<") {
        // The whole header names an impl: `impl<T> Stream for Numbers<T>`.
        return rest[..rest.find('{').unwrap_or(rest.len())]
            .trim()
            .to_owned();
    }
    let words: Vec<&str> = rest.split(' ').collect();
    let mut at = 0;
    while let Some(&w) = words.get(at) {
        let qualifier = matches!(w, "async" | "unsafe" | "extern" | "\"C\"" | "default")
            || (w == "const" && words.get(at + 1) == Some(&"fn"));
        if !qualifier {
            break;
        }
        at += 1;
    }
    let kind = words.get(at).copied().unwrap_or("");
    let name = words
        .get(at + 1)
        .and_then(|w| w.split(['(', '<', ':', '=', ';', '{']).next())
        .unwrap_or("");
    if name.is_empty() {
        flat
    } else {
        format!("{kind} {name}")
    }
}

/// From an opening `(`, `[` or `{` at `open`, the index just past its closing partner.
fn skip_group(source: &str, open: usize) -> Result<usize, String> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
            b'"' | b'\'' | b'/' | b'r' | b'b' => i = skip_token(source, i)?,
            _ => i += 1,
        }
    }
    Err(format!("unbalanced brackets from byte {open}"))
}

/// Past a comment, string, char literal or lifetime starting at `i`; else past one byte.
fn skip_token(source: &str, i: usize) -> Result<usize, String> {
    let bytes = source.as_bytes();
    let rest = &source[i..];
    if rest.starts_with("//") || rest.starts_with("/*") {
        return skip_comment(source, i);
    }
    // Raw strings: r"…", r#"…"#, br#"…"#, preceded by no identifier character.
    let after_ident = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
    if !after_ident {
        let raw_at = if rest.starts_with("br") {
            Some(i + 2)
        } else if rest.starts_with('r') {
            Some(i + 1)
        } else {
            None
        };
        if let Some(mut j) = raw_at {
            let hashes = bytes[j..].iter().take_while(|&&b| b == b'#').count();
            j += hashes;
            if bytes.get(j) == Some(&b'"') {
                let close = format!("\"{}", "#".repeat(hashes));
                return source[j + 1..]
                    .find(&close)
                    .map(|k| j + 1 + k + close.len())
                    .ok_or_else(|| "an unterminated raw string".to_owned());
            }
        }
        if rest.starts_with("b\"") || rest.starts_with("b'") {
            return skip_token(source, i + 1);
        }
    }
    match bytes[i] {
        b'"' => {
            let mut j = i + 1;
            while j < bytes.len() {
                match bytes[j] {
                    b'\\' => j += 2,
                    b'"' => return Ok(j + 1),
                    _ => j += 1,
                }
            }
            Err("an unterminated string".to_owned())
        }
        b'\'' => {
            // A char literal ('a', '\n', '\u{1F600}', '"') or a lifetime ('a, 'static).
            if bytes.get(i + 1) == Some(&b'\\') {
                let close = source[i + 2..]
                    .find('\'')
                    .ok_or_else(|| "an unterminated char".to_owned())?;
                return Ok(i + 2 + close + 1);
            }
            let ch_len = source[i + 1..].chars().next().map_or(1, char::len_utf8);
            if bytes.get(i + 1 + ch_len) == Some(&b'\'') {
                Ok(i + 2 + ch_len)
            } else {
                Ok(i + 1)
            }
        }
        _ => Ok(i + 1),
    }
}

/// Past the comment starting at `i` (line comments keep their newline; block comments nest).
fn skip_comment(source: &str, i: usize) -> Result<usize, String> {
    if source[i..].starts_with("//") {
        return Ok(source[i..].find('\n').map_or(source.len(), |k| i + k));
    }
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < bytes.len() {
        if bytes[j] == b'/' && bytes[j + 1] == b'*' {
            depth += 1;
            j += 2;
        } else if bytes[j] == b'*' && bytes[j + 1] == b'/' {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return Ok(j);
            }
        } else {
            j += 1;
        }
    }
    Err("an unterminated block comment".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r##"//! Exercise: a statement.
//! More of it.

use std::time::Duration;
use futures::StreamExt;

/// Given code: leave it.
#[derive(Debug, Default)]
struct Server {
    hits: u32,
}

impl Server {
    fn hit(&mut self) -> char {
        self.hits += 1;
        '}'
    }
}

const LIMIT: usize = 3;

/// Yours.
async fn fetch_all(server: &Server, limit: usize) -> Vec<u64> {
    let _ = (server, limit, "a } in a string", r#"and "}" raw"#, '{');
    todo!("fetch them") // a } in a comment
}

#[tokio::main]
async fn main() {
    println!("{:?}", fetch_all(&Server::default(), LIMIT).await);
}

// The checks: part_12/checks/x.rs.
#[cfg(test)]
#[path = "../checks/x.rs"]
mod checks;
"##;

    #[test]
    fn finds_each_top_level_item_with_its_attributes() {
        let found = items(BASE).unwrap();
        let keys: Vec<&str> = found.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "use std::time::Duration;",
                "use futures::StreamExt;",
                "struct Server",
                "impl Server",
                "const LIMIT",
                "fn fetch_all",
                "fn main",
                "mod checks",
            ]
        );
        let server = &BASE[found[2].start..found[2].end];
        assert!(server.starts_with("/// Given code"), "{server}");
        assert!(server.ends_with("hits: u32,\n}"), "{server}");
        let checks = &BASE[found[7].start..found[7].end];
        assert!(checks.starts_with("// The checks"), "{checks}");
        let main = &BASE[found[6].start..found[6].end];
        assert!(main.starts_with("#[tokio::main]"), "{main}");
    }

    #[test]
    fn replaces_by_name_appends_the_new_and_keeps_the_rest() {
        let mistake = "use std::time::Duration;\nuse tokio::sync::Semaphore;\n\n\
                       // The mistake.\nasync fn fetch_all(server: &Server, limit: usize) -> Vec<u64> {\n    \
                       helper(server, limit).await\n}\n\nasync fn helper(_: &Server, _: usize) -> Vec<u64> { vec![] }\n";
        let out = splice(BASE, mistake).unwrap();
        assert!(!out.contains("todo!(\"fetch them\")"), "{out}");
        assert!(out.contains("// The mistake.\nasync fn fetch_all"), "{out}");
        assert!(out.contains("async fn helper"), "{out}");
        assert!(out.contains("use tokio::sync::Semaphore;"), "{out}");
        assert_eq!(out.matches("use std::time::Duration;").count(), 1, "{out}");
        assert!(out.starts_with("//! Exercise: a statement."), "{out}");
        assert!(
            out.contains("#[path = \"../checks/x.rs\"]\nmod checks;"),
            "{out}"
        );
        // The new fetch_all stands where the old one stood: before main.
        assert!(out.find("async fn fetch_all").unwrap() < out.find("async fn main").unwrap());
    }

    #[test]
    fn impls_are_known_by_their_header_and_lifetimes_are_not_chars() {
        let src = "impl<'a> Stream for Numbers<'a> {\n    type Item = u8;\n}\n\
                   impl Drop for Numbers<'_> { fn drop(&mut self) {} }\n\
                   pub(crate) const fn five() -> u8 { 5 }\n\
                   static NAMES: [&str; 2] = [\"}\", \"{\"];\n\
                   macro_rules! twice { ($e:expr) => { $e; $e }; }\n";
        let keys: Vec<String> = items(src).unwrap().into_iter().map(|i| i.key).collect();
        assert_eq!(
            keys,
            [
                "impl<'a> Stream for Numbers<'a>",
                "impl Drop for Numbers<'_>",
                "fn five",
                "static NAMES",
                "macro_rules! twice",
            ]
        );
    }
}
