//! The checks of `blocking_off_runtime`: `cargo exercise check blocking_off_runtime` runs them
//! against part_14/exercises/blocking_off_runtime.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

use super::*;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::ThreadId;
use workshop::BlockingDetector;
use workshop::blocking::PYTHON_DEFAULT_LIMIT;
use workshop::testing::{count_polls, within};

// These tests run on the real clock: a blocking call stops tokio's paused clock too. They check
// which polls were slow, which thread ran the reader and what other tasks did meanwhile, never
// how long the run took.

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

#[allow(clippy::disallowed_methods)] // deliberately blocking: the test's legacy reader
fn block_for(delay: Duration) {
    std::thread::sleep(delay);
}

/// One call of a test's reader, as the reader itself saw it.
#[derive(Debug, Clone)]
struct Call {
    name: String,
    thread: ThreadId,
    thread_name: String,
    /// A tokio runtime is entered on that thread: so it is on the blocking pool's threads, not on
    /// a thread made with `std::thread::spawn`.
    in_tokio: bool,
    answer: String,
}

/// Makes the tests' legacy readers, and notes every call they get.
#[derive(Debug, Clone, Default)]
struct Calls(Arc<Mutex<Vec<Call>>>);

/// Numbers the readers' answers, so that no answer can be guessed.
static ANSWERS: AtomicU64 = AtomicU64::new(1);

impl Calls {
    /// Notes a call made on this thread, and returns the answer it gives.
    fn note(&self, name: &str) -> String {
        let thread = std::thread::current();
        let answer = format!(
            "{name}: config #{} of the test's reader",
            ANSWERS.fetch_add(1, Ordering::Relaxed)
        );
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Call {
                name: name.to_owned(),
                thread: thread.id(),
                thread_name: thread.name().unwrap_or("an unnamed thread").to_owned(),
                in_tokio: tokio::runtime::Handle::try_current().is_ok(),
                answer: answer.clone(),
            });
        answer
    }

    /// A legacy reader that blocks its thread for `delay`.
    fn reader(&self, delay: Duration) -> impl FnOnce(&str) -> String + Send + 'static {
        let calls = self.clone();
        move |name| {
            let answer = calls.note(name);
            block_for(delay);
            answer
        }
    }

    /// A legacy reader that blocks its thread until it has seen `wanted` ticks on `ticks`, or for
    /// `at_most`; it notes in `seen` how many it saw.
    fn reader_waiting_for(
        &self,
        ticks: mpsc::Receiver<()>,
        wanted: usize,
        at_most: Duration,
        seen: Arc<AtomicUsize>,
    ) -> impl FnOnce(&str) -> String + Send + 'static {
        let calls = self.clone();
        move |name| {
            let answer = calls.note(name);
            let deadline = std::time::Instant::now() + at_most;
            while seen.load(Ordering::SeqCst) < wanted {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                match ticks.recv_timeout(left) {
                    Ok(()) => seen.fetch_add(1, Ordering::SeqCst),
                    Err(_) => break,
                };
            }
            answer
        }
    }

    /// The one call `load_config` must have made.
    fn the_call(&self, config: &str) -> Call {
        let calls = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match calls.as_slice() {
            [call] => call.clone(),
            [] => panic!(
                "load_config never called the reader it was given, yet answered {config:?}: \
                 the answer must come from that reader, run on the blocking pool \
                 (tokio::task::spawn_blocking)"
            ),
            _ => panic!(
                "the reader was called {} times for one config: call it once, on the blocking \
                 pool, and hand back its answer",
                calls.len()
            ),
        }
    }
}

