//! Compile-time claims of part 03, checked against the compiler's own words (pinned in
//! `tests/ui/*.stderr`; regenerate with `TRYBUILD=overwrite cargo test -p part_03`).

#[test]
fn awaiting_a_future_twice_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/await_twice.rs");
    // Nor through `&mut`: an async fn's future must be pinned first.
    cases.compile_fail("tests/ui/await_by_ref_unpinned.rs");
}
