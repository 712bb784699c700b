//! The errors async learners meet, explained for a Python developer.
//!
//! Async compiler errors are where learners give up: racing `&mut read_line()` without `pin!`
//! gives a hundred lines about `PhantomPinned`. [`annotate`] recognises the first error of a
//! build (or the first panic of a run) among the common ones, and puts above it, trimmed, a few
//! lines: the asyncio habit, what Rust wants, and the part that teaches it. An error it does not
//! know is left as cargo printed it: an explanation is never a guess.
//!
//! Used by the exercise runner on every failed check, and by `make part_NN` when a lesson edited
//! for a "Try it" does not build (`cargo run -q -p workshop --bin explain < log`). Each entry is
//! pinned by a small program that still triggers it: `exercise/explained/*.rs` (compile errors and
//! lints, checked by `cargo exercise verify`) and the tests below (tokio's panics).

/// One error the workshop explains.
#[derive(Debug)]
pub struct Known {
    /// A short name, used by the pinning programs (`// explains: not_send`).
    pub id: &'static str,
    /// Each inner list: words that all appear in the error when it is this one. Any list may match.
    needles: &'static [&'static [&'static str]],
    /// What it means, for a Python developer: 2–4 lines.
    pub text: &'static str,
}

/// Every explained error, the most specific first.
pub const KNOWN: &[Known] = &[
    Known {
        id: "not_send",
        needles: &[&["future cannot be sent between threads safely"]],
        text: "asyncio runs every task on one thread; tokio::spawn may move a task to another \
               thread at any `.await`, so whatever the task holds across an `.await` must be Send.\n\
               Rc → Arc; RefCell → a Mutex; a std MutexGuard: drop it before the `.await` (end \
               its block) or use tokio::sync::Mutex. Or keep the task on one thread: LocalSet + \
               spawn_local.\nPart 05 teaches it (Send + 'static).",
    },
    Known {
        id: "not_static",
        needles: &[
            &["E0373", "may outlive"],
            &["E0521", "borrowed data escapes"],
        ],
        text: "A Python task may use any variable it can see; a spawned tokio task (or a \
               spawn_blocking closure) may outlive the function that spawned it, so it must own \
               what it uses ('static).\n`move` the data in — clone a String, share an Arc — \
               not a reference: `move` on a `&str` moves only the reference.\nPart 05 teaches \
               it (Send + 'static); part 14 for spawn_blocking.",
    },
    Known {
        id: "missing_await",
        needles: &[
            &["E0308", "calling an async function returns a future"],
            &["E0308", "consider `await`ing"],
        ],
        text: "In Python, calling `async def f()` gives a coroutine, not its result; the same \
               here: calling an async fn gives a future. Write `.await` after the call (inside \
               an async fn) to get the value.\nPart 02 teaches it (async fn is lazy).",
    },
    Known {
        id: "unused_future",
        needles: &[&["unused implementer of `Future` that must be used"]],
        text: "Python warns \"coroutine was never awaited\"; Rust refuses: a future does nothing \
               until it is awaited or spawned. Add `.await`, or `tokio::spawn(f())` to run it on \
               its own.\nPart 02 teaches it.",
    },
    Known {
        id: "await_outside_async",
        needles: &[&["E0728"]],
        text: "As in Python, `await` works only inside async code: make the function `async fn` \
               (and await it where it is called), or, at the top, run the future on a runtime: \
               `#[tokio::main]` or `Runtime::block_on` (Python: asyncio.run).\nParts 01 and 02 \
               teach it.",
    },
    Known {
        id: "not_pinned",
        needles: &[
            &["cannot be unpinned"],
            &["E0277", "is not a future", "&mut"],
        ],
        text: "Python can await any awaitable by reference; in Rust a future must not move once \
               it has been polled, so awaiting or racing it by `&mut` needs it pinned first: \
               `let fut = std::pin::pin!(fut);` then use `&mut fut` (or `fut.as_mut()`).\nDon't \
               add `Unpin` to the function's signature as rustc suggests: pin the future \
               instead. Part 03 teaches it.",
    },
    Known {
        id: "different_async_blocks",
        needles: &[&["no two async blocks, even if identical, have the same type"]],
        text: "asyncio.gather takes any coroutines; join_all takes a Vec, and a Vec holds one \
               type, but every async block is a type of its own.\nMake them one type: the same \
               async fn called with different arguments, or box them (`Box::pin(async { … })` as \
               `Pin<Box<dyn Future<Output = T>>>`), or use `tokio::join!` for a fixed \
               few.\nPart 11 teaches it.",
    },
    Known {
        id: "used_after_move",
        needles: &[&["E0382", "into_future"], &["E0382", "Stream"]],
        text: "A Python coroutine awaited twice raises RuntimeError; Rust refuses at compile \
               time: `.await` consumes the future (and a stream passed by value is gone).\nAwait \
               it once and keep the value; to await one result in several places, `.shared()` \
               it (futures::FutureExt); to keep using a stream, pass `&mut stream` or \
               `.by_ref()`.\nPart 03 teaches it.",
    },
    Known {
        id: "async_recursion",
        needles: &[&["E0733"]],
        text: "A Python coroutine can await itself; an async fn cannot hold itself inline (its \
               future would be infinitely large). Box the recursive call: \
               `Box::pin(countdown(n - 1)).await`.\nPart 06 shows that an async fn is a state \
               machine (an enum of its states).",
    },
    Known {
        id: "await_holding_lock",
        needles: &[&["is held across an await point"]],
        text: "asyncio has no thread to block; here a std Mutex guard held across an `.await` \
               keeps the lock while the task sleeps, and another task on the same thread that \
               wants it blocks the thread for good (a deadlock).\nDrop the guard before the \
               `.await` (end its block), or use tokio::sync::Mutex.\nParts 05 and 15 teach it.",
    },
    Known {
        id: "disallowed_blocking",
        needles: &[&["use of a disallowed method"]],
        text: "This call blocks its thread, as `time.sleep()` or `requests.get()` inside a \
               coroutine blocks the event loop: no other task runs meanwhile. Use the async \
               version (clippy's note above says which), or move blocking work off the runtime \
               with tokio::task::spawn_blocking (Python: asyncio.to_thread).\nParts 10 and 14 \
               teach it.",
    },
    Known {
        id: "no_reactor",
        needles: &[&["there is no reactor running"]],
        text: "As asyncio.sleep() needs a running event loop, tokio's timers, sockets and \
               spawn need a runtime: this ran outside one. Run it inside `Runtime::block_on` or \
               `#[tokio::main]`, or enter a runtime first (`runtime.enter()`).\nPart 01 \
               teaches it.",
    },
    Known {
        id: "nested_runtime",
        needles: &[&["Cannot start a runtime from within a runtime"]],
        text: "As asyncio.run() inside a running loop raises RuntimeError, block_on inside \
               async code panics: it would block the thread the runtime needs. Inside async code \
               just `.await` the future; from blocking code on a runtime thread, use \
               spawn_blocking and Handle::block_on there.\nParts 01 and 14 teach it.",
    },
    Known {
        id: "drop_runtime_in_async",
        needles: &[&["Cannot drop a runtime in a context where blocking is not allowed"]],
        text: "Dropping a runtime waits for its threads to stop, which would block the async \
               code it is dropped in. Build and drop runtimes in plain (non-async) code, or drop \
               it inside spawn_blocking, or use `shutdown_background()`.\nPart 01 teaches it.",
    },
    Known {
        id: "block_in_place_current_thread",
        needles: &[&["can call blocking only when running on the multi-threaded runtime"]],
        text: "block_in_place hands this worker's other tasks to another worker, and a \
               current-thread runtime (#[tokio::test], flavor = \"current_thread\") has no \
               other. Use tokio::task::spawn_blocking (Python: asyncio.to_thread) instead.\nPart \
               14 teaches it.",
    },
    Known {
        id: "timers_disabled",
        needles: &[&["timers are disabled"]],
        text: "This runtime was built without its timer: a runtime::Builder starts with no \
               drivers (asyncio's loop always has its own). Add `.enable_time()`, or \
               `.enable_all()` for timers and I/O.\nPart 01 teaches it.",
    },
];

/// The explained error `output` starts with, if any: the first `error` of a build, or the first
/// panic of a run.
pub fn explain(output: &str) -> Option<&'static Known> {
    let first = first_problem(output)?;
    KNOWN.iter().find(|known| {
        known
            .needles
            .iter()
            .any(|all| all.iter().all(|needle| first.contains(needle)))
    })
}

