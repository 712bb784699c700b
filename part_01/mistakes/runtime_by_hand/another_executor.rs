// mistake: cheat
// what: no tokio runtime at all: `futures::executor::block_on(fut)` returns the value of a future
//   that needs nothing, and tokio's `sleep` and `spawn` panic inside it
// expect: futures::executor::block_on is not a tokio runtime

fn run_on_one_thread<F: Future>(fut: F) -> F::Output {
    futures::executor::block_on(fut)
}
