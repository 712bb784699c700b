//! Part 10: spawning tasks that run side by side (Python: `asyncio.create_task`).
//!
//! On one thread, tasks take turns: a turn is one `poll`, which ends at an `.await` that returns
//! `Pending`. A task that never awaits starves the others; `yield_now()` hands the thread back. Then
//! three printers tick every 1, 2 and 3 s until Ctrl-C (or `--seconds`), when each is asked to stop
//! and the program waits for all. Last, tasks that outlive their spawner (`TaskTracker`).
//!
//! ```sh
//! make part_10                            # until Ctrl-C
//! cargo run -p part_10 -- --seconds 7     # a bounded run
//! make console                            # watched by tokio-console (README)
//! ```

use std::time::Duration;

use clap::Parser;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use workshop::{Stopwatch, Timeline, Trace, timeline::Span, timeline::render};
mod console; // `--console`: tokio-console's view of these tasks

#[derive(Debug, Parser)]
#[command(about = "Three printers side by side, until Ctrl-C or --seconds")]
struct Args {
    /// Stop the printers after this many seconds instead of waiting for Ctrl-C.
    #[arg(long)]
    seconds: Option<u64>,
    #[command(flatten)]
    console: console::Console,
}

// One thread, like Python's event loop: every task here takes turns on it.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    workshop::banner!();
    args.console.serve_if_asked().await; // `--console`: tokio-console watches (README)

    section("1. A task that never awaits keeps the thread to itself");
    let (_, greedy) = take_turns(Manners::Greedy, 5, ms(200), ms(100)).await;
    print_turns(&greedy);

    section("2. The same work with yield_now() between chunks (Python: await asyncio.sleep(0))");
    let (_, polite) = take_turns(Manners::Polite, 5, ms(200), ms(100)).await;
    print_turns(&polite);

    section("3. Three printers side by side (Python: create_task ×3 in a TaskGroup)");
    let bound = args.seconds.map(Duration::from_secs);
    if bound.is_none() {
        println!("(running until Ctrl-C; `--seconds N` for a bounded run)\n");
    }
    run_printers(Stopwatch::start(), &PRINTERS, stop_signal(bound)).await;

    section("4. Tasks that outlive their spawner (TaskTracker: close, then wait)");
    outliving_tasks(&[3, 1, 2].map(Duration::from_secs)).await;
}

fn section(title: &str) {
    println!("\n── {title}\n");
}

fn print_turns(turns: &[Span]) {
    println!("\nWho held the thread when (one row per poll: a turn):\n");
    print!("{}", render(turns, 60));
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

// ── 1 and 2: taking turns ───────────────────────────────────────────────────────────────────────

/// How the busy task treats the thread it shares: Greedy never reaches an `.await` until it is
/// done, Polite yields after every chunk of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manners {
    Greedy,
    Polite,
}

/// Runs `fut`, recording one span per `poll`: when the task actually held the thread. A task runs
/// only inside a poll; a poll ends where an `.await` returns `Pending`, and the thread is free.
async fn turns<F: Future>(polls: Timeline, name: &'static str, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        let start = Instant::now();
        let poll = fut.as_mut().poll(cx);
        polls.record(name, start, Instant::now());
        poll
    })
    .await
}

/// A heartbeat task that wants to run every `beat`, and a busy task doing `chunks` chunks of CPU
/// work of `chunk` each, on one thread. Returns the trace, and one span per poll of each task.
///
/// Greedy: the heartbeat is silent until the busy task ends, then one very late beat. Polite: one
/// beat between chunks, late by up to a chunk: `yield_now` only helps as often as it is called.
async fn take_turns(
    manners: Manners,
    chunks: u32,
    chunk: Duration,
    beat: Duration,
) -> (Vec<String>, Vec<Span>) {
    let trace = Trace::start();
    let polls = Timeline::starting_at(trace.watch().origin());
    let stop = CancellationToken::new();
    let heartbeat = heartbeat(trace.clone(), beat, stop.clone());
    let heartbeat = tokio::spawn(turns(polls.clone(), "heartbeat", heartbeat));
    let busy = busy_work(trace.clone(), manners, chunks, chunk);
    let busy = tokio::spawn(turns(polls.clone(), "busy", busy));
    busy.await.expect("the busy task panicked");
    stop.cancel();
    heartbeat.await.expect("the heartbeat task panicked");
    (trace.messages(), polls.spans())
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
    ticks: Option<usize>, // None: until told to stop
}

const PRINTERS: [Printer; 3] = [
    Printer::new("every 1s", 1, None),
    Printer::new("every 2s", 2, None),
    Printer::new("every 3s", 3, Some(3)),
];

impl Printer {
    const fn new(name: &'static str, every_secs: u64, ticks: Option<usize>) -> Self {
        Self {
            name,
            period: Duration::from_secs(every_secs),
            ticks,
        }
    }
}

