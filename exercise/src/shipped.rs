//! Which exercise files are as shipped: `exercise/shipped.txt` records each one's fingerprint. A
//! file that differs is a learner's work (solved, or half-written), which `verify`, the catalog
//! test and the runner's end-to-end test leave alone. Its own file, so that the end-to-end test can
//! include it too.

use std::path::Path;

/// The fingerprints of the exercise files as shipped: `NAME FINGERPRINT` lines.
pub const SHIPPED: &str = "exercise/shipped.txt";

/// FNV-1a (64 bits) of a file's bytes, carriage returns left out (a checkout may add them). Not
/// std's hasher: its algorithm may change from one Rust release to the next.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes.iter().filter(|&&b| b != b'\r') {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Whether `bytes` are the exercise NAME's file as shipped (as `exercise/shipped.txt` records it).
pub fn is_shipped(root: &Path, name: &str, bytes: &[u8]) -> bool {
    let line = format!("\n{name} {}\n", fingerprint(bytes));
    std::fs::read_to_string(root.join(SHIPPED)).is_ok_and(|listed| listed.contains(&line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_fnv1a_and_ignore_carriage_returns() {
        assert_eq!(fingerprint(b""), "cbf29ce484222325");
        assert_eq!(fingerprint(b"a"), "af63dc4c8601ec8c");
        assert_eq!(fingerprint(b"x\r\ny\r\n"), fingerprint(b"x\ny\n"));
    }
}