/// `output` with its first problem explained and the rest trimmed, or as it is when that problem
/// is not one the workshop explains.
pub fn annotate(output: &str) -> String {
    let (Some(known), Some(first)) = (explain(output), first_problem(output)) else {
        return output.to_owned();
    };
    let mut shown: Vec<&str> = first.lines().collect();
    let cut = shown.len() > MAX_LINES;
    shown.truncate(MAX_LINES);
    let more = count_errors(output).saturating_sub(1);
    let mut text = header(known);
    text.push_str(shown.join("\n").trim_end());
    if cut {
        text.push_str("\n   … (cut; the whole message: `cargo build` or `cargo test`)");
    }
    if more > 0 {
        text.push_str(&format!(
            "\n\n(and {more} more error{}, often the same one again: fix this one first)",
            if more == 1 { "" } else { "s" }
        ));
    }
    text.push('\n');
    text
}

/// `output` whole, with the explanation of its first problem above it when the workshop explains
/// it: for a test run, where every failing check's message matters, not only the first panic.
pub fn explain_above(output: &str) -> String {
    match explain(output) {
        Some(known) => format!("{}{output}", header(known)),
        None => output.to_owned(),
    }
}

/// The explanation block: a rule, the text wrapped to [`WIDTH`], a rule.
fn header(known: &Known) -> String {
    let mut text = String::from("── What this means ──\n");
    for paragraph in known.text.lines() {
        text.push_str(&wrap(paragraph, WIDTH));
    }
    text.push_str("──\n\n");
    text
}

/// How many lines of the first error are shown under an explanation.
const MAX_LINES: usize = 30;

