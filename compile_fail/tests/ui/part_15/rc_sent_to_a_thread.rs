// `Rc` counts its owners with a plain integer: two threads cloning or dropping clones at once
// would race on that count. `Rc` is therefore not `Send`, and `thread::spawn` requires `Send`.
// The fix is `Arc` (an atomic count), plus a `Mutex` to mutate what it points to.
use std::rc::Rc;

fn main() {
    let shared = Rc::new(vec![1, 2, 3]);
    let for_the_thread = Rc::clone(&shared);
    let handle = std::thread::spawn(move || println!("{for_the_thread:?}"));
    handle.join().unwrap();
    println!("{shared:?}");
}
