//! The checks of `fail_fast_join_set`: `cargo exercise check fail_fast_join_set` runs them against
//! part_11/exercises/fail_fast_join_set.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use workshop::testing::within;

/// b fails first, at 2 s; c would fail at 3 s; d would save at 4 s.
const JOBS: [(&str, u64, bool); 4] = [
    ("a", 1, false),
    ("b", 2, true),
    ("c", 3, true),
    ("d", 4, false),
];

/// What `run_all` returned and when; what the jobs said until then, and after.
struct Run {
    result: Result<Vec<u64>, String>,
    returned: Duration,
    before: Vec<String>,
    after: Vec<String>,
}

async fn run(jobs: &[(&'static str, u64, bool)]) -> Run {
    let trace = Trace::start();
    let result = run_all(trace.clone(), jobs).await;
    let (returned, said) = (trace.watch().elapsed(), trace.messages().len());
    tokio::time::sleep(Duration::from_secs(10)).await; // a job left running shows up
    let mut before = trace.messages();
    let after = before.split_off(said);
    Run {
        result,
        returned,
        before,
        after,
    }
}

#[tokio::test(start_paused = true)]
async fn the_first_error_comes_back_when_it_happens() {
    within(Duration::from_secs(60), "run_all", async {
        let Run {
            result, returned, ..
        } = run(&JOBS).await;
        assert_eq!(
            result,
            Err("b failed".to_string()),
            "b is the first job to fail, at 2 s: its error is what run_all returns"
        );
        assert_eq!(
            returned,
            Duration::from_secs(2),
            "run_all returned at {returned:?}; b failed at 2 s: return at the first error"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_others_are_stopped_and_cleaned_up_before_it_returns() {
    within(Duration::from_secs(60), "run_all", async {
        let Run {
            returned,
            before,
            after,
            ..
        } = run(&JOBS).await;
        let ran_on: Vec<_> = after
            .iter()
            .filter(|m| !m.ends_with("cleaned up"))
            .collect();
        assert!(
            ran_on.is_empty(),
            "after run_all returned at {returned:?}: {ran_on:?}: abort the other tasks"
        );
        for name in ["a", "b", "c", "d"] {
            assert!(
                before.contains(&format!("{name}: cleaned up")),
                "{name}'s clean-up had not run when run_all returned at {returned:?}: abort \
                 the others and wait until they are gone (JoinSet::shutdown)"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn with_no_error_every_value_comes_back() {
    within(Duration::from_secs(60), "run_all", async {
        let jobs = [("a", 3, false), ("b", 1, false), ("c", 2, false)];
        let Run {
            result,
            returned,
            before,
            ..
        } = run(&jobs).await;
        assert_eq!(
            result,
            Ok(vec![1, 2, 3]),
            "with no error, every value, in the order the jobs finished"
        );
        assert_eq!(returned, Duration::from_secs(3), "once the slowest is done");
        assert_eq!(before.iter().filter(|m| m.contains("saved")).count(), 3);
    })
    .await;
}
