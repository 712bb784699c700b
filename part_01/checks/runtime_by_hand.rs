//! The checks of `runtime_by_hand`: `cargo exercise check runtime_by_hand` runs them against
//! part_01/exercises/runtime_by_hand.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).

use super::*;
use std::time::Duration;
use tokio::runtime::{Handle, RuntimeFlavor};

#[test]
fn hands_back_what_the_future_returns() {
    let answer = run_on_one_thread(async { 6 * 7 });
    assert_eq!(
        answer, 42,
        "run_on_one_thread must return the future's output"
    );
}

#[test]
fn the_runtime_is_a_current_thread_one() {
    let flavor = run_on_one_thread(async { Handle::current().runtime_flavor() });
    assert_eq!(
        flavor,
        RuntimeFlavor::CurrentThread,
        "the future ran on a {flavor:?} runtime: build it with Builder::new_current_thread()"
    );
}

#[test]
fn timers_work_inside_it() {
    let slept = std::panic::catch_unwind(|| {
        run_on_one_thread(async {
            // Bounded: a runtime whose timer does not fire would otherwise hang the test.
            tokio::time::sleep(Duration::from_millis(1)).await;
            true
        })
    });
    assert!(
        matches!(slept, Ok(true)),
        "tokio::time::sleep panicked inside your runtime: a builder starts with no timer; \
         turn it on with .enable_time() (or .enable_all())"
    );
}
