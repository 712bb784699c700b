//! Every recorded mistake `cargo exercise verify` checks, each a module of this one binary (see
//! `src/mistakes.rs`): verify writes the list of modules and names it in
//! `EXERCISE_MISTAKES_BUNDLE`. Built only with the feature `mistakes`, which only verify turns on.

// Each module is a learner's whole program: its `main` is never called here. Clippy's lints stay
// on: a mistake only clippy catches is linted in a bundle of its own.
#![allow(dead_code, non_snake_case)]

include!(env!("EXERCISE_MISTAKES_BUNDLE"));

fn main() {}
