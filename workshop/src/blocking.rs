//! A blocking detector: asyncio's debug mode for tokio, and a watchdog for what it cannot see.
//!
//! Python's `asyncio.run(main(), debug=True)` times every step of every task and logs the slow ones:
//! `Executing <Task pending name='fetch' …> took 0.503 seconds` (any step over
//! `loop.slow_callback_duration`, 100 ms by default). It logs a step once the step has returned, so
//! a step that never returns (a deadlock) is never logged. tokio has no such switch in its stable
//! API, so the workshop's detector works in two modes:
//!
//! - **Watched futures** ([`BlockingDetector::watch`], [`BlockingDetector::spawn`]): each `poll` of
//!   the wrapped future is timed on the real clock. One that held its thread longer than the limit
//!   is reported, named and timed, when it returns ([`BlockingDetector::reports`]), and a watchdog
//!   thread reports it *while it is still running*: once it passes the limit, then at 1 s and each
//!   time that doubles ([`BlockingDetector::stuck`]), so a poll that never returns is reported
//!   too. A poll is where blocking happens: between two `.await`s that return `Pending`, a task owns
//!   its worker thread, and nothing else scheduled there can run. Unwrapped futures are not seen.
//! - **A whole runtime** ([`BlockingDetector::run`], `asyncio.run(main(), debug=True)`): every
//!   thread of the runtime is watched, whatever task runs on it, wrapped or not. tokio's stable
//!   hooks say when a runtime thread parks (has nothing to run) and unparks; the watchdog reports a
//!   thread that has run for longer than the limit without parking, while it goes on. It cannot
//!   name the task (a thread inside a watched poll is reported under that poll's name instead), and
//!   it sees stretches of work between parks, not polls: many short polls back to back on a busy
//!   runtime are reported as well. tokio's per-poll hooks (`on_before_task_poll`,
//!   `on_after_task_poll`) would see each task's polls, but they exist only when every crate is
//!   built with `--cfg tokio_unstable`, a full rebuild for every learner and an API that may change
//!   in any 1.x release: the workshop does without.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::time::Duration;
//! use workshop::BlockingDetector;
//!
//! let detector = BlockingDetector::new(Duration::from_millis(20));
//! detector
//!     .watch("polite", tokio::time::sleep(Duration::from_millis(30)))
//!     .await; // sleeping yields: nothing to report
//! detector
//!     .watch("rude", async {
//!         #[allow(clippy::disallowed_methods)] // deliberately blocking: the detector's example
//!         std::thread::sleep(Duration::from_millis(50));
//!     })
//!     .await; // prints: ⚠ blocking detector: 'rude' held its runtime thread for 0.05s …
//! let reports = detector.reports();
//! assert_eq!(reports.len(), 1);
//! assert_eq!(reports[0].task, "rude");
//! assert!(reports[0].took >= Duration::from_millis(50));
//! # }
//! ```

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError, Weak};
use std::task::{Context, Poll};
use std::thread::{Thread, ThreadId};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;
use tokio::runtime::RuntimeFlavor;

/// asyncio's default `slow_callback_duration`.
pub const PYTHON_DEFAULT_LIMIT: Duration = Duration::from_millis(100);

/// One poll that held its thread longer than the limit, reported when it returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The name given to [`BlockingDetector::watch`].
    pub task: String,
    /// How long that one poll took, on the real clock.
    pub took: Duration,
}

/// The watchdog's report of a poll, or a runtime thread, still running past the limit: made while
/// it runs, so a poll that never returns is reported too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stuck {
    /// The watched future's name; `None` for a runtime thread of [`BlockingDetector::run`] outside
    /// any watched poll: the runtime-wide mode sees threads, not tasks.
    pub task: Option<String>,
    /// The thread it holds: its name and id, such as `'tokio-rt-worker' (ThreadId(3))`.
    pub thread: String,
    /// How long it had run when the report was made, on the real clock.
    pub so_far: Duration,
}

