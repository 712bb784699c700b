//! Part 10: spawning tasks that run side by side (Python: `loop.create_task` + `run_forever`).
//!
//! First, what "side by side" means on one thread: tasks take turns at their `.await`s, so a task
//! that never awaits starves the others, and `tokio::task::yield_now()` (Python's
//! `await asyncio.sleep(0)`) hands the thread back. Then three printers tick every 1, 2 and 3
//! seconds; the third ends by itself after three ticks, the others run until Ctrl-C (or the
//! `--seconds` bound), when every task is asked to stop and the program waits until they have.
//!
//! ```sh
//! make part_10                            # until Ctrl-C
//! cargo run -p part_10 -- --seconds 7     # a bounded run
//! ```

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clap::Parser;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use workshop::{Stopwatch, Timeline};

#[derive(Debug, Parser)]
#[command(about = "Three printers side by side, until Ctrl-C or --seconds")]
struct Args {
    /// Stop the printers after this many seconds instead of waiting for Ctrl-C.
    #[arg(long)]
    seconds: Option<u64>,
}

// One thread, like Python's event loop: every task here takes turns on it.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    workshop::banner!();

    section("1. A task that never awaits keeps the thread to itself");
    share_one_thread(Manners::Greedy, 5, ms(200), ms(100)).await;

    section("2. The same work with yield_now() between chunks (Python: await asyncio.sleep(0))");
    share_one_thread(Manners::Polite, 5, ms(200), ms(100)).await;

    section("3. Three printers side by side (Python: create_task ×3, then run_forever)");
    let watch = Stopwatch::start();
    let timeline = Timeline::starting_at(watch.origin());
    let bound = args.seconds.map(Duration::from_secs);
    if bound.is_none() {
        println!("(running until Ctrl-C; `--seconds N` for a bounded run)\n");
    }
    run_printers(watch, &timeline, PRINTERS, stop_signal(bound)).await;

    section("Which task ran when");
    print!("{}", timeline.render(70));
}

