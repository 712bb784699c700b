//! Reads a failed build's or run's output on stdin and prints it with its first error explained
//! for a Python developer (see `workshop::explain`), or as it came when the error is not one the
//! workshop explains. `make part_NN` pipes a failed build through it:
//!
//! ```sh
//! cargo build -p part_05 2>&1 | cargo run -q -p workshop --bin explain
//! ```

// A filter from stdin to stdout, with no runtime: the blocking read is the right one.
#![allow(clippy::disallowed_methods)]

use std::io::{Read, Write};

fn main() {
    let mut output = String::new();
    let _ = std::io::stdin().read_to_string(&mut output);
    let _ = std::io::stdout().write_all(workshop::explain::annotate(&output).as_bytes());
}
