//! The checks of `generator_with_stream`: `cargo exercise check generator_with_stream` runs them
//! against part_09/exercises/generator_with_stream.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

use super::*;
use futures::TryStreamExt;
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(30);

fn api(total: u32, per_page: u32, fails_at: Option<u32>) -> (Api, Trace) {
    let trace = Trace::start();
    let api = Api {
        total,
        per_page,
        fails_at,
        trace: trace.clone(),
    };
    (api, trace)
}

/// The pages fetched, from the log.
fn fetched(trace: &Trace) -> Vec<String> {
    let messages = trace.messages();
    messages
        .into_iter()
        .filter(|m| m.starts_with("fetch"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn yields_every_item_in_order_and_stops_at_the_empty_page() {
    within(LIMIT, "all_items over 5 items, 2 per page", async {
        let (api, trace) = api(5, 2, None);
        let items: Result<Vec<u32>, String> = all_items(api).try_collect().await;
        assert_eq!(
            items,
            Ok(vec![0, 1, 2, 3, 4]),
            "every item of every page, in order"
        );
        assert_eq!(
            fetched(&trace),
            [
                "fetch page 0",
                "fetch page 1",
                "fetch page 2",
                "fetch page 3"
            ],
            "pages 0 to 2 hold the items and page 3 is empty: fetch each once, stop after \
             the empty one"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn taking_3_items_fetches_only_the_pages_they_are_on() {
    within(LIMIT, "all_items(...).take(3)", async {
        let (api, trace) = api(10, 2, None);
        let start = tokio::time::Instant::now();
        let mut first3 = std::pin::pin!(all_items(api).take(3));
        while let Some(item) = first3.next().await {
            trace.say(format!("got {item:?}"));
        }
        assert_eq!(
            trace.messages(),
            [
                "fetch page 0",
                "got Ok(0)",
                "got Ok(1)",
                "fetch page 1",
                "got Ok(2)"
            ],
            "taking 3 items (2 per page) needs pages 0 and 1 only, and page 1 only once \
             items 0 and 1 were consumed: fetch a page when its first item is asked for, \
             and yield its items one by one"
        );
        assert_eq!(start.elapsed(), 2 * LATENCY, "two fetches of {LATENCY:?}");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_page_ends_the_stream_with_its_error() {
    within(LIMIT, "all_items with page 1 failing", async {
        let (api, trace) = api(10, 2, Some(1));
        let items: Vec<Result<u32, String>> = all_items(api).collect().await;
        let error = "page 1: 503 Service Unavailable".to_string();
        assert_eq!(
            items,
            [Ok(0), Ok(1), Err(error)],
            "the items of page 0 (yielded before page 1 is fetched), then page 1's error as \
             the last item (`?` in try_stream!)"
        );
        assert_eq!(
            fetched(&trace),
            ["fetch page 0", "fetch page 1"],
            "after a failed page, the stream is over: no more fetches"
        );
    })
    .await;
}