fn section(title: &str) {
    println!("\n── {title}\n");
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

// ── 1 and 2: taking turns ───────────────────────────────────────────────────────────────────────

/// A trace several tasks write to: each line is printed with its time stamp and kept (without the
/// stamp) so the tests can check the order of events.
#[derive(Debug, Clone)]
struct Trace {
    watch: Stopwatch,
    // A std Mutex: locked for one push, never across an .await.
    lines: Arc<Mutex<Vec<String>>>,
}

impl Trace {
    fn new() -> Self {
        Self {
            watch: Stopwatch::start(),
            lines: Arc::default(),
        }
    }

    fn say(&self, line: impl Into<String>) {
        let line = line.into();
        self.watch.say(&line);
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }

    fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// How the busy task treats the thread it shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manners {
    /// Never reaches an `.await` until it is done.
    Greedy,
    /// Yields after every chunk of work.
    Polite,
}

/// A heartbeat task that wants to run every `beat`, and a busy task doing `chunks` chunks of CPU
/// work of `chunk` each, on the current (one-thread) runtime. Returns the trace, in order.
///
/// Greedy: the heartbeat is silent until the busy task ends, then one very late beat. Polite: one
/// beat between chunks, late by up to a chunk: `yield_now` only helps as often as it is called.
async fn share_one_thread(
    manners: Manners,
    chunks: u32,
    chunk: Duration,
    beat: Duration,
) -> Vec<String> {
    let trace = Trace::new();
    let stop = CancellationToken::new();
    let heartbeat = tokio::spawn(heartbeat(trace.clone(), beat, stop.clone()));
    let busy = tokio::spawn(busy_work(trace.clone(), manners, chunks, chunk));
    if let Err(e) = busy.await {
        trace.say(format!("busy: the task failed: {e}"));
    }
    stop.cancel();
    if let Err(e) = heartbeat.await {
        trace.say(format!("heartbeat: the task failed: {e}"));
    }
    trace.lines()
}

async fn heartbeat(trace: Trace, every: Duration, stop: CancellationToken) {
    let beat = |due: Instant| {
        let late = Instant::now().saturating_duration_since(due);
        trace.say(format!("heartbeat ({} ms late)", late.as_millis()));
    };
    loop {
        let due = Instant::now() + every;
        tokio::select! {
            biased;
            () = tokio::time::sleep_until(due) => beat(due),
            () = stop.cancelled() => {
                // A beat that fell due while the busy task held the thread still gets its turn.
                if Instant::now() >= due {
                    beat(due);
                }
                return;
            }
        }
    }
}

async fn busy_work(trace: Trace, manners: Manners, chunks: u32, chunk: Duration) {
    trace.say(format!("busy: start ({manners:?})"));
    for n in 1..=chunks {
        burn_cpu(chunk);
        trace.say(format!("busy: chunk {n}/{chunks} done"));
        if manners == Manners::Polite {
            // Python: `await asyncio.sleep(0)`. Every other task that is ready runs before this
            // one continues. Greedy skips it: DELIBERATELY WRONG, nothing else runs meanwhile.
            tokio::task::yield_now().await;
        }
    }
}

/// CPU work with no `.await` in it: parsing, hashing, a tight loop. (A blocking call such as
/// `std::thread::sleep` holds the thread the same way.)
fn burn_cpu(how_long: Duration) {
    let start = std::time::Instant::now();
    while start.elapsed() < how_long {
        std::hint::spin_loop();
    }
}

// ── 3: printers until Ctrl-C ────────────────────────────────────────────────────────────────────

#[derive(Debug, Clone, Copy)]
struct Printer {
    name: &'static str,
    period: Duration,
    /// `None`: until told to stop.
    ticks: Option<usize>,
}

const PRINTERS: [Printer; 3] = [
    Printer {
        name: "every 1s",
        period: Duration::from_secs(1),
        ticks: None,
    },
    Printer {
        name: "every 2s",
        period: Duration::from_secs(2),
        ticks: None,
    },
    Printer {
        name: "every 3s",
        period: Duration::from_secs(3),
        ticks: Some(3),
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// Did its ticks and returned.
    Finished,
    /// Was asked to stop.
    Stopped,
}

/// What one printer did: when it ticked (since the start) and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Printed {
    name: &'static str,
    ticks: Vec<Duration>,
    ended: Ended,
}

async fn printer(watch: Stopwatch, spec: Printer, stop: CancellationToken) -> Printed {
    // An interval keeps to its schedule (a `sleep` loop drifts by the time each round takes); its
    // first tick is immediate, like Python's `while True: print(...); await asyncio.sleep(period)`.
    let mut interval = tokio::time::interval(spec.period);
    let mut ticks = Vec::new();
    loop {
        tokio::select! {
            // Check the stop first: once asked, no further tick slips out.
            biased;
            () = stop.cancelled() => {
                let (name, n) = (spec.name, ticks.len());
                watch.say(format!("{name}: asked to stop after {n} ticks, stopping"));
                return Printed { name: spec.name, ticks, ended: Ended::Stopped };
            }
            _ = interval.tick() => {}
        }
        ticks.push(watch.elapsed());
        watch.say(format!("{}: tick {}", spec.name, ticks.len()));
        if Some(ticks.len()) == spec.ticks {
            watch.say(format!("{}: done, the task ends", spec.name));
            return Printed {
                name: spec.name,
                ticks,
                ended: Ended::Finished,
            };
        }
    }
}

/// Spawns one task per printer, waits for `stop_when`, asks every task to stop and waits until all
/// have. Returns what each printer did, in the order of `printers`.
async fn run_printers(
    watch: Stopwatch,
    timeline: &Timeline,
    printers: impl IntoIterator<Item = Printer>,
    stop_when: impl Future<Output = String>,
) -> Vec<Printed> {
    let stop = CancellationToken::new();
    // A JoinSet owns its tasks: dropping it aborts them, so none can outlive this function unseen.
    let mut tasks = JoinSet::new();
    let mut names = Vec::new();
    for spec in printers {
        let (stop, timeline) = (stop.clone(), timeline.clone());
        // Python: `loop.create_task(printer(...))`. The task is queued now and first runs when this
        // one reaches an .await. It owns what it uses (`move`): it may outlive this stack frame.
        tasks.spawn(async move { timeline.track(spec.name, printer(watch, spec, stop)).await });
        names.push(spec.name);
    }
    watch.say(format!(
        "main: {} printers spawned, waiting for the stop signal",
        names.len()
    ));

    let reason = stop_when.await;
    watch.say(format!("main: {reason}: asking every task to stop"));
    // Cooperative: each task sees the signal at its next .await and returns what it has. (Python's
    // task.cancel() raises CancelledError in the task; Rust's abort() would just drop it there.)
    stop.cancel();

    let mut printed = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(done) => printed.push(done),
            Err(e) => {
                watch.say(format!("main: a printer task failed: {e}"));
            }
        }
    }
    printed.sort_by_key(|p| names.iter().position(|name| *name == p.name));
    watch.say(format!(
        "main: all {} tasks have stopped cleanly",
        printed.len()
    ));
    printed
}

