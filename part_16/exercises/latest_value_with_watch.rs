//! Exercise (part 16): the latest value with `watch`.
//!
//! A download task publishes its progress (a percentage) on a `tokio::sync::watch` channel, far
//! faster than the screen can show it: one draw takes 250 ms. Write `show_progress`: it waits for
//! a new value, draws the newest one (the values published meanwhile are skipped, never drawn
//! late), and returns once the download task has dropped its sender and the last value has been
//! drawn. The download may stop short of 100 %: the end is the sender going away, not a value.
//!
//! Follows part 16 (`watch`: `changed().await`, then `borrow_and_update()`). Python has no such
//! channel; it mirrors it with a shared value and an `asyncio.Event` (or a `Condition`):
//!
//! ```python
//! while True:
//!     await changed.wait()         # set by the producer after each `state.percent = p`
//!     changed.clear()
//!     await screen.draw(state.percent)
//!     if state.done and not changed.is_set():
//!         break
//! ```
//!
//! The tests (on tokio's paused clock) run `show_progress` against the download below and against
//! publishers of their own (other values, other pauses, faster and slower screens). From what the
//! screen noted, they check that the last value is drawn and the reader then returns at once; that
//! only published values are drawn, each once, going up; that each was the newest at the moment it
//! was drawn; and that a new value is drawn as soon as the screen is free: at once if it was
//! published during the last draw, else the moment it is published.
//!
//! Check it: `cargo exercise check latest_value_with_watch` (or save the file while
//! `make exercise` runs).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, sleep};

/// Draws each new progress value on `screen`, the newest each time, until the sender is gone.
async fn show_progress(mut progress: watch::Receiver<u32>, screen: Screen) {
    // TODO: wait for a value newer than the last one drawn, draw the newest, and so on; return
    // once the sender is gone and its last value drawn.
    todo!("draw the newest progress value, until the sender is gone")
}

/// The slow terminal: a draw takes `takes`. It notes each value drawn, the newest value published
/// at that moment, and when. Leave it as it is.
#[derive(Debug, Clone)]
struct Screen {
    newest: watch::Receiver<u32>,
    takes: Duration,
    drawn: Arc<Mutex<Vec<Drawn>>>,
}

/// One draw, as the screen noted it.
#[derive(Debug, Clone, Copy)]
struct Drawn {
    percent: u32,
    newest: u32,
    at: Instant,
}

impl Screen {
    async fn draw(&self, percent: u32) {
        let newest = *self.newest.borrow();
        let at = Instant::now();
        self.drawn.lock().unwrap().push(Drawn {
            percent,
            newest,
            at,
        });
        sleep(self.takes).await;
    }
}

/// The download: 1 % every 10 ms up to 50 %, a 1 s stall, then on until it gives up at 73 %
/// and drops the sender. Leave it as it is.
async fn download(progress: watch::Sender<u32>) {
    for percent in 1..=73 {
        if percent == 51 {
            sleep(Duration::from_secs(1)).await;
        }
        sleep(Duration::from_millis(10)).await;
        progress.send_replace(percent); // never waits: the new value replaces the old one
    }
}

/// Runs the download and `show_progress` on a screen that takes 250 ms a draw; returns what the
/// screen noted.
async fn run() -> Vec<Drawn> {
    let (tx, rx) = watch::channel(0);
    let screen = Screen {
        newest: rx.clone(),
        takes: Duration::from_millis(250),
        drawn: Arc::default(),
    };
    let reader = tokio::spawn(show_progress(rx, screen.clone()));
    download(tx).await; // the sender is dropped at its end
    reader.await.expect("show_progress panicked");
    screen.drawn.lock().unwrap().clone()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let start = Instant::now();
    let drawn = run().await;
    for Drawn { percent, at, .. } in &drawn {
        let bar = "#".repeat(*percent as usize / 4);
        println!("{:>5} ms [{percent:>3}%] {bar}", (*at - start).as_millis());
    }
    println!("drew {} of 73 values", drawn.len());
}

// The tests `cargo exercise check` runs: part_16/checks/latest_value_with_watch.rs.
#[cfg(test)]
#[path = "../checks/latest_value_with_watch.rs"]
mod checks;
