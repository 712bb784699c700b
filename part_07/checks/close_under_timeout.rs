//! The checks of `close_under_timeout`: `cargo exercise check close_under_timeout` runs them
//! against part_07/exercises/close_under_timeout.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

use super::*;
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(30);
const ONE_SECOND: Duration = Duration::from_secs(1);

fn count(lines: &[String], needle: &str) -> usize {
    lines.iter().filter(|line| line.ends_with(needle)).count()
}

/// Open, then whatever the body said, then the close, once, with no fallback record.
fn assert_closed_once(lines: &[String], after: &str) {
    assert!(
        count(lines, "closed") == 1 && count(lines, "close start") == 1,
        "after {after}, the connection was not closed once: await conn.close() after the body \
         on every path. What happened: {lines:#?}"
    );
    assert_eq!(
        count(lines, "dropped without close()"),
        0,
        "after {after}, the connection was closed, yet Drop recorded it as dropped without \
         close(): record that only when `self.closed` is false. What happened: {lines:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn closes_after_a_success_and_hands_back_the_value() {
    within(LIMIT, "with_connection, a body that succeeds", async {
        let trace = Trace::start();
        let result = with_connection(&trace, ONE_SECOND, async |conn: &Connection| {
            Ok(conn.query("SELECT 1", Duration::from_millis(100)).await)
        })
        .await;
        let lines = trace.lines();
        assert_closed_once(&lines, "a success");
        assert_eq!(result, Ok(8), "the body returned Ok(8): hand that back");
        assert_eq!(
            lines,
            [
                "[ 0.50s] open",
                "[ 0.60s] query \"SELECT 1\"",
                "[ 0.60s] close start",
                "[ 1.60s] closed",
            ],
            "open, the body, then close at once"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn closes_after_an_error_and_reports_it() {
    within(LIMIT, "with_connection, a body that fails", async {
        let trace = Trace::start();
        let result = with_connection(&trace, ONE_SECOND, async |conn: &Connection| {
            conn.query("SELECT * FROM missing", Duration::from_millis(100))
                .await;
            Err::<u32, _>("no such table".to_string())
        })
        .await;
        assert_closed_once(&trace.lines(), "an error");
        assert_eq!(
            result,
            Err(Failed::Body("no such table".to_string())),
            "the body's error must come out as Failed::Body(its message)"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn closes_after_the_body_times_out_and_reports_the_timeout() {
    within(
        LIMIT,
        "with_connection, a body that runs out of time",
        async {
            let trace = Trace::start();
            let result = with_connection(&trace, ONE_SECOND, async |conn: &Connection| {
                Ok(conn.query("SELECT slowly", Duration::from_secs(5)).await)
            })
            .await;
            let lines = trace.lines();
            assert_closed_once(&lines, "a timeout");
            assert_eq!(
                result,
                Err(Failed::TimedOut(ONE_SECOND)),
                "the body ran out of its 1 s: report Failed::TimedOut(limit)"
            );
            assert_eq!(
                lines,
                ["[ 0.50s] open", "[ 1.50s] close start", "[ 2.50s] closed"],
                "the body gets 1 s from its start (0.50s), is stopped there, then the connection \
             closes at once"
            );
        },
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_helper_cancelled_from_outside_leaves_a_record() {
    within(LIMIT, "with_connection cut off by the caller", async {
        let trace = Trace::start();
        let run = with_connection(&trace, 10 * ONE_SECOND, async |conn: &Connection| {
            Ok(conn.query("SELECT slowly", 5 * ONE_SECOND).await)
        });
        // The caller's own timeout drops the whole helper mid-body: no code after an
        // `.await` in it runs any more, only the Drop of what it holds.
        let cut = tokio::time::timeout(2 * ONE_SECOND, run).await;
        assert!(
            cut.is_err(),
            "the caller's 2 s timeout must cut the helper off"
        );
        let lines = trace.lines();
        assert_eq!(
            lines,
            ["[ 0.50s] open", "[ 2.00s] dropped without close()"],
            "the helper was dropped mid-body at 2.00s: close() could not run, so Drop must \
             record \"dropped without close()\""
        );
    })
    .await;
}