/// What one printer did: when it ticked (since the start); asked to stop, or did all its ticks.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Printed {
    name: &'static str,
    ticks: Vec<Duration>,
    stopped: bool,
}

async fn printer(watch: Stopwatch, spec: Printer, stop: CancellationToken) -> Printed {
    // An interval keeps to its schedule (a `sleep` loop drifts by the time each round takes); its
    // first tick is immediate, like Python's `while True: print(...); await asyncio.sleep(period)`.
    let mut interval = tokio::time::interval(spec.period);
    let (name, mut ticks) = (spec.name, Vec::new());
    loop {
        tokio::select! {
            // Check the stop first: once asked, no further tick slips out.
            biased;
            () = stop.cancelled() => {
                watch.say(format!("{name}: asked to stop after {} ticks, stopping", ticks.len()));
                return Printed { name, ticks, stopped: true };
            }
            _ = interval.tick() => {}
        }
        ticks.push(watch.elapsed());
        watch.say(format!("{name}: tick {}", ticks.len()));
        if Some(ticks.len()) == spec.ticks {
            watch.say(format!("{name}: done, the task ends"));
            return Printed {
                name,
                ticks,
                stopped: false,
            };
        }
    }
}

/// Spawns one task per printer, waits for `stop_when`, asks every task to stop and waits until all
/// have. Returns what each printer did, in the order of `printers`.
async fn run_printers(
    watch: Stopwatch,
    printers: &[Printer],
    stop_when: impl Future<Output = String>,
) -> Vec<Printed> {
    let stop = CancellationToken::new();
    // A JoinSet owns its tasks: dropping it aborts them, so none can outlive this function unseen.
    let mut tasks = JoinSet::new();
    for &spec in printers {
        // Python: `tg.create_task(printer(...))`. The task is queued now and first runs when this
        // one reaches an .await. It owns what it uses: it may outlive this stack frame.
        tasks.spawn(printer(watch, spec, stop.clone()));
    }
    let n = tasks.len();
    watch.say(format!(
        "main: {n} printers spawned, waiting for the stop signal"
    ));

    let reason = stop_when.await;
    watch.say(format!("main: {reason}: asking every task to stop"));
    // Cooperative: each task sees the signal at its next .await and returns what it has. (Python's
    // task.cancel() raises CancelledError in the task; Rust's abort() would just drop it there.)
    stop.cancel();
    // Waits for every task; a task that panicked re-raises its panic here, like a TaskGroup.
    let mut printed = tasks.join_all().await;
    printed.sort_by_key(|p| printers.iter().position(|spec| spec.name == p.name));
    watch.say(format!("main: all {} tasks have stopped", printed.len()));
    printed
}

/// Completes on Ctrl-C or, with a bound, when the bound is up; says which.
async fn stop_signal(bound: Option<Duration>) -> String {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("cannot listen for Ctrl-C ({e}): stop with --seconds N next time");
            std::future::pending::<()>().await;
        }
        "Ctrl-C".to_string()
    };
    match bound {
        None => ctrl_c.await,
        Some(bound) => tokio::select! {
            reason = ctrl_c => reason,
            () = tokio::time::sleep(bound) => format!("{} s are up", bound.as_secs_f64()),
        },
    }
}

// ── 4: tasks that outlive their spawner ─────────────────────────────────────────────────────────

/// Answers at once and leaves slower work behind, spawned on the tracker: it outlives this function.
/// (Python: `background.add(asyncio.create_task(job()))`: the loop keeps only weak references.)
async fn handle(trace: Trace, tracker: TaskTracker, request: u32, job: Duration) {
    let log = trace.clone();
    tracker.spawn(async move {
        tokio::time::sleep(job).await;
        log.say(format!("request {request}: audit record written"));
    });
    trace.say(format!("request {request}: answered"));
}