/// Times every poll of the futures it watches, and with [`run`](Self::run) every runtime thread;
/// see the [module docs](self). Clones share one detector, so a clone can go into each spawned task.
#[derive(Debug, Clone)]
pub struct BlockingDetector {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    limit: Duration,
    quiet: AtomicBool,
    reports: Mutex<Vec<Blocked>>,
    stuck: Mutex<Vec<Stuck>>,
    running: Mutex<Running>,
    watchdog: Once,
}

/// What is running right now: the watched polls in flight, and the runtime threads busy since they
/// last unparked (in the runtime-wide mode).
#[derive(Debug, Default)]
struct Running {
    next_poll: u64,
    polls: HashMap<u64, Stretch>,
    threads: HashMap<ThreadId, Stretch>,
    /// Runtime threads whose park hook has run at least once.
    parked_once: HashSet<ThreadId>,
}

/// One stretch of work that has not yielded its thread yet.
#[derive(Debug)]
struct Stretch {
    task: Option<Arc<str>>,
    thread: Thread,
    since: Instant,
    /// The watchdog's reports of this stretch so far: the next one is due at `threshold(reported)`.
    reported: u32,
}

impl Stretch {
    fn new(task: Option<Arc<str>>) -> Self {
        Self {
            task,
            thread: std::thread::current(),
            since: Instant::now(),
            reported: 0,
        }
    }

    /// A report if the stretch has run past its next threshold; the following one is then due when
    /// its time has doubled again (however late the watchdog looked).
    /// Returns the report, and whether it is the first one of this stretch.
    fn due(&mut self, now: Instant, limit: Duration) -> Option<(Stuck, bool)> {
        let so_far = now.saturating_duration_since(self.since);
        if so_far <= threshold(self.reported, limit) {
            return None;
        }
        let first = self.reported == 0;
        while so_far > threshold(self.reported, limit) {
            self.reported += 1;
        }
        let stuck = Stuck {
            task: self.task.as_deref().map(str::to_owned),
            thread: describe(&self.thread),
            so_far,
        };
        Some((stuck, first))
    }
}

/// When the watchdog reports a stretch for the `k`-th time: at the limit, then at least a second
/// in and each time that doubles (1 s, 2 s, 4 s … with asyncio's 0.1 s limit), so that a lesson
/// whose sleeps block for seconds shows a few lines per sleep, not one per doubling of 0.1 s.
fn threshold(k: u32, limit: Duration) -> Duration {
    if k == 0 {
        return limit;
    }
    let second = limit.saturating_mul(2).max(Duration::from_secs(1));
    second.saturating_mul(2u32.saturating_pow(k - 1))
}

fn describe(thread: &Thread) -> String {
    format!(
        "'{}' ({:?})",
        thread.name().unwrap_or("<unnamed>"),
        thread.id()
    )
}

impl BlockingDetector {
    /// Reports any poll longer than `limit` ([`PYTHON_DEFAULT_LIMIT`] is asyncio's choice).
    pub fn new(limit: Duration) -> Self {
        Self {
            shared: Arc::new(Shared {
                limit,
                quiet: AtomicBool::new(false),
                reports: Mutex::default(),
                stuck: Mutex::default(),
                running: Mutex::default(),
                watchdog: Once::new(),
            }),
        }
    }

    /// Keeps the reports without printing them (for tests that only count them).
    pub fn quiet(self) -> Self {
        self.shared.quiet.store(true, Ordering::Relaxed);
        self
    }

    /// The limit a poll may take.
    pub fn limit(&self) -> Duration {
        self.shared.limit
    }

    /// Wraps `fut` so that each of its polls is timed, and watched while it runs.
    pub fn watch<F: Future>(&self, task: impl Into<String>, fut: F) -> Watched<F> {
        Watched {
            inner: fut,
            task: Arc::from(task.into()),
            detector: self.clone(),
        }
    }

    /// `tokio::spawn` of a watched future.
    pub fn spawn<F>(&self, task: impl Into<String>, fut: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(self.watch(task, fut))
    }

