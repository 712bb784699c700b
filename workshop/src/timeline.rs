//! Which task ran when: spans on tokio's clock, drawn as an ASCII Gantt chart.
//!
//! ```text
//! 0s        1s        2s        3s        4s
//! |---------|---------|---------|---------|
//! sleep 0  ▏                                         0.00s → 0.00s
//! sleep 1  ██████████                                0.00s → 1.00s
//! ```
//!
//! The concurrency lessons wrap each task in [`Timeline::track`] and print [`Timeline::render`] at
//! the end: overlapping bars mean the tasks ran side by side, a staircase means one after another.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// One task's span, measured from the timeline's origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub name: String,
    pub start: Duration,
    pub end: Duration,
}

/// A shared, cloneable recorder of spans. Clones record into the same chart, so a clone can move
/// into each spawned task or blocking closure.
#[derive(Debug, Clone)]
pub struct Timeline {
    origin: Instant,
    // A std Mutex, not tokio's: it is locked only for a push or a copy, never across an .await.
    spans: Arc<Mutex<Vec<Span>>>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new()
    }
}

impl Timeline {
    /// A timeline whose origin is now (tokio's clock).
    pub fn new() -> Self {
        Self::starting_at(Instant::now())
    }

    /// A timeline with a given origin, e.g. a [`crate::Stopwatch`]'s, so stamps and chart agree.
    pub fn starting_at(origin: Instant) -> Self {
        Self {
            origin,
            spans: Arc::default(),
        }
    }

    /// Runs `fut` and records its span from the first poll to completion.
    pub async fn track<F: Future>(&self, name: impl Into<String>, fut: F) -> F::Output {
        let start = Instant::now();
        let output = fut.await;
        self.record(name, start, Instant::now());
        output
    }

    /// Records a span measured elsewhere (a thread, a blocking closure).
    pub fn record(&self, name: impl Into<String>, start: Instant, end: Instant) {
        let span = Span {
            name: name.into(),
            start: start.saturating_duration_since(self.origin),
            end: end.saturating_duration_since(self.origin),
        };
        self.lock().push(span);
    }

    /// The spans recorded so far, in the order they finished.
    pub fn spans(&self) -> Vec<Span> {
        self.lock().clone()
    }

    /// The end of the last span: the total time the chart covers.
    pub fn total(&self) -> Duration {
        self.lock().iter().map(|s| s.end).max().unwrap_or_default()
    }

    /// Renders the chart with `width` columns of bar, spans sorted by start time then name.
    ///
    /// Each column covers `total / width`; a span fills every column it overlaps, and a span too
    /// short to fill one still shows a thin mark, so no task is invisible.
    pub fn render(&self, width: usize) -> String {
        render(&self.spans(), width)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Span>> {
        // A panic elsewhere while pushing cannot leave a Vec half-written: recover the data.
        self.spans.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Renders spans as a chart (see [`Timeline::render`]).
pub fn render(spans: &[Span], width: usize) -> String {
    let width = width.max(10);
    let mut spans = spans.to_vec();
    spans.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.name.cmp(&b.name)));
    let total = spans.iter().map(|s| s.end).max().unwrap_or_default();
    if spans.is_empty() {
        return "(no spans recorded)\n".to_string();
    }
    let label_width = spans
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let total_secs = total.as_secs_f64();
    let column = |t: Duration| -> usize {
        if total_secs == 0.0 {
            return 0;
        }
        ((t.as_secs_f64() / total_secs) * width as f64).round() as usize
    };

    let mut out = String::new();
    // Axis: a tick every 10 columns, labelled with the time at that column.
    let mut labels = String::new();
    let mut ruler = String::new();
    for col in 0..=width {
        if col % 10 == 0 {
            ruler.push('|');
            let t = total_secs * col as f64 / width as f64;
            let label = format!("{t:.1}s");
            if labels.chars().count() <= col {
                while labels.chars().count() < col {
                    labels.push(' ');
                }
                labels.push_str(&label);
            }
        } else {
            ruler.push('-');
        }
    }
    let pad = " ".repeat(label_width + 1);
    out.push_str(&format!("{pad}{}\n{pad}{ruler}\n", labels.trim_end()));

    for span in &spans {
        let from = column(span.start).min(width);
        let to = column(span.end).clamp(from, width);
        let mut bar = " ".repeat(from);
        if to > from {
            bar.push_str(&"█".repeat(to - from));
        } else {
            bar.push('▏');
        }
        let bar_len = bar.chars().count();
        bar.push_str(&" ".repeat((width + 1).saturating_sub(bar_len)));
        out.push_str(&format!(
            "{:<label_width$} {bar} {:.2}s → {:.2}s\n",
            span.name,
            span.start.as_secs_f64(),
            span.end.as_secs_f64(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::within;

    fn span(name: &str, start_ms: u64, end_ms: u64) -> Span {
        Span {
            name: name.into(),
            start: Duration::from_millis(start_ms),
            end: Duration::from_millis(end_ms),
        }
    }

    #[test]
    fn renders_overlapping_spans_as_parallel_bars() {
        let chart = render(
            &[
                span("b", 0, 2000),
                span("a", 0, 1000),
                span("c", 1000, 2000),
            ],
            10,
        );
        let expected = [
            "     0.0s      2.0s",
            "     |---------|",
            "a    █████       0.00s → 1.00s",
            "b    ██████████  0.00s → 2.00s",
            "c         █████  1.00s → 2.00s",
            "",
        ]
        .join("\n");
        assert_eq!(chart, expected, "\n{chart}");
    }

    #[test]
    fn a_zero_length_span_still_shows_a_mark() {
        let chart = render(&[span("instant", 0, 0), span("long", 0, 4000)], 20);
        let instant_row = chart.lines().find(|l| l.starts_with("instant")).unwrap();
        assert!(instant_row.contains('▏'), "{chart}");
        assert!(instant_row.ends_with("0.00s → 0.00s"), "{chart}");
        let long_row = chart.lines().find(|l| l.starts_with("long")).unwrap();
        assert_eq!(long_row.matches('█').count(), 20, "{chart}");
    }

    #[test]
    fn sequential_spans_form_a_staircase() {
        let spans: Vec<Span> = (0..4)
            .map(|i| span(&format!("t{i}"), i * 1000, (i + 1) * 1000))
            .collect();
        let chart = render(&spans, 40);
        let starts: Vec<usize> = chart
            .lines()
            .filter(|l| l.starts_with('t'))
            .map(|l| l.chars().position(|c| c == '█').unwrap())
            .collect();
        assert_eq!(starts, vec![5, 15, 25, 35], "{chart}");
    }

    #[test]
    fn empty_timeline_says_so() {
        assert_eq!(Timeline::new().render(40), "(no spans recorded)\n");
    }

    #[tokio::test(start_paused = true)]
    async fn track_records_spans_on_the_paused_clock() {
        within(Duration::from_secs(10), "timeline", async {
            let timeline = Timeline::new();
            let sleeper = |name: &'static str, ms: u64| {
                let timeline = timeline.clone();
                async move {
                    timeline
                        .track(name, tokio::time::sleep(Duration::from_millis(ms)))
                        .await
                }
            };
            tokio::join!(sleeper("one", 1000), sleeper("three", 3000));
            timeline
                .track("after", tokio::time::sleep(Duration::from_millis(500)))
                .await;
            assert_eq!(
                timeline.spans(),
                vec![
                    span("one", 0, 1000),
                    span("three", 0, 3000),
                    span("after", 3000, 3500)
                ]
            );
            assert_eq!(timeline.total(), Duration::from_millis(3500));
        })
        .await;
    }
}