#[tokio::test]
async fn the_answer_comes_from_one_call_of_the_reader() {
    within(Duration::from_secs(30), "load_config", async {
        for (name, delay) in [("app", ms(20)), ("db", ms(120))] {
            let calls = Calls::default();
            let config = load_config(calls.reader(delay), name).await;
            let call = calls.the_call(&config);
            assert_eq!(
                call.name, name,
                "load_config was asked for {name:?}'s config, but asked the reader for {:?}",
                call.name
            );
            assert_eq!(
                config, call.answer,
                "load_config answered {config:?}, but the reader answered {:?}: hand back what \
                 the reader returned",
                call.answer
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_reader_runs_on_tokios_blocking_pool() {
    within(Duration::from_secs(30), "load_config", async {
        // `#[tokio::test]` runs a current-thread runtime: the test's own thread is its only one.
        let runtime = std::thread::current();
        let runtime_name = runtime.name().unwrap_or("the test's thread");
        for delay in [ms(10), ms(60)] {
            let calls = Calls::default();
            let config = load_config(calls.reader(delay), "app").await;
            let call = calls.the_call(&config);
            assert!(
                call.thread != runtime.id(),
                "the reader ran on the runtime's own thread ('{runtime_name}'), so it blocked \
                 the runtime: hand it to tokio::task::spawn_blocking (a task made with \
                 tokio::spawn runs on the runtime's thread too)"
            );
            assert!(
                call.in_tokio,
                "the reader ran on {:?}, a thread that is not tokio's: a thread of your own \
                 (std::thread::spawn)? spawn_blocking runs it on tokio's blocking pool, which \
                 keeps its threads for the next call, as asyncio.to_thread's executor does",
                call.thread_name
            );
        }
    })
    .await;
}

#[tokio::test]
async fn no_poll_holds_the_runtime_thread() {
    within(Duration::from_secs(30), "load_config", async {
        for delay in [ms(150), ms(300)] {
            let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
            let calls = Calls::default();
            let config = detector
                .watch("load_config", load_config(calls.reader(delay), "app"))
                .await;
            if let Some(report) = detector.reports().first() {
                panic!(
                    "'{}' held its runtime thread for {:.2}s in one poll (the reader blocks for \
                     {delay:?}; asyncio's debug mode reports any step over 0.1 s): the reader \
                     ran right there, or the task waited for it without yielding; move the \
                     blocking call into spawn_blocking and .await its JoinHandle",
                    report.task,
                    report.took.as_secs_f64()
                );
            }
            calls.the_call(&config);
        }
    })
    .await;
}

#[tokio::test]
async fn another_task_runs_freely_while_the_reader_blocks() {
    within(Duration::from_secs(30), "load_config", async {
        for wanted in [100, 1000] {
            // A task that ticks each time it runs, then yields; and a reader that blocks until it
            // has seen `wanted` ticks (2 s at most). With the runtime thread free, that is at once.
            let (tick, ticks) = mpsc::channel();
            let heartbeat = tokio::spawn(async move {
                while tick.send(()).is_ok() {
                    tokio::task::yield_now().await;
                }
            });
            let seen = Arc::new(AtomicUsize::new(0));
            let calls = Calls::default();
            let reader = calls.reader_waiting_for(ticks, wanted, ms(2000), Arc::clone(&seen));
            let config = load_config(reader, "app").await;
            heartbeat.abort();
            calls.the_call(&config);
            let seen = seen.load(Ordering::SeqCst);
            assert!(
                seen >= wanted,
                "while the reader blocked (it waits up to 2 s for {wanted} ticks of a task that \
                 ticks each time it runs), that task ticked {seen} times: the runtime's thread \
                 (a current-thread runtime has only one) was held, by the reader itself or by \
                 load_config waiting for it (a join, a blocking recv, or waiting in short \
                 slices); run the reader with spawn_blocking and .await its JoinHandle"
            );
        }
    })
    .await;
}

// tokio's paused clock jumps to the next timer whenever every task waits, except while a
// spawn_blocking job runs: so here it stands still while the reader blocks.
#[tokio::test(start_paused = true)]
async fn the_answer_wakes_the_task_at_once() {
    within(Duration::from_secs(30), "load_config", async {
        for delay in [ms(100), ms(300)] {
            let calls = Calls::default();
            let start = tokio::time::Instant::now();
            let (config, polls) = count_polls(load_config(calls.reader(delay), "app")).await;
            let took = start.elapsed();
            calls.the_call(&config);
            assert!(
                polls <= 3,
                "load_config was polled {polls} times while the reader blocked for {delay:?}: it \
                 kept coming back to look for the answer (a loop with yield_now, or waiting in \
                 short slices); .await the JoinHandle of spawn_blocking: the task sleeps until \
                 the reader is done, and is woken once"
            );
            assert!(
                took.is_zero(),
                "load_config took {took:?} on tokio's paused clock, which stood still while the \
                 reader blocked: it slept between looks at the answer (asyncio's `while not \
                 fut.done(): await asyncio.sleep(...)`), and the answer waited for the next \
                 look; .await the JoinHandle: the reader's end wakes the task at once"
            );
        }
    })
    .await;
}