    /// Every poll that held its thread past the limit, reported when it returned, in order.
    pub fn reports(&self) -> Vec<Blocked> {
        lock(&self.shared.reports).clone()
    }

    /// Every watchdog report so far, in order: polls and runtime threads seen still running past
    /// the limit, each reported when it passes the limit, then at 1 s and each time that doubles.
    pub fn stuck(&self) -> Vec<Stuck> {
        lock(&self.shared.stuck).clone()
    }

    /// `asyncio.run(main, debug=True)`: builds a runtime from `builder` whose every thread is
    /// watched, runs `main` on it as a task (as `asyncio.run` does: so that it runs on a runtime
    /// thread, not on the caller's) and returns its output, or resumes its panic.
    ///
    /// The watchdog reports any runtime thread that runs longer than the limit without parking,
    /// while it does, whichever task holds it: unwatched ones, deadlocked ones. It cannot say
    /// which task; a thread inside a [`watch`](Self::watch)ed poll is reported under that name. It
    /// sees stretches of work between parks, not polls, so a thread kept busy by many short polls
    /// back to back is reported too, and so is `block_in_place` (blocking that is allowed there).
    /// `spawn_blocking` threads are not watched: blocking is what they are for. This sets the
    /// builder's `on_thread_park`, `on_thread_unpark` and `on_thread_stop` hooks (tokio keeps one
    /// of each: any set before are replaced).
    ///
    /// ```
    /// use std::time::Duration;
    /// use workshop::BlockingDetector;
    ///
    /// let detector = BlockingDetector::new(Duration::from_millis(100));
    /// let mut builder = tokio::runtime::Builder::new_multi_thread();
    /// let answer = detector.run(builder.enable_all(), async {
    ///     tokio::time::sleep(Duration::from_millis(10)).await; // parks: nothing to report
    ///     42
    /// });
    /// assert_eq!(answer, 42);
    /// assert_eq!(detector.stuck(), []);
    /// ```
    pub fn run<F>(&self, builder: &mut tokio::runtime::Builder, main: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.start_watchdog();
        let (park, unpark, stop) = (self.clone(), self.clone(), self.clone());
        let runtime = builder
            .on_thread_park(move || park.thread_parked())
            .on_thread_unpark(move || unpark.thread_busy())
            .on_thread_stop(move || stop.thread_gone())
            .build()
            .expect("Failed building the Runtime");
        let caller = std::thread::current().id();
        match runtime.handle().runtime_flavor() {
            // `block_on` runs the tasks on this thread, and polls before it first parks.
            RuntimeFlavor::CurrentThread => self.thread_busy(),
            // A worker is seen from its first park on: let each park once before a task can run.
            _ => self.wait_until_parked(runtime.metrics().num_workers()),
        }
        let main = runtime.spawn(main);
        let output = runtime.block_on(main);
        self.forget(caller); // this thread is no longer running the runtime
        drop(runtime);
        match output {
            Ok(output) => output,
            Err(error) => match error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(error) => panic!("the main task did not finish: {error}"),
            },
        }
    }

    #[allow(clippy::disallowed_methods)] // the caller's thread, before the runtime runs any task
    fn wait_until_parked(&self, workers: usize) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.running().parked_once.len() < workers && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn running(&self) -> MutexGuard<'_, Running> {
        lock(&self.shared.running)
    }

    fn thread_parked(&self) {
        let me = std::thread::current().id();
        let mut running = self.running();
        running.threads.remove(&me);
        running.parked_once.insert(me);
    }

    fn thread_busy(&self) {
        let me = std::thread::current().id();
        self.running().threads.insert(me, Stretch::new(None));
    }

    fn thread_gone(&self) {
        self.forget(std::thread::current().id());
    }

    fn forget(&self, thread: ThreadId) {
        let mut running = self.running();
        running.threads.remove(&thread);
        running.parked_once.remove(&thread);
    }

    /// Starts the watchdog thread, once per detector. It holds a weak reference, and ends within
    /// one tick of the detector's last clone being dropped.
    fn start_watchdog(&self) {
        self.shared.watchdog.call_once(|| {
            let shared = Arc::downgrade(&self.shared);
            // Wakes four times per limit: a poll is reported at most a quarter limit late.
            let tick =
                (self.limit() / 4).clamp(Duration::from_millis(1), Duration::from_millis(50));
            std::thread::Builder::new()
                .name("blocking-detector".into())
                .spawn(move || watchdog(&shared, tick))
                .expect("the blocking detector's watchdog thread starts");
        });
    }

    /// Marks a poll of `task` as running on this thread until the returned guard is dropped.
    fn poll_started(&self, task: &Arc<str>) -> InFlight<'_> {
        self.start_watchdog();
        let mut running = self.running();
        let id = running.next_poll;
        running.next_poll += 1;
        let stretch = Stretch::new(Some(Arc::clone(task)));
        let started = stretch.since;
        running.polls.insert(id, stretch);
        InFlight {
            detector: self,
            id,
            started,
        }
    }

    /// One look by the watchdog: reports every poll and every runtime thread past its next
    /// threshold. A thread inside a watched poll is left to that poll, which has a name.
    fn look(&self, now: Instant) {
        // The watchdog's own threshold: a zero limit would report every poll at every tick.
        let limit = self.limit().max(Duration::from_millis(1));
        let mut due = Vec::new();
        {
            let mut running = self.running();
            let Running { polls, threads, .. } = &mut *running;
            let named: HashSet<ThreadId> = polls.values().map(|p| p.thread.id()).collect();
            due.extend(polls.values_mut().filter_map(|p| p.due(now, limit)));
            due.extend(
                threads
                    .iter_mut()
                    .filter(|(thread, _)| !named.contains(thread))
                    .filter_map(|(_, t)| t.due(now, limit)),
            );
        }
        due.sort_by_key(|(stuck, _)| std::cmp::Reverse(stuck.so_far));
        for (stuck, first) in due {
            self.say_stuck(&stuck, first);
            lock(&self.shared.stuck).push(stuck);
        }
    }

    fn quiet_now(&self) -> bool {
        self.shared.quiet.load(Ordering::Relaxed)
    }

    /// One line per report; the first of a stretch says what it means.
    fn say_stuck(&self, stuck: &Stuck, first: bool) {
        if self.quiet_now() {
            return;
        }
        let (so_far, limit) = (stuck.so_far.as_secs_f64(), self.limit().as_secs_f64());
        let meaning = match &stuck.task {
            Some(task) => {
                println!(
                    "   ⚠ blocking detector: '{task}' has been in one poll for {so_far:.2}s \
                     (limit {limit:.2}s), and still is"
                );
                "its thread runs nothing else until the poll returns; reported again at 1 s, 2 s, 4 s…"
            }
            None => {
                println!(
                    "   ⚠ blocking detector: thread {} has not parked for {so_far:.2}s \
                     (limit {limit:.2}s)",
                    stuck.thread
                );
                "a task on it has not yielded; which one, tokio's stable API cannot say"
            }
        };
        if first {
            println!("     ({meaning})");
        }
    }

    fn report(&self, task: &str, took: Duration) {
        if !self.quiet_now() {
            println!(
                "   ⚠ blocking detector: '{task}' held its runtime thread for {:.2}s in one poll \
                 (limit {:.2}s); nothing else on that thread ran meanwhile",
                took.as_secs_f64(),
                self.limit().as_secs_f64(),
            );
            println!(
                "     (asyncio's debug mode says: Executing <Task pending name='{task}' …> took {:.3} seconds)",
                took.as_secs_f64()
            );
        }
        lock(&self.shared.reports).push(Blocked {
            task: task.to_owned(),
            took,
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The watchdog thread: looks every `tick` while the detector exists. A thread of its own, never
/// a runtime thread, so a stuck runtime cannot stop it.
#[allow(clippy::disallowed_methods)] // the watchdog's own thread sleeps between looks
fn watchdog(shared: &Weak<Shared>, tick: Duration) {
    loop {
        std::thread::sleep(tick);
        let Some(shared) = shared.upgrade() else {
            return;
        };
        BlockingDetector { shared }.look(Instant::now());
    }
}

/// A watched poll in flight: dropped when the poll returns (or unwinds).
struct InFlight<'a> {
    detector: &'a BlockingDetector,
    id: u64,
    started: Instant,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut running = self.detector.running();
        if let Some(poll) = running.polls.remove(&self.id) {
            // A poll over the limit is reported by its name: the thread's own stretch starts again
            // after it, so that the runtime-wide mode does not report the same time once more.
            if self.started.elapsed() > self.detector.limit()
                && let Some(thread) = running.threads.get_mut(&poll.thread.id())
            {
                *thread = Stretch::new(None);
            }
        }
    }
}

pin_project! {
    /// A future whose polls are timed by a [`BlockingDetector`].
    #[derive(Debug)]
    pub struct Watched<F> {
        #[pin]
        inner: F,
        task: Arc<str>,
        detector: BlockingDetector,
    }
}

impl<F: Future> Future for Watched<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        // The real clock, not tokio's: a blocked thread stops a paused test clock too, so only
        // std's Instant sees how long the thread was held.
        let in_flight = this.detector.poll_started(this.task);
        let answer = this.inner.poll(cx);
        let took = in_flight.started.elapsed();
        drop(in_flight);
        if took > this.detector.limit() {
            this.detector.report(this.task, took);
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::within;
    use std::sync::mpsc;

    #[allow(clippy::disallowed_methods)] // deliberately blocking: what the detector must catch
    fn block_for(duration: Duration) {
        std::thread::sleep(duration);
    }

    /// Waits (on the test's own thread, up to 10 s) until `detector` has `n` watchdog reports that
    /// `keep` accepts, and returns them; panics with the reports so far if they never come.
    #[allow(clippy::disallowed_methods)] // the test thread waits: it is not a runtime thread
    fn wait_for_stuck(
        detector: &BlockingDetector,
        n: usize,
        keep: fn(&Stuck) -> bool,
    ) -> Vec<Stuck> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found: Vec<Stuck> = detector.stuck().into_iter().filter(keep).collect();
            if found.len() >= n {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} watchdog reports within 10 s, got {found:?} (all: {:?})",
                detector.stuck()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[tokio::test]
    async fn a_poll_over_the_limit_is_reported_by_name_and_time() {
        within(Duration::from_secs(30), "detector", async {
            let detector = BlockingDetector::new(Duration::from_millis(30)).quiet();
            let value = detector
                .watch("sleeps in std", async {
                    tokio::task::yield_now().await; // a first, quick poll
                    block_for(Duration::from_millis(80));
                    7
                })
                .await;
            assert_eq!(value, 7, "the wrapper must hand back the future's output");
            let reports = detector.reports();
            assert_eq!(
                reports.len(),
                1,
                "one slow poll and one quick one: one report, got {reports:?}"
            );
            assert_eq!(reports[0].task, "sleeps in std");
            assert!(reports[0].took >= Duration::from_millis(80), "{reports:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn yielding_work_is_never_reported_however_long_it_takes() {
        within(Duration::from_secs(30), "detector", async {
            // Generous limit: the machine may be loaded, but no single poll here does real work.
            let detector = BlockingDetector::new(Duration::from_secs(2)).quiet();
            let handle = detector.spawn("polite", async {
                for _ in 0..20 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            });
            handle.await.expect("the task finishes");
            assert_eq!(detector.reports(), [], "sleeping is not blocking");
            assert_eq!(detector.stuck(), [], "sleeping is not blocking");
        })
        .await;
    }

    // Real time: a blocked thread moves no paused clock. The poll waits on a std channel that only
    // this test releases, so it is certainly still stuck when the reports are checked.
    #[test]
    fn a_stuck_poll_is_reported_while_it_is_stuck_and_again_as_it_goes_on() {
        let limit = Duration::from_millis(40);
        let detector = BlockingDetector::new(limit).quiet();
        let (release, released) = mpsc::channel::<()>();
        let stuck = std::thread::spawn({
            let detector = detector.clone();
            move || {
                let recv = async move { released.recv().is_ok() };
                futures::executor::block_on(detector.watch("waits for the test", recv))
            }
        });
        let reports = wait_for_stuck(&detector, 3, |s| s.task.is_some());
        // Still stuck: the poll has not returned, and no after-the-fact report exists yet.
        assert!(!stuck.is_finished(), "the poll was released by nobody");
        assert_eq!(detector.reports(), [], "the poll has not returned");
        for (k, report) in reports.iter().enumerate() {
            assert_eq!(
                report.task.as_deref(),
                Some("waits for the test"),
                "{reports:?}"
            );
            // Once past the limit, then past a second and each time that doubles: not at every
            // look.
            assert!(
                report.so_far > threshold(k as u32, limit),
                "report {k}: {reports:?}"
            );
            assert!(
                threshold(k as u32, limit) >= limit * 2u32.pow(k as u32),
                "{k}"
            );
        }
        release.send(()).expect("the stuck thread is waiting");
        assert!(stuck.join().expect("the poll returns"));
        let after = detector.reports();
        assert_eq!(after.len(), 1, "{after:?}");
        assert!(
            after[0].took >= reports[2].so_far,
            "{after:?} vs {reports:?}"
        );
    }

    fn builder(flavor: &str) -> tokio::runtime::Builder {
        let mut builder = match flavor {
            "multi_thread" => tokio::runtime::Builder::new_multi_thread(),
            _ => tokio::runtime::Builder::new_current_thread(),
        };
        builder.enable_all();
        builder
    }

    // The runtime-wide mode: an unwatched task that never yields holds a runtime thread, and is
    // reported while it does, by thread (it cannot be named); also when it is stuck at once, before
    // the runtime has ever parked.
    #[test]
    fn the_runtime_mode_reports_an_unwatched_task_holding_a_runtime_thread() {
        for (flavor, parks_first) in [
            ("multi_thread", true),
            ("multi_thread", false),
            ("current_thread", true),
            ("current_thread", false),
        ] {
            let case = format!("{flavor}, parks first: {parks_first}");
            let limit = Duration::from_millis(40);
            let detector = BlockingDetector::new(limit).quiet();
            let (release, released) = mpsc::channel::<()>();
            let runner = std::thread::spawn({
                let detector = detector.clone();
                move || {
                    detector.run(&mut builder(flavor), async move {
                        if parks_first {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        let stuck = tokio::spawn(async move { released.recv().is_ok() });
                        stuck.await.expect("the stuck task ends")
                    })
                }
            });
            let reports = wait_for_stuck(&detector, 2, |s| s.task.is_none());
            assert!(!runner.is_finished(), "{case}: released by nobody");
            if flavor == "multi_thread" {
                assert!(
                    reports[0].thread.contains("tokio-rt-worker"),
                    "{case}: {reports:?}"
                );
            }
            assert!(reports[0].so_far > limit, "{case}: {reports:?}");
            assert!(reports[1].so_far > 2 * limit, "{case}: {reports:?}");
            release.send(()).expect("the stuck task is waiting");
            assert!(runner.join().expect("the runtime ends"), "{case}");
            assert_eq!(
                detector.reports(),
                [],
                "{case}: nothing was watched by name"
            );
        }
    }

    // The same stall inside a watched future: reported under its name, not once more by thread.
    #[test]
    fn the_runtime_mode_leaves_a_watched_poll_to_its_name() {
        let limit = Duration::from_millis(40);
        let detector = BlockingDetector::new(limit).quiet();
        let (release, released) = mpsc::channel::<()>();
        let runner = std::thread::spawn({
            let detector = detector.clone();
            move || {
                let watched = detector.clone();
                detector.run(&mut builder("multi_thread"), async move {
                    let recv = async move { released.recv().is_ok() };
                    watched.spawn("named", recv).await.expect("the task ends")
                })
            }
        });
        let reports = wait_for_stuck(&detector, 3, |_| true);
        assert!(!runner.is_finished(), "released by nobody");
        let names: Vec<_> = reports.iter().map(|s| s.task.as_deref()).collect();
        assert!(names.iter().all(|n| *n == Some("named")), "{reports:?}");
        release.send(()).expect("the stuck task is waiting");
        assert!(runner.join().expect("the runtime ends"));
    }

    // ...and once the named poll returns, its time is not reported again by thread: the thread's
    // stretch starts over. Here the task blocks 0.1 s more right after it, under the 0.2 s limit.
    #[test]
    fn the_runtime_mode_does_not_report_a_named_stall_twice() {
        let limit = Duration::from_millis(200);
        let detector = BlockingDetector::new(limit).quiet();
        let (release, released) = mpsc::channel::<()>();
        let runner = std::thread::spawn({
            let detector = detector.clone();
            move || {
                let watched = detector.clone();
                detector.run(&mut builder("multi_thread"), async move {
                    let recv = async move { released.recv().is_ok() };
                    let got = watched.watch("named", recv).await;
                    block_for(limit / 2); // no await between: the thread has not parked
                    got
                })
            }
        });
        wait_for_stuck(&detector, 1, |s| s.task.is_some());
        release.send(()).expect("the stuck task is waiting");
        assert!(runner.join().expect("the runtime ends"));
        let by_thread: Vec<_> = detector
            .stuck()
            .into_iter()
            .filter(|s| s.task.is_none())
            .collect();
        assert_eq!(by_thread, [], "the stall was reported by name already");
    }

    // What the runtime-wide mode cannot tell: many short polls back to back look like one long
    // one. This task yields at every step (each poll takes microseconds), but a yield is no park,
    // so its thread is reported; it stops once it sees the report (or after 10 s).
    #[test]
    fn the_runtime_mode_reports_a_thread_kept_busy_by_short_polls() {
        let detector = BlockingDetector::new(Duration::from_millis(40)).quiet();
        let watched = detector.clone();
        let polls = detector.run(&mut builder("current_thread"), async move {
            tokio::time::sleep(Duration::from_millis(20)).await; // parks first
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut polls = 0;
            while watched.stuck().is_empty() && Instant::now() < deadline {
                tokio::task::yield_now().await;
                polls += 1;
            }
            polls
        });
        let stuck = detector.stuck();
        assert!(!stuck.is_empty(), "{polls} short polls, never reported");
        assert_eq!(stuck[0].task, None, "{stuck:?}");
        assert!(polls > 1, "it was many polls, not one: {polls}");
    }

    // The runtime-wide mode is quiet about threads that park: tasks that await are never reported,
    // however long they run in all, or their threads sleep (1.5 s, 0.5 s at a time; limit 0.3 s).
    #[test]
    fn the_runtime_mode_never_reports_threads_that_park() {
        for flavor in ["multi_thread", "current_thread"] {
            let detector = BlockingDetector::new(Duration::from_millis(300)).quiet();
            let laps = detector.run(&mut builder(flavor), async {
                let tasks: Vec<_> = (0..3)
                    .map(|_| {
                        tokio::spawn(async {
                            for _ in 0..3 {
                                tokio::time::sleep(Duration::from_millis(500)).await;
                            }
                        })
                    })
                    .collect();
                futures::future::join_all(tasks).await.len()
            });
            assert_eq!(laps, 3);
            assert_eq!(
                detector.stuck(),
                [],
                "{flavor}: parked threads are not held"
            );
        }
    }

    #[test]
    fn run_hands_back_the_panic_of_the_main_task() {
        let detector = BlockingDetector::new(PYTHON_DEFAULT_LIMIT).quiet();
        let caught = std::panic::catch_unwind(|| {
            let mut builder = tokio::runtime::Builder::new_current_thread();
            detector.run(&mut builder, async { panic!("main failed") });
        });
        let panic = caught.expect_err("the panic comes back");
        assert_eq!(crate::lesson::panic_message(panic.as_ref()), "main failed");
    }
}
