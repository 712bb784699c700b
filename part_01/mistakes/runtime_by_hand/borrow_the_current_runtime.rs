// mistake: cheat
// what: builds nothing: `main` becomes `#[tokio::main]` (a multi-thread runtime) and
//   run_on_one_thread borrows it with `Handle::current()` (in `block_in_place`, which that
//   runtime allows). `main` prints 42; called with no runtime around it, it panics
// expect: not borrow Handle::current()

fn run_on_one_thread<F: Future>(fut: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(fut))
}

#[tokio::main]
async fn main() {
    let answer = run_on_one_thread(async {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        6 * 7
    });
    println!("the future answered {answer}");
}