/// Completes on Ctrl-C or, with a bound, when the bound is up; says which.
async fn stop_signal(bound: Option<Duration>) -> String {
    let ctrl_c = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C".to_string(),
            Err(e) => {
                eprintln!("cannot listen for Ctrl-C ({e}): stop with --seconds N next time");
                std::future::pending().await
            }
        }
    };
    match bound {
        None => ctrl_c.await,
        Some(bound) => tokio::select! {
            reason = ctrl_c => reason,
            () = tokio::time::sleep(bound) => format!("{} s are up", bound.as_secs_f64()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workshop::testing::within;

    fn secs(s: &[u64]) -> Vec<Duration> {
        s.iter().map(|&s| Duration::from_secs(s)).collect()
    }

    fn between<'a>(lines: &'a [String], from: &str, to: &str) -> &'a [String] {
        let start = lines.iter().position(|l| l.starts_with(from));
        let end = lines.iter().position(|l| l.starts_with(to));
        match (start, end) {
            (Some(start), Some(end)) if start < end => &lines[start..=end],
            _ => panic!("{from:?} then {to:?} not found in {lines:#?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn printers_tick_side_by_side_until_the_bound() {
        within(Duration::from_secs(60), "printers", async {
            let watch = Stopwatch::start();
            let timeline = Timeline::starting_at(watch.origin());
            let bound = tokio::time::sleep(Duration::from_millis(6500));
            let printed = run_printers(watch, &timeline, PRINTERS, async {
                bound.await;
                "bound".to_string()
            })
            .await;

            let ticks: Vec<_> = printed
                .iter()
                .map(|p| (p.name, p.ticks.clone(), p.ended))
                .collect();
            assert_eq!(
                ticks,
                vec![
                    ("every 1s", secs(&[0, 1, 2, 3, 4, 5, 6]), Ended::Stopped),
                    ("every 2s", secs(&[0, 2, 4, 6]), Ended::Stopped),
                    ("every 3s", secs(&[0, 3, 6]), Ended::Finished),
                ]
            );
            // The chart's bars: the two endless printers end at the stop, the third on its own.
            let ends: Vec<_> = timeline
                .spans()
                .iter()
                .map(|s| (s.name.clone(), s.end))
                .collect();
            assert!(
                ends.contains(&("every 1s".into(), Duration::from_millis(6500))),
                "{ends:?}"
            );
            assert!(
                ends.contains(&("every 3s".into(), Duration::from_secs(6))),
                "{ends:?}"
            );
            assert_eq!(watch.elapsed(), Duration::from_millis(6500));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_request_stops_every_task_at_once() {
        within(Duration::from_secs(60), "ctrl-c", async {
            let watch = Stopwatch::start();
            let timeline = Timeline::starting_at(watch.origin());
            // Stands in for Ctrl-C: another task sends the signal at 2.5 s.
            let (ctrl_c, pressed) = tokio::sync::oneshot::channel();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(2500)).await;
                let _ = ctrl_c.send(());
            });
            let printed = run_printers(watch, &timeline, PRINTERS, async {
                let _ = pressed.await;
                "Ctrl-C".to_string()
            })
            .await;

            assert_eq!(printed.len(), 3);
            assert!(
                printed.iter().all(|p| p.ended == Ended::Stopped),
                "{printed:?}"
            );
            assert_eq!(printed[0].ticks, secs(&[0, 1, 2]));
            assert_eq!(printed[2].ticks, secs(&[0]));
            let spans = timeline.spans();
            assert!(
                spans.iter().all(|s| s.end == Duration::from_millis(2500)),
                "{spans:?}"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_bound_ends_the_wait_on_the_virtual_clock() {
        within(Duration::from_secs(60), "stop signal", async {
            let start = Instant::now();
            let reason = stop_signal(Some(Duration::from_secs(7))).await;
            assert_eq!(reason, "7 s are up");
            assert_eq!(start.elapsed(), Duration::from_secs(7));
        })
        .await;
    }

    // Real time (the busy work spins on the CPU), so tiny durations and assertions on order only.
    #[tokio::test]
    async fn a_greedy_task_starves_the_heartbeat() {
        within(Duration::from_secs(10), "greedy", async {
            let lines = share_one_thread(Manners::Greedy, 3, ms(10), ms(2)).await;
            let busy = between(&lines, "busy: start", "busy: chunk 3/3");
            assert!(
                !busy.iter().any(|l| l.starts_with("heartbeat")),
                "the heartbeat ran while the greedy task held the thread: {lines:#?}"
            );
            // The overdue beat comes only afterwards.
            assert!(
                lines.last().is_some_and(|l| l.starts_with("heartbeat")),
                "{lines:#?}"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn yield_now_lets_the_heartbeat_in_between_chunks() {
        within(Duration::from_secs(10), "polite", async {
            let lines = share_one_thread(Manners::Polite, 3, ms(10), ms(2)).await;
            for n in 1..3 {
                let gap = between(
                    &lines,
                    &format!("busy: chunk {n}/3"),
                    &format!("busy: chunk {}/3", n + 1),
                );
                assert!(
                    gap.iter().any(|l| l.starts_with("heartbeat")),
                    "no beat between chunks {n} and {}: {lines:#?}",
                    n + 1
                );
            }
        })
        .await;
    }
}
