//! Every ```rust block of the workshop's READMEs, compiled (and run, unless marked `no_run`) by
//! `cargo test -p readme_check --doc`, which `make test` runs.
//!
//! Rustdoc runs doctests for library targets only, so the parts (binaries) cannot check their own
//! README code blocks. This crate includes every README as the documentation of a hidden module.
//! Python and shell blocks are fenced as ```python / ```sh and are left alone by rustdoc. (mini_redis
//! is a library: it compiles its own README the same way.)
//!
//! A crate of its own because the blocks use what the parts use (futures, async-stream, reqwest, the
//! count server, …) while `workshop`, which every part builds, stays light.

#[cfg(doctest)]
mod readme_code_blocks {
    macro_rules! readmes {
        ($($module:ident => $path:literal),* $(,)?) => {
            $( #[doc = include_str!($path)] mod $module {} )*
        };
    }
    readmes! {
        top => "../../README.md",
        part_01 => "../../part_01/README.md",
        part_02 => "../../part_02/README.md",
        part_03 => "../../part_03/README.md",
        part_04 => "../../part_04/README.md",
        part_05 => "../../part_05/README.md",
        part_06 => "../../part_06/README.md",
        part_07 => "../../part_07/README.md",
        part_08 => "../../part_08/README.md",
        part_09 => "../../part_09/README.md",
        part_10 => "../../part_10/README.md",
        part_11 => "../../part_11/README.md",
        part_12 => "../../part_12/README.md",
        part_13 => "../../part_13/README.md",
        part_14 => "../../part_14/README.md",
        part_15 => "../../part_15/README.md",
        part_16 => "../../part_16/README.md",
    }
}
