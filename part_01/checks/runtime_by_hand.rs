//! The checks of `runtime_by_hand`: `cargo exercise check runtime_by_hand` runs them against
//! part_01/exercises/runtime_by_hand.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;
use tokio::runtime::{Handle, RuntimeFlavor};

/// How long a call may take before it counts as hanging. The futures below sleep a few
/// milliseconds at most: this is only a guard, so that a runtime nobody drives fails with a
/// message instead of hanging the tests.
const PATIENCE: Duration = Duration::from_secs(10);

/// Calls `run_on_one_thread(make())` on a thread of its own, as `main` would: no runtime around
/// it. Gives back the output, or says in words what went wrong (a panic, or a hang).
fn call<F, T>(make: impl FnOnce() -> F + Send + 'static) -> Result<T, String>
where
    F: Future<Output = T>,
    T: Send + 'static,
{
    let (done, output) = mpsc::channel();
    let caller = thread::Builder::new()
        .name("caller".to_owned())
        .spawn(move || {
            let _ = done.send(run_on_one_thread(make()));
        })
        .map_err(|e| format!("could not start a thread: {e}"))?;
    match output.recv_timeout(PATIENCE) {
        Ok(value) => Ok(value),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "the future never finished ({PATIENCE:?}, for a few milliseconds of sleep): nobody \
             drove the runtime. A runtime runs its timers and tasks only inside its own \
             `runtime.block_on(fut)`: entering it (`rt.enter()`) and polling with another \
             executor (futures::executor::block_on) leaves its sleeps asleep for ever"
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let panic = caller.join().err().map(|p| {
                p.downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default()
            });
            Err(explain(&panic.unwrap_or_default()))
        }
    }
}

/// A panic inside `run_on_one_thread`, said in the lesson's words.
fn explain(panic: &str) -> String {
    let why = if panic.contains("no reactor running") || panic.contains("context of a Tokio") {
        "no tokio runtime was running inside run_on_one_thread. It is called with no runtime \
         around it (as asyncio.run is, at the top of a script): it must build its own with \
         tokio::runtime::Builder, not borrow Handle::current(); futures::executor::block_on is \
         not a tokio runtime, and tokio's sleep needs one"
    } else if panic.contains("timers are disabled") {
        "tokio::time::sleep found no timer in your runtime: a builder starts with every driver \
         off; turn the timer on with .enable_time() (or .enable_all())"
    } else if panic.contains("being shutdown") {
        "the runtime was already gone while the future ran: keep it in a variable \
         (`let runtime = …build()…;`) for as long as `runtime.block_on(fut)` runs"
    } else if panic.contains("not yet implemented") {
        "run_on_one_thread is still a todo!()"
    } else {
        "run_on_one_thread panicked"
    };
    format!("{why} (the panic: {panic:?})")
}

/// Sets its flag when dropped.
struct Flag(Arc<AtomicBool>);

impl Drop for Flag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn hands_back_what_the_future_returns() {
    let answer = call(|| async { 6 * 7 }).unwrap_or_else(|why| panic!("{why}"));
    assert_eq!(
        answer, 42,
        "run_on_one_thread must return the future's output"
    );
    let word = call(|| async { String::from("forty-two") }).unwrap_or_else(|why| panic!("{why}"));
    assert_eq!(
        word, "forty-two",
        "run_on_one_thread must return the future's output"
    );
}

#[test]
fn the_runtime_is_a_current_thread_one() {
    let flavor = call(|| async {
        Handle::try_current()
            .map(|runtime| runtime.runtime_flavor())
            .map_err(|_| "no runtime")
    })
    .unwrap_or_else(|why| panic!("{why}"))
    .unwrap_or_else(|_| {
        panic!(
            "inside the future there was no current tokio runtime (Handle::try_current() is \
             Err): futures::executor::block_on is not a tokio runtime. Build one with \
             tokio::runtime::Builder::new_current_thread() and use its block_on"
        )
    });
    assert_eq!(
        flavor,
        RuntimeFlavor::CurrentThread,
        "the future ran on a {flavor:?} runtime: Runtime::new() and #[tokio::main] give the \
         multi-thread kind; build it with Builder::new_current_thread()"
    );
}

#[test]
fn the_future_and_its_tasks_run_on_the_calling_thread() {
    let (inside, spawned) = call(|| async {
        let here = || thread::current().name().unwrap_or("unnamed").to_owned();
        let inside = here();
        let spawned = tokio::spawn(async move { here() }).await;
        (inside, spawned.map_err(|e| e.to_string()))
    })
    .unwrap_or_else(|why| panic!("{why}"));
    assert_eq!(
        inside, "caller",
        "the future ran on thread {inside:?}, not on the thread that called run_on_one_thread: \
         block_on runs it right there, on the caller's thread"
    );
    let spawned = spawned.unwrap_or_else(|e| panic!("a task spawned inside failed: {e}"));
    assert_eq!(
        spawned, "caller",
        "a task spawned inside ran on thread {spawned:?}, not on the thread that called \
         run_on_one_thread: that is a worker of a multi-thread runtime. A current-thread runtime \
         (like asyncio's one loop) runs every task on the thread inside its block_on"
    );
}

#[test]
fn timers_work_inside_it() {
    let slept = call(|| async {
        tokio::time::sleep(Duration::from_millis(2)).await;
        tokio::time::timeout(Duration::from_millis(1), std::future::pending::<()>())
            .await
            .is_err()
    })
    .unwrap_or_else(|why| panic!("{why}"));
    assert!(slept, "a timeout on a future that never ends must expire");
}

#[test]
fn the_runtime_is_gone_when_it_returns() {
    // A task left running when the future is done: the runtime's end must drop it (asyncio.run
    // cancels the tasks it leaves and closes its loop).
    let dropped = Arc::new(AtomicBool::new(false));
    for round in 1..=2 {
        dropped.store(false, Ordering::SeqCst);
        let flag = Flag(Arc::clone(&dropped));
        call(move || async move {
            tokio::spawn(async move {
                let _flag = flag;
                std::future::pending::<()>().await;
            });
        })
        .unwrap_or_else(|why| panic!("{why}"));
        assert!(
            dropped.load(Ordering::SeqCst),
            "call {round}: a task spawned inside was still alive after run_on_one_thread \
             returned, so its runtime still exists. Build a new runtime in each call, as a local \
             variable (not one kept in a static, like a global event loop): it is dropped at the \
             end of the call, and its leftover tasks with it (asyncio.run closes its loop)"
        );
    }
}
