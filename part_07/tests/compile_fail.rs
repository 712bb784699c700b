//! Compile-time claims of this part, with the compiler's message pinned in `tests/ui/*.stderr`.
//! Regenerate after a toolchain change with `TRYBUILD=overwrite cargo test -p part_07 --test
//! compile_fail`, then read the new messages before keeping them.

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    // `Drop::drop` is a plain `fn`: there is no async Drop to run an async teardown.
    cases.compile_fail("tests/ui/async_drop.rs");
    // `close(self)` consumes the connection: using it after the close does not compile.
    cases.compile_fail("tests/ui/use_after_close.rs");
}
