//! Compile-time claims of this part, with the compiler's message pinned in `tests/ui/*.stderr`.
//! Regenerate after a toolchain change with `TRYBUILD=overwrite cargo test -p part_08 --test
//! compile_fail`, then read the new messages before keeping them.

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    // A Stream is not an Iterator: `for` cannot consume it (Python: `for` over an async iterator).
    cases.compile_fail("tests/ui/for_over_a_stream.rs");
    // `.next()` polls through `&mut`, so a !Unpin stream must be pinned first.
    cases.compile_fail("tests/ui/next_needs_pin.rs");
}
