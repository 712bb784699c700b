//! Empty on purpose: this crate only pins the features of its dependencies (see its Cargo.toml).
