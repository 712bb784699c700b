//! Compile-time claims of this part, with the compiler's message pinned in `tests/ui/*.stderr`.
//! Regenerate after a toolchain change with `TRYBUILD=overwrite cargo test -p part_09 --test
//! compile_fail`, then read the new messages before keeping them.
//!
//! (That a `stream!` generator must be pinned before `.next()` is part 08's `next_needs_pin`
//! claim: the message for a `stream!` block names a file in the local cargo registry, so it
//! cannot be pinned portably here.)

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    // `map` with an async function gives a stream of futures, not of values: use `then`.
    cases.compile_fail("tests/ui/async_map_needs_then.rs");
}
