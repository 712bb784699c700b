//! Part 01 — the runtime: where Python has an event loop, Rust has a tokio `Runtime`.
//!
//! Shows, as assertions that run: no runtime exists until you build one; `Builder` builds both
//! flavors; two runtimes are distinct and each runs only its own tasks; `Runtime::enter()` makes
//! one current (the nearest thing to `asyncio.set_event_loop`); `#[tokio::main]` is a builder plus
//! `block_on`; a nested `block_on` is refused; and dropping a runtime drops its leftover tasks
//! unawaited (`asyncio.run` cancels and awaits them), but waits for running `spawn_blocking` jobs.
//!
//! Run it: `make part_01` (or `cargo run -p part_01`).

use std::io;
use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime, RuntimeFlavor};
use workshop::Trace;
use workshop::lesson::{BoxError, panic_message};

// No `#[tokio::main]` here on purpose: this `main` is plain synchronous code, so it can look at the
// world before any runtime exists, and then build runtimes by hand.
fn main() -> Result<(), BoxError> {
    workshop::banner!();
    workshop::lesson::report_panics_in_one_line(); // section 6 panics on purpose

    println!("1. Before any runtime exists");
    assert!(no_runtime_outside().is_err(), "no runtime was built yet");

    println!("\n2. Building runtimes by hand");
    let (a, b) = build_two_runtimes()?;
    let (info_a, info_b) = (describe(&a), describe(&b));
    assert!(info_a.flavor == RuntimeFlavor::CurrentThread && info_a.workers == 1);
    assert!(info_b.flavor == RuntimeFlavor::MultiThread && info_b.workers == 2);

    println!("\n3. Two runtimes are two different loops");
    let d = runtimes_are_distinct(&a, &b, Duration::from_millis(100))?;
    assert!(d.id_a != d.id_b && !d.task_on_a_ran_while_b_was_driven);
    assert!(d.inside_a.as_deref() == Ok("loop-a") && d.inside_b.as_deref() == Ok("loop-b"));
    assert!(d.worker_of_b == "loop-b-worker" && d.task_on_a_result == "ran on loop-a");

    println!("\n4. enter(): the nearest thing to set_event_loop");
    let entered = enter_makes_current(&a, &b)?;
    assert!(entered.current[0].is_none() && entered.current[2].as_deref() == Some("loop-b"));
    assert_eq!(entered.spawned_under_b_ran_on, "loop-b-worker");

    println!("\n5. #[tokio::main] is sugar");
    assert_eq!(with_the_macro(), without_the_macro()?);

    println!("\n6. A runtime inside a runtime (deliberately wrong)");
    let refusal = block_on_inside_a_runtime(&a, &b);
    assert!(refusal.is_some(), "tokio refuses a nested block_on");

    println!("\n7. Dropping a runtime: tasks are dropped unawaited, blocking jobs waited for");
    let leftover = leftover_task_on_drop(Duration::from_millis(300))?;
    assert!(!leftover.iter().any(|m| m.contains("finished")));

    println!("\nEvery fact above held (each line is an assert in main.rs).");
    Ok(())
}

