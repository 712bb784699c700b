//! Compile-time claims of part 02, checked against the compiler's own words (pinned in
//! `tests/ui/*.stderr`; regenerate with `TRYBUILD=overwrite cargo test -p part_02`).

#[test]
fn an_unused_future_is_refused() {
    trybuild::TestCases::new().compile_fail("tests/ui/unused_future.rs");
}
