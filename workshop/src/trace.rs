//! A trace that several tasks write to: each line is printed with its time stamp and kept, so a
//! lesson can return what happened and its tests can check the order of events.

use std::fmt::Display;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::Stopwatch;

/// A cloneable, shared event log on one [`Stopwatch`]. Clones write into the same log, so a clone
/// can move into each spawned task, blocking closure or hand-written future.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let trace = workshop::Trace::start();
/// let task = tokio::spawn({
///     let trace = trace.clone();
///     async move { trace.say("task: ran") }
/// });
/// tokio::time::sleep(std::time::Duration::from_millis(250)).await;
/// task.await.unwrap();
/// trace.say("main: joined");
/// assert_eq!(trace.lines(), ["[ 0.00s] task: ran", "[ 0.25s] main: joined"]);
/// assert_eq!(trace.messages(), ["task: ran", "main: joined"]);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Trace {
    watch: Stopwatch,
    // A std Mutex, not tokio's: locked for one push or one copy, never across an .await.
    events: Arc<Mutex<Vec<(Duration, String)>>>,
}

impl Default for Trace {
    fn default() -> Self {
        Self::start()
    }
}

impl Trace {
    /// An empty trace whose clock starts now (tokio's clock: virtual under a paused test clock).
    pub fn start() -> Self {
        Self::on(Stopwatch::start())
    }

    /// An empty trace on an existing stopwatch, so its stamps agree with other output.
    pub fn on(watch: Stopwatch) -> Self {
        Self {
            watch,
            events: Arc::default(),
        }
    }

    /// The stopwatch the stamps come from.
    pub fn watch(&self) -> Stopwatch {
        self.watch
    }

    /// Prints `[ 1.50s] message`, keeps it, and returns the printed line.
    pub fn say(&self, message: impl Display) -> String {
        let message = message.to_string();
        let at = self.watch.elapsed();
        let line = self.watch.say(&message);
        self.events().push((at, message));
        line
    }

    /// Keeps `message` without printing it (for events a lesson reports in a summary instead).
    pub fn record(&self, message: impl Display) {
        let at = self.watch.elapsed();
        self.events().push((at, message.to_string()));
    }

    /// Every line as printed, stamp included, in the order they were said.
    pub fn lines(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|(at, message)| format!("[{:5.2}s] {message}", at.as_secs_f64()))
            .collect()
    }

    /// Every message without its stamp, in order: what tests usually compare.
    pub fn messages(&self) -> Vec<String> {
        self.events().iter().map(|(_, m)| m.clone()).collect()
    }

    /// Every message with the time it was said, in order.
    pub fn events_with_time(&self) -> Vec<(Duration, String)> {
        self.events().clone()
    }

    fn events(&self) -> std::sync::MutexGuard<'_, Vec<(Duration, String)>> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::within;

    #[tokio::test(start_paused = true)]
    async fn clones_share_one_log_in_order_with_virtual_stamps() {
        within(Duration::from_secs(5), "trace", async {
            let trace = Trace::start();
            let other = trace.clone();
            trace.say("one");
            tokio::time::sleep(Duration::from_millis(1500)).await;
            other.record("two (not printed)");
            assert_eq!(other.say("three"), "[ 1.50s] three");
            assert_eq!(
                trace.messages(),
                ["one", "two (not printed)", "three"],
                "clones must write into the same log, in order"
            );
            assert_eq!(trace.lines()[0], "[ 0.00s] one");
            assert_eq!(trace.events_with_time()[2].0, Duration::from_millis(1500));
        })
        .await;
    }
}
