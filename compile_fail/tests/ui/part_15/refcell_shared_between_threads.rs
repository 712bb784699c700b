// A `RefCell` checks its borrows with a plain counter, so two threads borrowing at once would race
// on it. `RefCell` is therefore not `Sync`: a `&RefCell` cannot be shared between threads. The
// thread-safe equivalent is a `Mutex` (or an `RwLock`).
use std::cell::RefCell;

fn main() {
    let total = RefCell::new(0);
    std::thread::scope(|scope| {
        scope.spawn(|| *total.borrow_mut() += 1);
        scope.spawn(|| *total.borrow_mut() += 1);
    });
    println!("{}", total.into_inner());
}