/// One request per job, then shutdown, which waits for every job left behind. Returns the trace.
async fn outliving_tasks(jobs: &[Duration]) -> Vec<(Duration, String)> {
    let trace = Trace::start();
    // Unlike a JoinSet, a TaskTracker keeps no outputs and does not abort its tasks when dropped:
    // it only counts them, so that shutdown can wait.
    let tracker = TaskTracker::new();
    for (request, &job) in (1..).zip(jobs) {
        handle(trace.clone(), tracker.clone(), request, job).await;
    }
    trace.say("main: every handler has returned; close the tracker and wait");
    tracker.close(); // wait() returns once the tracker is closed *and* empty
    tracker.wait().await; // Python: `await asyncio.gather(*background)`
    trace.say("main: all background work is done, shutting down");
    trace.events_with_time()
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
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

    /// The polls of `name`, in the order they started.
    fn polls_of<'a>(turns: &'a [Span], name: &str) -> Vec<&'a Span> {
        let mut polls: Vec<_> = turns.iter().filter(|s| s.name == name).collect();
        polls.sort_by_key(|s| s.start);
        polls
    }

    #[tokio::test(start_paused = true)]
    async fn printers_tick_side_by_side_until_the_bound() {
        within(Duration::from_secs(60), "printers", async {
            let watch = Stopwatch::start();
            let bound = tokio::time::sleep(Duration::from_millis(6500));
            let printed = run_printers(watch, &PRINTERS, async {
                bound.await;
                "bound".to_string()
            })
            .await;

            let ticks: Vec<_> = printed
                .iter()
                .map(|p| (p.name, p.ticks.clone(), p.stopped))
                .collect();
            assert_eq!(
                ticks,
                vec![
                    ("every 1s", secs(&[0, 1, 2, 3, 4, 5, 6]), true),
                    ("every 2s", secs(&[0, 2, 4, 6]), true),
                    ("every 3s", secs(&[0, 3, 6]), false),
                ]
            );
            // run_printers returned as soon as the stop was asked: every task stopped at once.
            assert_eq!(watch.elapsed(), Duration::from_millis(6500));
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_request_stops_every_task_at_once() {
        within(Duration::from_secs(60), "ctrl-c", async {
            let watch = Stopwatch::start();
            // Stands in for Ctrl-C: another task sends the signal at 2.5 s.
            let (ctrl_c, pressed) = tokio::sync::oneshot::channel();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(2500)).await;
                let _ = ctrl_c.send(());
            });
            let printed = run_printers(watch, &PRINTERS, async {
                let _ = pressed.await;
                "Ctrl-C".to_string()
            })
            .await;

            assert_eq!(printed.len(), 3);
            assert!(printed.iter().all(|p| p.stopped), "{printed:?}");
            assert_eq!(printed[0].ticks, secs(&[0, 1, 2]));
            assert_eq!(printed[2].ticks, secs(&[0]));
            assert_eq!(watch.elapsed(), Duration::from_millis(2500));
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
            let (lines, turns) = take_turns(Manners::Greedy, 3, ms(10), ms(2)).await;
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
            // The chart: one single turn for all three chunks, the heartbeat's turns around it.
            let busy = polls_of(&turns, "busy");
            assert_eq!(busy.len(), 1, "{turns:#?}");
            assert!(busy[0].end - busy[0].start >= ms(30), "{turns:#?}");
            let beats = polls_of(&turns, "heartbeat");
            assert!(
                beats
                    .iter()
                    .all(|b| b.end <= busy[0].start || b.start >= busy[0].end),
                "{turns:#?}"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn yield_now_lets_the_heartbeat_in_between_chunks() {
        within(Duration::from_secs(10), "polite", async {
            let (lines, turns) = take_turns(Manners::Polite, 3, ms(10), ms(2)).await;
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
            // The chart: a turn per chunk (the last yield adds a fourth, empty one), and a
            // heartbeat turn between each two.
            let busy = polls_of(&turns, "busy");
            assert_eq!(busy.len(), 4, "{turns:#?}");
            for pair in busy.windows(2) {
                assert!(
                    polls_of(&turns, "heartbeat")
                        .iter()
                        .any(|b| b.start >= pair[0].end && b.end <= pair[1].start),
                    "no heartbeat turn between {pair:?}: {turns:#?}"
                );
            }
        })
        .await;
    }

    /// A greedy task that holds its thread, with no `.await`, until another task has had a turn
    /// (or `give_up` has passed), and that other task, spawned once the greedy one is running.
    /// Returns their turns: greedy's, then the other's. Real time: the greedy one spins.
    async fn greedy_and_another(give_up: Duration) -> (Span, Span) {
        let polls = Timeline::starting_at(Instant::now());
        let other_ran = Arc::new(AtomicBool::new(false));
        let (started, running) = tokio::sync::oneshot::channel();
        let greedy = tokio::spawn(turns(polls.clone(), "greedy", {
            let other_ran = Arc::clone(&other_ran);
            async move {
                let _ = started.send(());
                let until = std::time::Instant::now() + give_up;
                while !other_ran.load(Ordering::SeqCst) && std::time::Instant::now() < until {
                    std::hint::spin_loop();
                }
            }
        }));
        running.await.expect("the greedy task started");
        let other = turns(polls.clone(), "other", async move {
            other_ran.store(true, Ordering::SeqCst);
        });
        let (greedy, other) = tokio::join!(greedy, tokio::spawn(other));
        greedy.and(other).expect("neither task panics");
        let spans = polls.spans();
        let (greedy, other) = (polls_of(&spans, "greedy"), polls_of(&spans, "other"));
        assert_eq!((greedy.len(), other.len()), (1, 1), "one turn each");
        (greedy[0].clone(), other[0].clone())
    }

    // One thread: whoever holds it, the others wait. The other task's turn comes only after the
    // greedy one has given up...
    #[tokio::test]
    async fn on_one_thread_a_turn_waits_for_the_one_before_it() {
        within(Duration::from_secs(10), "one thread", async {
            let (greedy, other) = greedy_and_another(ms(50)).await;
            assert!(other.start >= greedy.end, "overlap: {greedy:?} {other:?}");
        })
        .await;
    }

    // ...while on two workers it runs beside it, inside the greedy turn (section 1's chart with
    // `#[tokio::main]`). The same measurement: what keeps turns apart is the one thread. (The other
    // turn starts inside the greedy one; its end is not compared: the greedy task stops spinning
    // the moment the flag is set, and may note its end a microsecond before the other notes its.)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_two_workers_turns_overlap() {
        within(Duration::from_secs(30), "two workers", async {
            let (greedy, other) = greedy_and_another(Duration::from_secs(20)).await;
            assert!(
                greedy.start <= other.start && other.start < greedy.end,
                "no overlap: {greedy:?} {other:?}"
            );
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_tracker_waits_for_tasks_that_outlived_their_spawner() {
        within(Duration::from_secs(60), "tracker", async {
            let trace = outliving_tasks(&secs(&[3, 1, 2])).await;
            let at = |prefix: &str| {
                let found = trace.iter().find(|(_, m)| m.starts_with(prefix));
                found
                    .unwrap_or_else(|| panic!("{prefix:?} not in {trace:#?}"))
                    .0
            };
            // Every handler returned at once, before any of its jobs was done...
            for request in 1..=3 {
                assert_eq!(at(&format!("request {request}: answered")), Duration::ZERO);
            }
            let messages: Vec<_> = trace.iter().map(|(_, m)| m.as_str()).collect();
            let returned = messages
                .iter()
                .position(|m| m.starts_with("main: every handler"));
            assert_eq!(returned, Some(3), "{messages:#?}");
            // ...the jobs finished on their own time...
            assert_eq!(at("request 2: audit"), Duration::from_secs(1));
            assert_eq!(at("request 3: audit"), Duration::from_secs(2));
            assert_eq!(at("request 1: audit"), Duration::from_secs(3));
            // ...and the shutdown waited for the last one.
            assert_eq!(
                messages.last(),
                Some(&"main: all background work is done, shutting down")
            );
            assert_eq!(at("main: all background work"), Duration::from_secs(3));
        })
        .await;
    }

    #[test]
    fn the_console_flag_defaults_to_tokio_consoles_own_address() {
        let addr = |args: &[&str]| {
            let args = Args::try_parse_from([&["part_10"], args].concat()).expect("parses");
            args.console.addr.map(|a| a.to_string())
        };
        assert_eq!(addr(&[]), None);
        let default = Some("127.0.0.1:6669".to_string());
        assert_eq!(addr(&["--console"]), default);
        let then_seconds = addr(&["--console", "--seconds", "3"]);
        assert_eq!(
            then_seconds, default,
            "--seconds is not the console's address"
        );
        let given = Some("127.0.0.1:7000".to_string());
        assert_eq!(addr(&["--console", "127.0.0.1:7000"]), given);
        assert_eq!(addr(&["--console=127.0.0.1:7000"]), given);
    }

    // The console build only (`make test` runs it there: see the Makefile). `--console ADDR`
    // starts tokio-console's gRPC server, and it accepts connections on ADDR: the port
    // `tokio-console` connects to. A free port, so that a console already on 6669 is no matter.
    #[cfg(feature = "console")]
    #[tokio::test]
    async fn the_console_server_listens_when_asked() {
        use tokio::net::TcpStream;
        within(Duration::from_secs(30), "tokio-console's server", async {
            let free = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            let port = free.local_addr().expect("its address").port();
            drop(free);
            let asked = format!("--console=127.0.0.1:{port}");
            let args = Args::try_parse_from(["part_10", &asked]).expect("parses");
            let addr = args.console.addr.expect("--console gives an address");
            let refused = TcpStream::connect(addr).await;
            assert!(
                refused.is_err(),
                "{addr} was taken before the console started"
            );

            console::serve(addr);
            // The server binds on a thread of its own, a moment later: ask until it answers.
            let answers = async {
                while TcpStream::connect(addr).await.is_err() {
                    tokio::time::sleep(ms(10)).await;
                }
            };
            let waited = tokio::time::timeout(Duration::from_secs(10), answers).await;
            assert!(
                waited.is_ok(),
                "nothing listens on {addr} 10 s after --console: the console's server did not start"
            );
        })
        .await;
    }
}
