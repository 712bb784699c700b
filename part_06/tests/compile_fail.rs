//! Compile-time claims of this part, with the compiler's message pinned in `tests/ui/*.stderr`.
//! Regenerate after a toolchain change with `TRYBUILD=overwrite cargo test -p part_06 --test
//! compile_fail`, then read the new messages before keeping them.

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    // A future is consumed by `.await`: awaiting it twice is a use of a moved value.
    cases.compile_fail("tests/ui/await_twice.rs");
    // Polling an `async` block through `&mut` needs it pinned first (`pin!` or `Box::pin`).
    cases.compile_fail("tests/ui/unpinned_by_reference.rs");
}
