//! No code: the tests (tests/compile_fail.rs) are this crate.
