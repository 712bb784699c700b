//! Thread safety is checked at compile time: these programs contain data races, and the compiler
//! refuses them. Each case's expected error is pinned in `tests/ui/NAME.stderr`.
//!
//! After a compiler upgrade changes the wording: `TRYBUILD=overwrite cargo test -p part_15 --test
//! compile_fail`, then review the new `.stderr` files.

#[test]
fn data_races_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
