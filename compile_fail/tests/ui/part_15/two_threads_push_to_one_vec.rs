// Two threads push to the same Vec at the same time: a data race (a push may reallocate the buffer
// the other thread is writing to). Python's GIL hides this; Rust refuses the program, because two
// `&mut` borrows of one value cannot be alive at once, not even in two threads.
fn main() {
    let mut numbers = Vec::new();
    std::thread::scope(|scope| {
        scope.spawn(|| numbers.push(1));
        scope.spawn(|| numbers.push(2));
    });
    println!("{numbers:?}");
}
