// mistake: asyncio habit
// what: one loop for the whole process, kept in a static (`asyncio.get_event_loop()`), built on
//   the first call and reused: a current-thread runtime with its timer, but never closed, so the
//   tasks a call leaves behind live on
// expect: still alive after run_on_one_thread returned

use std::sync::OnceLock;
use tokio::runtime::Runtime;

fn run_on_one_thread<F: Future>(fut: F) -> F::Output {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime builds")
    });
    runtime.block_on(fut)
}
