//! The checks of `latest_value_with_watch`: `cargo exercise check latest_value_with_watch` runs
//! them against part_16/exercises/latest_value_with_watch.rs. Edit that file, not this one: the
//! runner counts these tests, and one changed, ignored or missing is not a pass (`r` in `make
//! exercise` puts them back).

use super::*;
use workshop::testing::within;

const HANG: &str = "show_progress (it must return once the sender is dropped and its last \
                    value drawn)";

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// A publisher of the tests' own: for each step, waits its pause, then publishes its value; drops
/// the sender `then` after the last. The screen takes `takes` a draw.
#[derive(Debug, Clone)]
struct Schedule {
    name: &'static str,
    steps: Vec<(u64, u32)>,
    then: u64,
    takes: u64,
}

fn schedules() -> Vec<Schedule> {
    let mut download: Vec<(u64, u32)> = (1..=73).map(|percent| (10, percent)).collect();
    download[50].0 = 1010; // the stall before 51 %
    vec![
        Schedule {
            name: "the exercise's download (1 % every 10 ms, a 1 s stall at 50 %), 250 ms a draw",
            steps: download,
            then: 0,
            takes: 250,
        },
        Schedule {
            name: "a publisher with uneven pauses, 90 ms a draw",
            steps: vec![
                (13, 3),
                (170, 9),
                (5, 10),
                (333, 42),
                (27, 57),
                (410, 58),
                (61, 90),
            ],
            then: 200,
            takes: 90,
        },
        Schedule {
            name: "a publisher of 1 % every 25 ms, 40 ms a draw",
            steps: (1..=20).map(|percent| (25, percent)).collect(),
            then: 7,
            takes: 40,
        },
    ]
}

/// What a run against one schedule did, in ms since its start.
#[derive(Debug)]
struct Seen {
    /// What the screen noted: (value drawn, newest value then, when).
    drawn: Vec<(u32, u32, u128)>,
    /// When each value was published.
    published: Vec<(u128, u32)>,
    /// When the sender was dropped, and when `show_progress` returned.
    closed: u128,
    returned: u128,
    takes: u128,
}

impl Seen {
    fn values(&self) -> Vec<u32> {
        self.drawn.iter().map(|&(percent, _, _)| percent).collect()
    }
}

async fn watch_with(schedule: &Schedule) -> Seen {
    let (tx, rx) = watch::channel(0);
    let screen = Screen {
        newest: rx.clone(),
        takes: ms(schedule.takes),
        drawn: Arc::default(),
    };
    let start = Instant::now();
    let reader = tokio::spawn({
        let screen = screen.clone();
        async move {
            show_progress(rx, screen).await;
            start.elapsed().as_millis()
        }
    });
    let mut published = Vec::new();
    for &(pause, percent) in &schedule.steps {
        sleep(ms(pause)).await;
        tx.send_replace(percent);
        published.push((start.elapsed().as_millis(), percent));
    }
    sleep(ms(schedule.then)).await;
    drop(tx);
    let closed = start.elapsed().as_millis();
    let returned = reader.await.expect("show_progress panicked");
    let drawn = screen
        .drawn
        .lock()
        .unwrap()
        .iter()
        .map(|d| (d.percent, d.newest, (d.at - start).as_millis()))
        .collect();
    Seen {
        drawn,
        published,
        closed,
        returned,
        takes: u128::from(schedule.takes),
    }
}

#[tokio::test(start_paused = true)]
async fn the_last_value_is_drawn_then_the_reader_returns() {
    within(Duration::from_secs(60), HANG, async {
        let drawn: Vec<u32> = run().await.iter().map(|d| d.percent).collect();
        assert_eq!(
            drawn.last(),
            Some(&73),
            "the download stopped at 73 %, but the screen showed {drawn:?}: a value sent just \
             before the sender is dropped must still be drawn"
        );
        for schedule in schedules() {
            let seen = watch_with(&schedule).await;
            let values = seen.values();
            let last = seen.published.last().map(|&(_, percent)| percent);
            assert_eq!(
                values.last().copied(),
                last,
                "with {}, the last value published was {last:?} %, but the screen showed \
                 {values:?}: a value sent just before the sender is dropped must still be drawn \
                 (changed() answers Ok for it, then Err)",
                schedule.name
            );
            let free = seen.drawn.last().map_or(0, |&(_, _, at)| at + seen.takes);
            let due = seen.closed.max(free);
            assert_eq!(
                seen.returned, due,
                "with {}, show_progress returned at {} ms; the sender was gone at {} ms and the \
                 last draw over at {free} ms, so it is done at {due} ms: return then (changed() \
                 answers Err at once), not after a sleep or a look at a clock",
                schedule.name, seen.returned, seen.closed
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn only_published_values_are_drawn_each_once_going_up() {
    within(Duration::from_secs(60), HANG, async {
        for schedule in schedules() {
            let seen = watch_with(&schedule).await;
            let values = seen.values();
            for &percent in &values {
                assert!(
                    seen.published.iter().any(|&(_, p)| p == percent),
                    "with {}, the screen drew {percent} %, a value nobody published (all: \
                     {values:?}): the channel starts with 0, and the reader must wait for a new \
                     value (changed()) before its first draw",
                    schedule.name
                );
            }
            for pair in values.windows(2) {
                assert!(
                    pair[0] < pair[1],
                    "with {}, the screen showed {} then {} (all: {values:?}): draw a value only \
                     when a newer one came (wait for it with changed(), and mark it seen with \
                     borrow_and_update)",
                    schedule.name,
                    pair[0],
                    pair[1]
                );
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn each_value_drawn_was_the_newest() {
    within(Duration::from_secs(60), HANG, async {
        for schedule in schedules() {
            for (percent, newest, at) in watch_with(&schedule).await.drawn {
                assert_eq!(
                    percent, newest,
                    "with {}, the screen drew {percent} % at {at} ms, while {newest} % was \
                     already published: a backlog of every value, drawn in order (a queue, as \
                     mpsc or broadcast would give), draws old values late; watch keeps only the \
                     newest: read it (borrow_and_update) right before drawing",
                    schedule.name
                );
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_new_value_is_drawn_as_soon_as_the_screen_is_free() {
    within(Duration::from_secs(60), HANG, async {
        for schedule in schedules() {
            let seen = watch_with(&schedule).await;
            // Free from the start, with nothing new drawn yet (the 0 the channel starts with).
            let (mut free, mut shown) = (0, 0);
            for &(percent, _, at) in &seen.drawn {
                let newer = seen.published.iter().find(|&&(_, p)| p > shown);
                let (Some(&(published, next)), true) = (newer, percent > shown) else {
                    break; // a value not published, or not newer: the other tests say so
                };
                let due = free.max(published);
                assert_eq!(
                    at,
                    due,
                    "with {}, {percent} % was drawn at {at} ms; the screen was free from {free} \
                     ms, and {next} % (newer than what it showed) was published at {published} \
                     ms{}: draw at {due} ms. changed().await wakes the reader the moment a value \
                     is sent; a reader that polls with sleeps comes late",
                    schedule.name,
                    if published > free {
                        ", while the screen was idle"
                    } else {
                        ", during the last draw"
                    }
                );
                free = at + seen.takes;
                shown = percent;
            }
        }
    })
    .await;
}
