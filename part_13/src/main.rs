//! Placeholder.
fn main() {
    workshop::banner!();
}
