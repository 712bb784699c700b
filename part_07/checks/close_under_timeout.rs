//! The checks of `close_under_timeout`: `cargo exercise check close_under_timeout` runs them
//! against part_07/exercises/close_under_timeout.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

use super::*;
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(60);

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// What the database saw, each stamped with the time since `start`.
fn seen_since(db: &Database, start: Instant) -> Vec<(Duration, &'static str)> {
    db.seen()
        .into_iter()
        .map(|(at, what)| (at - start, what))
        .collect()
}

fn dropped_records(trace: &Trace) -> usize {
    let messages = trace.messages();
    messages
        .iter()
        .filter(|m| m.as_str() == "dropped without close()")
        .count()
}

/// The database saw one open, then one close, begun at `body_end` and finished `CLOSE` later,
/// and `with_connection` returned only then; and `Drop` left no record. It first waits a while,
/// so that a close left to a task shows up late instead of not at all.
async fn assert_closed_after_the_body(
    (db, trace): (&Database, &Trace),
    start: Instant,
    body_end: Duration,
    after: &str,
) {
    let returned = start.elapsed();
    sleep(3 * CLOSE).await;
    let seen = seen_since(db, start);
    let closes: Vec<Duration> = seen
        .iter()
        .filter(|(_, what)| *what == "closed")
        .map(|(at, _)| *at)
        .collect();
    let Some(&closed) = closes.first() else {
        panic!(
            "after {after}, the database never saw the connection close: await conn.close() \
             after the body on every path (the body returned Ok, returned Err, or ran out of \
             time). Printing \"closed\" is not closing. What the database saw: {seen:?}"
        )
    };
    assert!(
        returned >= closed,
        "after {after}, with_connection returned at {returned:?}, and the database saw the close \
         finish at {closed:?}: it returned before the close finished. Await the close \
         (`conn.close().await`) before you report, as `async with` waits for __aexit__"
    );
    let expected = [
        (OPEN, "open"),
        (body_end, "close begins"),
        (body_end + CLOSE, "closed"),
    ];
    assert_eq!(
        seen, expected,
        "after {after}: the connection opens at {OPEN:?} and the body ends at {body_end:?} (it \
         finished, or its limit ran out and tokio::time::timeout stopped it there); the close \
         must begin at that very moment, once, and takes {CLOSE:?}. What the database saw \
         (time, event)"
    );
    assert_eq!(
        returned, closed,
        "after {after}, with_connection returned at {returned:?}; the close finished at \
         {closed:?}: report as soon as it is done"
    );
    assert_eq!(
        dropped_records(trace),
        0,
        "after {after}, the connection was closed, yet Drop recorded it as dropped without \
         close(): record that only when `self.closed` is false. What happened: {:#?}",
        trace.lines()
    );
}

#[tokio::test(start_paused = true)]
async fn closes_after_a_success_and_hands_back_the_value() {
    within(LIMIT, "with_connection, a body that succeeds", async {
        for (sql, takes, limit) in [
            ("SELECT 1", ms(100), ms(1000)),
            ("SELECT name FROM users", ms(2000), ms(3000)),
        ] {
            let (trace, db, start) = (Trace::start(), Database::default(), Instant::now());
            let result = with_connection(&trace, &db, limit, async |conn: &Connection| {
                Ok(conn.query(sql, takes).await)
            })
            .await;
            let after = format!("a body of {takes:?} that succeeds (limit {limit:?})");
            assert_closed_after_the_body((&db, &trace), start, OPEN + takes, &after).await;
            assert_eq!(
                result,
                Ok(sql.len() as u32),
                "the body returned Ok({}): hand that value back",
                sql.len()
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn closes_after_an_error_and_reports_it() {
    within(LIMIT, "with_connection, a body that fails", async {
        for (error, takes, limit) in [
            ("no such table", ms(100), ms(1000)),
            ("permission denied", ms(700), ms(2000)),
        ] {
            let (trace, db, start) = (Trace::start(), Database::default(), Instant::now());
            let result = with_connection(&trace, &db, limit, async |conn: &Connection| {
                conn.query("SELECT * FROM missing", takes).await;
                Err::<u32, _>(error.to_string())
            })
            .await;
            let after = format!("a body that fails after {takes:?} (limit {limit:?})");
            assert_closed_after_the_body((&db, &trace), start, OPEN + takes, &after).await;
            assert_eq!(
                result,
                Err(Failed::Body(error.to_string())),
                "the body returned Err({error:?}): report it as Failed::Body(its message)"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn closes_after_the_body_times_out_and_reports_the_timeout() {
    within(
        LIMIT,
        "with_connection, a body that runs out of time",
        async {
            for (takes, limit) in [(ms(5000), ms(1000)), (ms(4000), ms(2500))] {
                let (trace, db, start) = (Trace::start(), Database::default(), Instant::now());
                let result = with_connection(&trace, &db, limit, async |conn: &Connection| {
                    Ok(conn.query("SELECT slowly", takes).await)
                })
                .await;
                let after = format!("a body of {takes:?} with a limit of {limit:?}");
                assert_closed_after_the_body((&db, &trace), start, OPEN + limit, &after).await;
                assert_eq!(
                    result,
                    Err(Failed::TimedOut(limit)),
                    "the body ran out of its {limit:?}: report Failed::TimedOut(limit)"
                );
            }
        },
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn when_cancelled_from_outside_drop_leaves_a_record() {
    within(LIMIT, "with_connection cut off by the caller", async {
        // (the body's limit, what the database saw when the caller cut the helper off at 2 s)
        let cases = [
            (
                ms(10_000),
                vec![(OPEN, "open")],
                "the caller cut it off mid-body, so the close never began",
            ),
            (
                ms(1000),
                vec![(OPEN, "open"), (ms(1500), "close begins")],
                "the body's limit of 1s ran out at 1.5s, where tokio::time::timeout stopped it \
                 and the close began; the caller cut it off half-way through the close",
            ),
        ];
        let cut_at = ms(2000);
        for (limit, expected, why) in cases {
            let (trace, db, start) = (Trace::start(), Database::default(), Instant::now());
            let run = with_connection(&trace, &db, limit, async |conn: &Connection| {
                Ok(conn.query("SELECT slowly", ms(5000)).await)
            });
            // The caller's own timeout drops the whole helper: no code after an `.await` in it
            // runs any more, only the Drop of what it holds.
            let cut = tokio::time::timeout(cut_at, run).await;
            let seen = seen_since(&db, start);
            assert!(
                cut.is_err(),
                "with_connection (limit {limit:?}, a body of 5s) returned at {:?}, before the \
                 caller's {cut_at:?} timeout, though {why}: it returned before the close \
                 finished. What the database saw: {seen:?}",
                start.elapsed()
            );
            assert_eq!(
                seen, expected,
                "the helper (limit {limit:?}) was dropped at {cut_at:?}: {why}. What the \
                 database saw (time, event)"
            );
            let dropped: Vec<(Duration, String)> = trace
                .events_with_time()
                .into_iter()
                .filter(|(_, m)| m == "dropped without close()")
                .collect();
            assert_eq!(
                dropped,
                [(cut_at, "dropped without close()".to_string())],
                "the helper (limit {limit:?}) was dropped at {cut_at:?}, before close() finished \
                 ({why}): Drop must record \"dropped without close()\" then, once (when \
                 `self.closed` is still false). What happened: {:#?}",
                trace.lines()
            );
        }
    })
    .await;
}
