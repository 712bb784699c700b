//! Redis-style glob patterns, as `KEYS`, `SCAN MATCH`, `PSUBSCRIBE` and `CONFIG GET` take them.
//!
//! - `*` any run of bytes (none included), `?` any one byte;
//! - `[abc]` one of the bytes listed, `[^abc]` one byte not listed, `[a-z]` a range (either way
//!   round: `[z-a]` is the same range), combinable: `[^a-cx]`;
//! - `\x` the byte `x` itself, also inside brackets: `\*`, `[\]]`;
//! - as in Redis, a `[` never closed runs to the end of the pattern, and `\` at its very end is a
//!   plain backslash.
//!
//! **Why not recursion.** The obvious matcher tries every way a `*` could end by calling itself,
//! and a pattern like `*a*a*a*a*…b` makes it try exponentially many (a way to hang Redis with
//! `KEYS`, CVE-2022-36021, cut short in 7.0.9). Every token but `*` matches exactly one byte, so it is enough to remember
//! only the *last* `*` seen and, on a mismatch, let it swallow one more byte: at most
//! pattern × text steps, whatever the pattern.

/// Whether letters match regardless of case. Redis' `KEYS` is case-sensitive; `CONFIG GET`
/// is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    Sensitive,
    Insensitive,
}

/// Whether `text` matches `pattern` as a whole.
pub fn matches(pattern: &[u8], text: &[u8], case: Case) -> bool {
    let (mut p, mut t) = (0, 0);
    // After the last `*`: where the pattern resumes, and how far into the text the star reaches.
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        if pattern.get(p) == Some(&b'*') {
            p += 1;
            last_star = Some((p, t));
            continue;
        }
        if let Some((true, next)) = one(pattern, p, text[t], case) {
            p = next;
            t += 1;
            continue;
        }
        match last_star {
            // Let the last `*` swallow one more byte, and try the rest again from there.
            Some((resume, reach)) => {
                p = resume;
                t = reach + 1;
                last_star = Some((resume, t));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Matches the token at `pattern[p]` (anything but `*`) against one byte: whether it matched, and
/// where the next token starts. `None` at the end of the pattern.
fn one(pattern: &[u8], p: usize, byte: u8, case: Case) -> Option<(bool, usize)> {
    let fold = |b: u8| match case {
        Case::Sensitive => b,
        Case::Insensitive => b.to_ascii_lowercase(),
    };
    let byte = fold(byte);
    Some(match *pattern.get(p)? {
        b'?' => (true, p + 1),
        b'\\' if p + 1 < pattern.len() => (fold(pattern[p + 1]) == byte, p + 2),
        b'[' => {
            let mut i = p + 1;
            let negated = pattern.get(i) == Some(&b'^');
            if negated {
                i += 1;
            }
            let mut found = false;
            while let Some(&c) = pattern.get(i) {
                if c == b'\\' && i + 1 < pattern.len() {
                    found |= fold(pattern[i + 1]) == byte;
                    i += 2;
                } else if c == b']' {
                    i += 1;
                    break;
                } else if i + 2 < pattern.len() && pattern[i + 1] == b'-' {
                    let (a, b) = (fold(c), fold(pattern[i + 2]));
                    found |= (a.min(b)..=a.max(b)).contains(&byte);
                    i += 3;
                } else {
                    found |= fold(c) == byte;
                    i += 1;
                }
            }
            (found != negated, i)
        }
        c => (fold(c) == byte, p + 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yes(pattern: &str, text: &str) -> bool {
        matches(pattern.as_bytes(), text.as_bytes(), Case::Sensitive)
    }

    #[test]
    fn stars_and_question_marks() {
        assert!(yes("*", ""));
        assert!(yes("*", "anything"));
        assert!(yes("h?llo", "hello"));
        assert!(!yes("h?llo", "hllo"));
        assert!(yes("h*llo", "hllo"));
        assert!(yes("h*llo", "heeeello"));
        assert!(yes("*a*b", "xaxxab"));
        assert!(!yes("*a*b", "xaxxa"));
        assert!(yes("a**b", "ab"));
        assert!(!yes("", "a"));
        assert!(yes("", ""));
    }

    #[test]
    fn brackets_ranges_negation_and_escapes() {
        assert!(yes("h[ae]llo", "hello"));
        assert!(yes("h[ae]llo", "hallo"));
        assert!(!yes("h[ae]llo", "hillo"));
        assert!(yes("h[^e]llo", "hallo"));
        assert!(!yes("h[^e]llo", "hello"));
        assert!(yes("h[a-b]llo", "hbllo"));
        assert!(!yes("h[a-b]llo", "hcllo"));
        assert!(yes("[z-a]", "m"), "a reversed range is the same range");
        assert!(yes("[^a-cx]", "d"));
        assert!(!yes("[^a-cx]", "x"));
        assert!(yes(r"\*", "*"));
        assert!(!yes(r"\*", "a"));
        assert!(yes(r"[\]]", "]"));
        assert!(yes(r"a\?", "a?"));
        assert!(!yes(r"a\?", "ab"));
        assert!(yes("[abc", "c"), "an unclosed bracket runs to the end");
        assert!(yes(r"a\", r"a\"), "a trailing backslash is itself");
        assert!(!yes("[]", "a"), "an empty class matches nothing");
    }

    #[test]
    fn case_is_folded_only_when_asked() {
        assert!(!yes("MAX*", "maxclients"));
        assert!(matches(b"MAX*", b"maxclients", Case::Insensitive));
        assert!(matches(b"[L-N]axclients", b"maxclients", Case::Insensitive));
    }

    /// A recursive matcher takes about 2^30 steps here; this one takes a few thousand. Run on a
    /// thread so that a regression fails after a while instead of hanging the test run.
    #[test]
    fn a_pathological_pattern_takes_linear_time() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let pattern = "*a".repeat(30) + "*b";
            let text = "a".repeat(60);
            let _ = tx.send(matches(
                pattern.as_bytes(),
                text.as_bytes(),
                Case::Sensitive,
            ));
        });
        let result = rx.recv_timeout(std::time::Duration::from_secs(10));
        assert_eq!(result, Ok(false), "the match took over 10 s");
    }
}
