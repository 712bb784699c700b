//! What the compiler refuses, with its message pinned: `join_all` takes futures of one type, and
//! every `async` block (like every `async fn`) has a type of its own.

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