/// What `Handle::try_current()` sees from here: the current runtime's name, or tokio's error.
/// (`Handle::current()` is the same lookup, but panics where `try_current` returns `Err`.)
fn current_runtime() -> Result<String, String> {
    match Handle::try_current() {
        Ok(handle) => Ok(handle.name().unwrap_or("(unnamed)").to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// The name of the thread this runs on.
fn thread_name() -> String {
    std::thread::current().name().unwrap_or("(unnamed)").into()
}

/// Python's `asyncio.get_event_loop()` used to create a loop on demand (3.14 raises instead).
/// Tokio has no global, default runtime: outside one, there is simply nothing current.
fn no_runtime_outside() -> Result<String, String> {
    let seen = current_runtime();
    println!("   Handle::try_current() in plain main: {seen:?}");
    seen
}

/// `asyncio.new_event_loop()`, twice, in Rust's two flavors. `enable_all()` switches on the timer
/// and I/O drivers: without it, the first `sleep` or socket panics.
fn build_two_runtimes() -> io::Result<(Runtime, Runtime)> {
    // Current-thread: like asyncio, one thread runs everything, the one that calls block_on.
    let a = Builder::new_current_thread()
        .name("loop-a")
        .enable_all()
        .build()?;
    // Multi-thread: a pool of worker threads that steal tasks from each other (asyncio has no
    // equivalent). `#[tokio::main]` builds this flavor unless told otherwise.
    let b = Builder::new_multi_thread()
        .name("loop-b")
        .worker_threads(2)
        .thread_name("loop-b-worker")
        .enable_all()
        .build()?;
    Ok((a, b))
}

/// What a runtime says about itself.
#[derive(Debug)]
struct RuntimeInfo {
    name: String,
    flavor: RuntimeFlavor,
    workers: usize,
}

fn describe(runtime: &Runtime) -> RuntimeInfo {
    let handle = runtime.handle();
    let info = RuntimeInfo {
        name: handle.name().unwrap_or("(unnamed)").to_owned(),
        flavor: handle.runtime_flavor(),
        workers: handle.metrics().num_workers(),
    };
    let (name, flavor, workers, id) = (&info.name, &info.flavor, info.workers, handle.id());
    println!("   {name}: {flavor:?}, {workers} worker(s), id {id}");
    info
}

/// What [`runtimes_are_distinct`] observed.
#[derive(Debug)]
struct Distinct {
    id_a: String,
    id_b: String,
    inside_a: Result<String, String>,
    inside_b: Result<String, String>,
    worker_of_b: String,
    task_on_a_ran_while_b_was_driven: bool,
    task_on_a_result: String,
}

/// Python: `loop_a is not loop_b`, and a task created on loop A does not run while you run loop B.
fn runtimes_are_distinct(a: &Runtime, b: &Runtime, drive: Duration) -> Result<Distinct, BoxError> {
    let (id_a, id_b) = (a.handle().id().to_string(), b.handle().id().to_string());
    println!("   ids: loop-a {id_a}, loop-b {id_b}");

    // Inside `block_on` the runtime that runs the future is the current one, as inside
    // `loop.run_until_complete(...)` `asyncio.get_running_loop()` returns that loop.
    let inside_a = a.block_on(async { current_runtime() });
    let inside_b = b.block_on(async { current_runtime() });
    println!("   current runtime inside a.block_on: {inside_a:?}, inside b.block_on: {inside_b:?}");

    // A task spawned on the multi-thread runtime runs on one of its own worker threads. (`b.spawn`:
    // out here, outside any runtime, `tokio::spawn` panics for want of a current one.)
    let on_b = b.spawn(async { thread_name() });
    let worker_of_b = b.block_on(on_b)?;
    println!("   a task spawned on loop-b ran on thread {worker_of_b:?}");

    // A current-thread runtime has no threads of its own: its tasks run only while somebody is
    // inside its `block_on`. Driving loop-b does nothing for a task that belongs to loop-a.
    let task = a.spawn(async { String::from("ran on loop-a") });
    // (The sleep is created inside the async block: `tokio::time::sleep` looks up the current
    // runtime's timer when called, and out here there is none.)
    b.block_on(async { tokio::time::sleep(drive).await });
    let ran = task.is_finished();
    println!("   loop-a's task, after driving loop-b for {drive:?}: finished = {ran}");
    let task_on_a_result = a.block_on(task)?;
    println!("   the same task once loop-a is driven: {task_on_a_result:?}");

    Ok(Distinct {
        id_a,
        id_b,
        inside_a,
        inside_b,
        worker_of_b,
        task_on_a_ran_while_b_was_driven: ran,
        task_on_a_result,
    })
}

/// What [`enter_makes_current`] observed.
#[derive(Debug)]
struct Entered {
    /// The current runtime's name at each step (`None`: `try_current()` failed).
    current: Vec<Option<String>>,
    /// Where a task spawned with plain `tokio::spawn`, under `b.enter()`, ran.
    spawned_under_b_ran_on: String,
}

/// `Runtime::enter()` makes a runtime current for this thread until the guard drops, so plain
/// synchronous code can call `tokio::spawn`. Guards nest, and must be dropped in reverse order
/// (tokio panics otherwise).
fn enter_makes_current(a: &Runtime, b: &Runtime) -> Result<Entered, BoxError> {
    let mut current = Vec::new();
    let mut look = |step: &str| {
        let name = current_runtime().ok();
        let shown = name.as_deref().unwrap_or("none (try_current() is Err)");
        println!("   {step:<24} current runtime: {shown}");
        current.push(name);
    };
    look("before enter:");
    let guard_a = a.enter();
    look("a.enter():");
    let guard_b = b.enter();
    look("b.enter() inside it:");
    let task = tokio::spawn(async { thread_name() });
    drop(guard_b);
    look("b's guard dropped:");
    drop(guard_a);
    look("a's guard dropped:");
    let spawned_under_b_ran_on = b.block_on(task)?;
    println!("   tokio::spawn under b.enter() ran on thread {spawned_under_b_ran_on:?}");
    Ok(Entered {
        current,
        spawned_under_b_ran_on,
    })
}

/// Python's `asyncio.run(main())` builds a fresh loop, runs `main` to completion and closes the
/// loop. `#[tokio::main]` expands to the same thing (on any `async fn`, not only `main`)...
#[tokio::main(flavor = "current_thread", name = "sugar")]
async fn with_the_macro() -> Seen {
    let seen = look_around().await;
    println!("   with #[tokio::main]:     {seen:?}");
    seen
}

/// ...which is this, written out. One difference: the macro `expect`s the build to succeed, where
/// the hand-written version returns the error.
fn without_the_macro() -> io::Result<Seen> {
    let seen = Builder::new_current_thread()
        .name("sugar")
        .enable_all()
        .build()?
        .block_on(look_around());
    println!("   with Builder + block_on: {seen:?}");
    Ok(seen)
}

/// The current runtime's name, its flavor, and whether its timer and I/O drivers are on.
type Seen = (String, RuntimeFlavor, bool);

async fn look_around() -> Seen {
    let handle = Handle::current();
    // Without `enable_all()`, a timer or a socket panics; in a task, the panic is a JoinError.
    let drivers = tokio::spawn(async {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let _ = tokio::net::UdpSocket::bind("127.0.0.1:0").await;
    });
    let name = handle.name().unwrap_or("(unnamed)").into();
    (name, handle.runtime_flavor(), drivers.await.is_ok())
}

/// DELIBERATELY WRONG: `block_on` inside a runtime. Python refuses it too ("asyncio.run() cannot
/// be called from a running event loop"); tokio panics, because blocking a runtime thread to wait
/// for another would stall every task of the outer one. Returns tokio's panic message.
fn block_on_inside_a_runtime(outer: &Runtime, inner: &Runtime) -> Option<String> {
    let caught = std::panic::catch_unwind(|| outer.block_on(async { inner.block_on(async {}) }));
    let message = caught.err().map(|payload| panic_message(payload.as_ref()));
    let first_sentence = message.as_deref().and_then(|m| m.split(". ").next());
    println!("   tokio refused: {first_sentence:?}");
    message
}

/// Says so in the trace when dropped: the only cleanup a dropped task gets is its destructors.
struct SaysWhenDropped(Trace);

impl Drop for SaysWhenDropped {
    fn drop(&mut self) {
        self.0
            .say("leftover task: dropped at its .await (Drop ran, nothing awaited)");
    }
}

/// Python: when `asyncio.run(main())` returns, the tasks `main` left running have been cancelled
/// *and awaited*: each got CancelledError and its `finally:` ran, awaits included. Tokio's
/// `block_on` returns as soon as its own future is done, leftover tasks still pending; dropping
/// the runtime drops each one at the `.await` where it waits. Its destructors run; no line after
/// that `.await`, and nothing async, ever does. Returns the trace's messages.
fn leftover_task_on_drop(job: Duration) -> io::Result<Vec<String>> {
    let runtime = Builder::new_current_thread().enable_all().build()?;
    let trace = Trace::start();
    let (task_trace, job_trace) = (trace.clone(), trace.clone());
    runtime.block_on(async {
        tokio::spawn(async move {
            let _cleanup = SaysWhenDropped(task_trace.clone());
            task_trace.say("leftover task: started, sleeping an hour");
            tokio::time::sleep(Duration::from_secs(3600)).await;
            task_trace.say("leftover task: finished (never printed)");
        });
        tokio::task::yield_now().await; // lets the task start
        let (started, running) = tokio::sync::oneshot::channel();
        tokio::task::spawn_blocking(move || {
            let _ = started.send(());
            #[allow(clippy::disallowed_methods)] // deliberately blocking: on the blocking pool
            std::thread::sleep(job);
            job_trace.say("spawn_blocking job: returned");
        });
        let _ = running.await; // it is running: the drop waits for it (a queued one is dropped)
        trace.say("main: returning, without awaiting the task or the job");
    });
    trace.say("block_on returned; dropping the runtime");
    drop(runtime);
    trace.say("runtime dropped");
    Ok(trace.messages())
}

#[cfg(test)]
mod tests {
    use super::*;

    // These tests are synchronous on purpose: part 01 is about what exists before and around a
    // runtime, so each test builds its own runtimes instead of running inside `#[tokio::test]`
    // (but one, which shows what `#[tokio::test]` builds).

    #[test]
    fn nothing_is_current_outside_a_runtime() {
        let seen = no_runtime_outside();
        let error = seen.expect_err("no runtime was entered on this test thread");
        assert!(error.contains("no reactor running"), "{error}");
    }

    #[test]
    fn the_builder_makes_both_flavors() -> io::Result<()> {
        let (a, b) = build_two_runtimes()?;
        let (a, b) = (describe(&a), describe(&b));
        assert_eq!(
            (a.name.as_str(), a.flavor, a.workers),
            ("loop-a", RuntimeFlavor::CurrentThread, 1)
        );
        assert_eq!(
            (b.name.as_str(), b.flavor, b.workers),
            ("loop-b", RuntimeFlavor::MultiThread, 2)
        );
        Ok(())
    }

    #[test]
    fn two_runtimes_are_distinct_and_run_only_their_own_tasks() -> Result<(), BoxError> {
        let (a, b) = build_two_runtimes()?;
        let seen = runtimes_are_distinct(&a, &b, Duration::from_millis(5))?;
        assert_ne!(seen.id_a, seen.id_b);
        assert_eq!(seen.inside_a.as_deref(), Ok("loop-a"));
        assert_eq!(seen.inside_b.as_deref(), Ok("loop-b"));
        assert_eq!(seen.worker_of_b, "loop-b-worker");
        assert!(!seen.task_on_a_ran_while_b_was_driven);
        assert_eq!(seen.task_on_a_result, "ran on loop-a");
        Ok(())
    }

    #[test]
    fn enter_makes_a_runtime_current_until_its_guard_drops() -> Result<(), BoxError> {
        let (a, b) = build_two_runtimes()?;
        let seen = enter_makes_current(&a, &b)?;
        let expected = [None, Some("loop-a"), Some("loop-b"), Some("loop-a"), None];
        assert_eq!(seen.current, expected.map(|name| name.map(String::from)));
        assert_eq!(seen.spawned_under_b_ran_on, "loop-b-worker");
        Ok(())
    }

    #[test]
    fn tokio_main_is_a_builder_and_block_on() -> io::Result<()> {
        // The two must agree, whatever flavor and name the macro is given, drivers included.
        let by_hand = without_the_macro()?;
        assert_eq!(with_the_macro(), by_hand);
        assert!(
            by_hand.2,
            "the macro enables the timer and I/O drivers: {by_hand:?}"
        );
        Ok(())
    }

    /// `#[tokio::main]` with no arguments, as most programs write it.
    #[tokio::main]
    async fn plain_tokio_main() -> RuntimeFlavor {
        Handle::current().runtime_flavor()
    }

    #[test]
    fn tokio_main_builds_a_multi_thread_runtime() {
        assert_eq!(plain_tokio_main(), RuntimeFlavor::MultiThread);
    }

    // ...where `#[tokio::test]` builds a current-thread one: a spawned task runs only when the
    // test body awaits. (`#[tokio::test(flavor = "multi_thread")]` tests what main runs.)
    #[tokio::test]
    async fn tokio_test_builds_a_current_thread_runtime() {
        workshop::testing::within(Duration::from_secs(10), "flavor", async {
            let task = tokio::spawn(async {});
            let spun = std::time::Instant::now();
            while spun.elapsed() < Duration::from_millis(20) {
                std::hint::spin_loop(); // on a multi-thread runtime, a worker would run it now
            }
            assert!(!task.is_finished(), "the task ran before the body awaited");
            task.await.expect("the task ends once the body awaits it");
            let flavor = Handle::current().runtime_flavor();
            assert_eq!(flavor, RuntimeFlavor::CurrentThread);
        })
        .await;
    }

    #[test]
    fn dropping_a_runtime_drops_its_leftover_task_without_awaiting_it() -> io::Result<()> {
        let mut messages = leftover_task_on_drop(Duration::from_millis(20))?;
        // The blocking job returns whenever its 20 ms are up: checked on its own, below.
        let job = messages
            .iter()
            .position(|m| m.starts_with("spawn_blocking job"));
        let job = messages.remove(job.expect("the spawn_blocking job returned"));
        assert_eq!(
            messages,
            [
                "leftover task: started, sleeping an hour",
                "main: returning, without awaiting the task or the job",
                "block_on returned; dropping the runtime",
                "leftover task: dropped at its .await (Drop ran, nothing awaited)",
                "runtime dropped",
            ]
        );
        assert_eq!(job, "spawn_blocking job: returned");
        Ok(())
    }

    #[test]
    fn dropping_a_runtime_waits_for_a_running_spawn_blocking_job() -> io::Result<()> {
        // A job of 50 ms, running when the drop starts: the drop returns only after it did.
        let messages = leftover_task_on_drop(Duration::from_millis(50))?;
        let at = |text: &str| messages.iter().position(|m| m.starts_with(text));
        let (returned, dropped) = (at("spawn_blocking job: returned"), at("runtime dropped"));
        assert!(returned.is_some() && returned < dropped, "{messages:#?}");
        Ok(())
    }

    #[test]
    fn block_on_inside_a_runtime_is_refused() -> io::Result<()> {
        let (a, b) = build_two_runtimes()?;
        let message = block_on_inside_a_runtime(&a, &b).expect("tokio must panic");
        assert!(
            message.starts_with("Cannot start a runtime from within a runtime"),
            "{message}"
        );
        Ok(())
    }
}
