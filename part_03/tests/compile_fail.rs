//! Compile-time claims of part 03, checked against the compiler's own words (pinned in
//! `tests/ui/*.stderr`; regenerate with `TRYBUILD=overwrite cargo test -p part_03`).

#[test]
fn awaiting_a_future_twice_does_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/ui/await_twice.rs");
}
