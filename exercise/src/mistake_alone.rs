//! What `cargo exercise verify` builds apart from the bundle of recorded mistakes (see
//! `src/mistakes.rs`): a mistake that must not compile, one only clippy catches, and the programs
//! that pin the explained errors. A target of its own, so that building these leaves the bundle's
//! build as it was. Built only with the feature `mistakes`.

#![allow(dead_code, non_snake_case)]

include!(concat!(env!("EXERCISE_MISTAKES_DIR"), "/mistake_alone.rs"));

fn main() {}
