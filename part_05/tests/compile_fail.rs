//! Compile-time claims of part 05, checked against the compiler's own words (pinned in
//! `tests/ui/*.stderr`; regenerate with `TRYBUILD=overwrite cargo test -p part_05`).

/// `tokio::spawn` asks `Send + 'static` of the future it is given.
#[test]
fn a_spawned_future_must_be_send_and_static() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/spawn_std_guard_across_await.rs");
    cases.compile_fail("tests/ui/spawn_rc_across_await.rs");
    cases.compile_fail("tests/ui/spawn_borrows_a_local.rs");
}
