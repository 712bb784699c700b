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
//! The tests (on tokio's paused clock) check the last value is drawn and the reader then
//! returns, that the values drawn only go up (no repeats), and that each was the newest at the
//! moment it was drawn.
//!
//! Check it: `cargo exercise check latest_value_with_watch` (or save the file while
//! `make exercise` runs).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::sleep;

/// Draws each new progress value on `screen`, the newest each time, until the sender is gone.
async fn show_progress(mut progress: watch::Receiver<u32>, screen: Screen) {
    // TODO: wait for a value newer than the last one drawn, draw the newest, and so on; return
    // once the sender is gone and its last value drawn.
    todo!("draw the newest progress value, until the sender is gone")
}

/// The slow terminal: a draw takes 250 ms. It notes each value drawn next to the newest value
/// published at that moment. Leave it as it is.
#[derive(Debug, Clone)]
struct Screen {
    newest: watch::Receiver<u32>,
    drawn: Arc<Mutex<Vec<(u32, u32)>>>,
}

impl Screen {
    async fn draw(&self, percent: u32) {
        let newest = *self.newest.borrow();
        self.drawn.lock().unwrap().push((percent, newest));
        println!("[{percent:>3}%] {}", "#".repeat(percent as usize / 4));
        sleep(Duration::from_millis(250)).await;
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

/// Runs the download and `show_progress`; returns the (drawn, newest) pairs the screen noted.
async fn run() -> Vec<(u32, u32)> {
    let (tx, rx) = watch::channel(0);
    let screen = Screen {
        newest: rx.clone(),
        drawn: Arc::default(),
    };
    let reader = tokio::spawn(show_progress(rx, screen.clone()));
    download(tx).await; // the sender is dropped at its end
    reader.await.expect("show_progress panicked");
    screen.drawn.lock().unwrap().clone()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let drawn = run().await;
    println!("drew {} of 73 values", drawn.len());
}

// The tests `cargo exercise check` runs: part_16/checks/latest_value_with_watch.rs.
#[cfg(test)]
#[path = "../checks/latest_value_with_watch.rs"]
mod checks;
