//! The checks of `gather_with_deadline`: `cargo exercise check gather_with_deadline` runs them
//! against part_11/exercises/gather_with_deadline.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

use super::*;
use workshop::testing::within;

/// What the gather returned and when, and what the jobs said after it returned.
async fn run(jobs: &[(&'static str, u64)], limit: Duration) -> (Gathered, Duration, Vec<String>) {
    let trace = Trace::start();
    let gathered = gather_with_deadline(trace.clone(), jobs, limit).await;
    let (returned, said) = (trace.watch().elapsed(), trace.messages().len());
    tokio::time::sleep(Duration::from_secs(10)).await; // a job left running shows up
    (gathered, returned, trace.messages().split_off(said))
}

#[tokio::test(start_paused = true)]
async fn keeps_what_finished_and_names_what_was_cancelled() {
    within(Duration::from_secs(60), "gather", async {
        let jobs = [("a", 1), ("b", 3), ("c", 2), ("d", 5)];
        let (gathered, _, _) = run(&jobs, Duration::from_millis(2500)).await;
        assert_eq!(
            gathered.finished,
            [("a", 1), ("c", 2)],
            "a and c finished before the deadline (2.5 s): keep their values, in the order \
             they finished (a timeout around the whole gather loses them)"
        );
        assert_eq!(
            gathered.cancelled,
            ["b", "d"],
            "b and d were still running at the deadline: they were cancelled"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn returns_at_the_deadline_and_the_cancelled_jobs_never_save() {
    within(Duration::from_secs(60), "gather", async {
        let jobs = [("a", 1), ("b", 3), ("c", 2), ("d", 5)];
        let (_, returned, after) = run(&jobs, Duration::from_millis(2500)).await;
        assert_eq!(
            returned,
            Duration::from_millis(2500),
            "the gather returned at {returned:?}; the deadline was 2.5 s (the slowest job \
             takes 5 s)"
        );
        assert!(
            after.is_empty(),
            "after the gather returned: {after:?}: the jobs still running at the deadline \
             must be stopped (JoinSet::abort_all or shutdown), not only left behind"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn returns_as_soon_as_all_are_done_before_the_deadline() {
    within(Duration::from_secs(60), "gather", async {
        let (gathered, returned, _) = run(&[("a", 2), ("b", 1)], Duration::from_secs(5)).await;
        let expected = Gathered {
            finished: vec![("b", 1), ("a", 2)],
            cancelled: vec![],
        };
        assert_eq!(gathered, expected, "every job finished in time");
        assert_eq!(
            returned,
            Duration::from_secs(2),
            "every job was done at 2 s, yet the gather returned at {returned:?}: do not \
             wait for a deadline once nothing is left to wait for"
        );
    })
    .await;
}