/// The explanation's width: it fits a terminal of 80 columns.
const WIDTH: usize = 78;

/// `paragraph` broken into lines of at most `width` characters, at spaces.
fn wrap(paragraph: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The first error block of a build (from `error` to the next blank line), or the first panic of
/// a run (its `panicked at` line and message).
fn first_problem(output: &str) -> Option<String> {
    let lines: Vec<&str> = output.lines().collect();
    let start = lines.iter().position(|l| {
        (l.starts_with("error") && !l.starts_with("error: could not compile"))
            || l.contains("panicked at")
    })?;
    let block: Vec<&str> = lines[start..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .copied()
        .collect();
    Some(block.join("\n"))
}

fn count_errors(output: &str) -> usize {
    output
        .lines()
        .filter(|l| {
            (l.starts_with("error[") || l.starts_with("error: "))
                && !l.starts_with("error: could not compile")
                && !l.starts_with("error: aborting")
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The message of the panic `f` raises.
    fn panic_of(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let payload = std::panic::catch_unwind(f).expect_err("it must panic");
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        // As the test harness shows it.
        format!("thread 'main' panicked at src/main.rs:1:1:\n{message}\n")
    }

    fn current_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    }

    fn assert_explained(output: &str, id: &str) {
        let known = explain(output).map(|k| k.id);
        assert_eq!(known, Some(id), "{output}");
        let shown = annotate(output);
        assert!(shown.starts_with("── What this means ──\n"), "{shown}");
    }

    #[test]
    fn tokio_panics_outside_a_runtime_are_explained() {
        let output = panic_of(|| {
            drop(tokio::time::sleep(Duration::from_millis(1)));
        });
        assert_explained(&output, "no_reactor");
    }

    #[test]
    fn a_runtime_inside_a_runtime_is_explained() {
        let output = panic_of(|| {
            current_thread().block_on(async { current_thread().block_on(async {}) });
        });
        assert_explained(&output, "nested_runtime");
    }

    #[test]
    fn dropping_a_runtime_in_async_code_is_explained() {
        let output = panic_of(|| {
            let outer = current_thread();
            outer.block_on(async {
                let inner = current_thread();
                drop(inner);
            });
        });
        assert_explained(&output, "drop_runtime_in_async");
    }

    #[test]
    fn block_in_place_on_a_current_thread_runtime_is_explained() {
        let output = panic_of(|| {
            current_thread().block_on(async { tokio::task::block_in_place(|| {}) });
        });
        assert_explained(&output, "block_in_place_current_thread");
    }

    #[test]
    fn a_runtime_without_its_timer_is_explained() {
        let output = panic_of(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a runtime");
            runtime.block_on(async { tokio::time::sleep(Duration::from_millis(1)).await });
        });
        assert_explained(&output, "timers_disabled");
    }

    #[test]
    fn explanations_fit_an_80_column_terminal() {
        for known in KNOWN {
            for paragraph in known.text.lines() {
                for line in wrap(paragraph, WIDTH).lines() {
                    assert!(line.chars().count() <= WIDTH, "{}: {line}", known.id);
                }
            }
            let lines = known.text.lines().count();
            assert!((2..=4).contains(&lines), "{}: {lines} lines", known.id);
        }
    }

    #[test]
    fn a_test_run_is_explained_and_kept_whole() {
        let run = "thread 'caller' panicked at a.rs:1:1:\nA Tokio 1.x context was found, but timers \
                   are disabled.\n\nthread 'checks::t' panicked at b.rs:2:2:\nturn the timer on\n";
        let shown = explain_above(run);
        assert!(shown.starts_with("── What this means ──\n"), "{shown}");
        assert!(shown.ends_with(run), "every check's message stays: {shown}");
        assert_eq!(explain_above("no panic here\n"), "no panic here\n");
    }

    #[test]
    fn an_unknown_error_is_left_as_cargo_printed_it() {
        let output = "error[E0425]: cannot find value `x` in this scope\n --> src/main.rs:2:5\n\n\
                      error: could not compile `exercise` due to 1 previous error\n";
        assert!(explain(output).is_none());
        assert_eq!(annotate(output), output);
    }

    #[test]
    fn only_the_first_error_is_explained_and_shown() {
        // An unknown error first, a known one second: nothing is explained.
        let output = "error[E0425]: cannot find value `x`\n\nerror[E0728]: `await` is only \
                      allowed inside `async` functions and blocks\n";
        assert!(explain(output).is_none());
        let known_first = "warning: unused import\n\nerror[E0728]: `await` is only allowed \
                           inside `async` functions and blocks\n --> a.rs:3:5\n\nerror[E0728]: \
                           the second\n\nerror: could not compile `exercise` (bin \"x\") due to 2 \
                           previous errors\n";
        let shown = annotate(known_first);
        let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("make the function `async fn`"), "{shown}");
        assert!(shown.contains(" --> a.rs:3:5"), "{shown}");
        assert!(!shown.contains("the second"), "{shown}");
        assert!(shown.contains("(and 1 more error, "), "{shown}");
    }
}
