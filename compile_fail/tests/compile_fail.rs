//! The lessons' compile-time claims, each checked against the compiler's own words: the cases are
//! `tests/ui/part_NN/*.rs`, their expected errors `*.stderr` beside them. One module per part:
//! `cargo test -p compile_fail part_03` runs part 03's.
//!
//! One crate for all of them, depending on what the cases use (tokio, futures, workshop) and no
//! more: trybuild builds its own project from this crate's dependencies, in a target folder of its
//! own, and a lesson crate would hand it everything that lesson uses.
//!
//! After a toolchain change rewords an error: `TRYBUILD=overwrite cargo test -p compile_fail`,
//! then read the new `.stderr` files before keeping them.

mod part_02 {
    #[test]
    fn an_unused_future_is_refused() {
        trybuild::TestCases::new().compile_fail("tests/ui/part_02/unused_future.rs");
    }

    // (That a future bound to `_` compiles, and never runs, is a test of part_02 itself.)
}

mod part_03 {
    #[test]
    fn awaiting_a_future_twice_does_not_compile() {
        let cases = trybuild::TestCases::new();
        cases.compile_fail("tests/ui/part_03/await_twice.rs");
        // Nor through `&mut`: an async fn's future must be pinned first.
        cases.compile_fail("tests/ui/part_03/await_by_ref_unpinned.rs");
    }
}

mod part_05 {
    /// `tokio::spawn` asks `Send + 'static` of the future it is given.
    #[test]
    fn a_spawned_future_must_be_send_and_static() {
        let cases = trybuild::TestCases::new();
        cases.compile_fail("tests/ui/part_05/spawn_std_guard_across_await.rs");
        cases.compile_fail("tests/ui/part_05/spawn_rc_across_await.rs");
        cases.compile_fail("tests/ui/part_05/spawn_borrows_a_local.rs");
    }
}

mod part_06 {
    #[test]
    fn a_future_is_consumed_and_must_be_pinned_to_poll_by_reference() {
        let cases = trybuild::TestCases::new();
        // A future is consumed by `.await`: awaiting it twice is a use of a moved value.
        cases.compile_fail("tests/ui/part_06/await_twice.rs");
        // Polling an `async` block through `&mut` needs it pinned first (`pin!` or `Box::pin`).
        cases.compile_fail("tests/ui/part_06/unpinned_by_reference.rs");
    }
}

mod part_07 {
    #[test]
    fn there_is_no_async_drop_and_a_closed_connection_is_gone() {
        let cases = trybuild::TestCases::new();
        // `Drop::drop` is a plain `fn`: there is no async Drop to run an async teardown.
        cases.compile_fail("tests/ui/part_07/async_drop.rs");
        // `close(self)` consumes the connection: using it after the close does not compile.
        cases.compile_fail("tests/ui/part_07/use_after_close.rs");
    }
}

mod part_08 {
    #[test]
    fn a_stream_is_not_an_iterator_and_next_needs_it_pinned() {
        let cases = trybuild::TestCases::new();
        // A Stream is not an Iterator: `for` cannot consume it (Python: `for` over an async iterator).
        cases.compile_fail("tests/ui/part_08/for_over_a_stream.rs");
        // `.next()` polls through `&mut`, so a !Unpin stream must be pinned first.
        cases.compile_fail("tests/ui/part_08/next_needs_pin.rs");
    }
}

/// (That a `stream!` generator must be pinned before `.next()` is part 08's `next_needs_pin`
/// claim: the message for a `stream!` block names a file in the local cargo registry, so it cannot
/// be pinned portably here.)
mod part_09 {
    #[test]
    fn map_with_an_async_function_gives_futures_not_values() {
        let cases = trybuild::TestCases::new();
        // `map` with an async function gives a stream of futures, not of values: use `then`.
        cases.compile_fail("tests/ui/part_09/async_map_needs_then.rs");
    }
}

mod part_10 {
    /// `tokio::spawn` takes only tasks that own their data (`'static`), because a task may outlive
    /// the function that spawned it.
    #[test]
    fn a_spawned_task_cannot_borrow_a_local() {
        let cases = trybuild::TestCases::new();
        cases.compile_fail("tests/ui/part_10/*.rs");
    }
}

mod part_11 {
    /// `join_all` takes futures of one type, and every `async` block (like every `async fn`) has a
    /// type of its own.
    #[test]
    fn join_all_needs_futures_of_one_type() {
        let cases = trybuild::TestCases::new();
        cases.compile_fail("tests/ui/part_11/*.rs");
    }
}

mod part_15 {
    /// Thread safety is checked at compile time: these programs contain data races, and the
    /// compiler refuses them.
    #[test]
    fn data_races_do_not_compile() {
        let cases = trybuild::TestCases::new();
        cases.compile_fail("tests/ui/part_15/*.rs");
    }
}
