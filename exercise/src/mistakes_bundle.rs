//! Half of the recorded mistakes `cargo exercise verify` runs, each a module of this binary (the
//! other half: `mistakes_2`, built beside it; see `src/mistakes.rs`): verify writes the list of
//! modules as `$EXERCISE_MISTAKES_DIR/mistakes.rs`. Built only with the feature `mistakes`, which
//! only verify turns on.

// Each module is a learner's whole program: its `main` is never called here. Clippy's lints stay
// on: a mistake only clippy catches is linted in a bundle of its own.
#![allow(dead_code, non_snake_case)]

include!(concat!(env!("EXERCISE_MISTAKES_DIR"), "/mistakes.rs"));

fn main() {}
