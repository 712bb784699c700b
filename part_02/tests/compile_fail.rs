//! Compile-time claims of part 02, checked against the compiler's own words (pinned in
//! `tests/ui/*.stderr`; regenerate with `TRYBUILD=overwrite cargo test -p part_02`).

#[test]
fn an_unused_future_is_refused() {
    trybuild::TestCases::new().compile_fail("tests/ui/unused_future.rs");
}

/// The lint catches a discarded statement only: a future bound to `_` compiles, and is dropped
/// without running (the case asserts that when it runs).
#[test]
fn a_future_bound_to_underscore_compiles_and_never_runs() {
    trybuild::TestCases::new().pass("tests/ui/let_underscore_future.rs");
}
