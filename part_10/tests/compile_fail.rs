//! What the compiler refuses, with its message pinned: `tokio::spawn` takes only tasks that own
//! their data (`'static`), because a task may outlive the function that spawned it.

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
