//! The checks of `generator_with_stream`: `cargo exercise check generator_with_stream` runs them
//! against part_09/exercises/generator_with_stream.rs. Edit that file, not this one: the runner
//! counts these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise`
//! puts them back).

use super::*;
use futures::TryStreamExt;
use tokio::time::Instant;
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(120);
/// How long the tests' consumers wait between items: long enough for any fetch started ahead of
/// time to show up in the API's record.
const DAWDLE: Duration = Duration::from_secs(1);

/// An API over `0..total` (the tests read its record, not its trace).
fn api(total: u32, per_page: u32, fails_at: Option<u32>) -> Api {
    Api::new(total, per_page, fails_at, &Trace::start())
}

/// The pages the API was asked for, when it was asked for some: a stream that never asked it
/// for a page made its items up.
fn asked_for_some_page(api: &Api) -> Vec<u32> {
    let asked = api.pages_asked();
    assert!(
        !asked.is_empty(),
        "the API was never asked for a page, yet the items came: every item must come from \
         `api.fetch_page(page).await`. (The API keeps its own record: lines written on its \
         trace fetch nothing.)"
    );
    asked
}

/// Who holds the API's record besides the test's own handle: the stream, or a task it spawned.
fn other_holders(api: &Api) -> usize {
    Arc::strong_count(&api.record) - 1
}

#[tokio::test(start_paused = true)]
async fn yields_every_item_in_order_and_stops_at_the_empty_page() {
    within(LIMIT, "all_items(...).try_collect()", async {
        for (total, per_page) in [(5, 2), (6, 3), (1, 4), (0, 3)] {
            let api = api(total, per_page, None);
            let start = Instant::now();
            let items: Result<Vec<u32>, String> = all_items(api.clone()).try_collect().await;
            let took = start.elapsed();
            let pages: Vec<u32> = (0..=total.div_ceil(per_page)).collect();
            assert_eq!(
                asked_for_some_page(&api),
                pages,
                "{total} items, {per_page} per page: the items are on pages {:?} and page {} is \
                 empty. The pages the API was asked for: fetch each once, in order, and stop \
                 after the empty one",
                &pages[..pages.len() - 1],
                pages.len() - 1
            );
            let expected = Ok((0..total).collect::<Vec<u32>>());
            assert_eq!(
                items, expected,
                "{total} items, {per_page} per page: every item of every page, in order"
            );
            assert_eq!(
                took,
                LATENCY * pages.len() as u32,
                "{} fetches of {LATENCY:?}, one after the other, take {:?}; this took {took:?}",
                pages.len(),
                LATENCY * pages.len() as u32
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn fetches_a_page_only_when_its_first_item_is_asked_for() {
    within(LIMIT, "all_items read by a slow consumer", async {
        for (total, per_page) in [(7, 3), (6, 2)] {
            let api = api(total, per_page, None);
            let items = all_items(api.clone());
            tokio::time::sleep(DAWDLE).await;
            assert_eq!(
                api.pages_asked(),
                Vec::<u32>::new(),
                "all_items(api) was called and not polled yet, and the API was already asked for \
                 pages: a stream does nothing until it is polled (no fetching up front, nor in a \
                 task of its own)"
            );
            let mut items = std::pin::pin!(items);
            for item in 0..total {
                let got = items.next().await;
                assert_eq!(got, Some(Ok(item)), "item {item}, in order");
                tokio::time::sleep(DAWDLE).await;
                let needed: Vec<u32> = (0..=item / per_page).collect();
                let asked = asked_for_some_page(&api);
                assert_eq!(
                    asked, needed,
                    "{total} items, {per_page} per page: item {item} was handed over and the \
                     consumer took its time, and by then the API had been asked for pages \
                     {asked:?}; only pages {needed:?} are needed so far. Fetch a page when its \
                     first item is asked for: not all pages up front, not the next one ahead, \
                     not in a task of its own"
                );
            }
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn take_stops_the_generator_and_dropping_it_lets_the_api_go() {
    within(LIMIT, "all_items(...).take(n)", async {
        // (total, per page, how many items taken, the pages they are on)
        for (total, per_page, n, pages) in [(10, 2, 3, vec![0, 1]), (9, 4, 4, vec![0])] {
            let api = api(total, per_page, None);
            let taken: Vec<Result<u32, String>> = all_items(api.clone()).take(n).collect().await;
            let expected: Vec<Result<u32, String>> = (0..n as u32).map(Ok).collect();
            assert_eq!(taken, expected, "the first {n} items");
            tokio::time::sleep(10 * DAWDLE).await;
            let asked = asked_for_some_page(&api);
            assert_eq!(
                asked, pages,
                "taking {n} items ({per_page} per page) needs pages {pages:?} only, but the API \
                 was asked for pages {asked:?}. Fetch a page only when its first item is asked \
                 for (not all pages up front, not the next one ahead, not in a task of its own): \
                 once take({n}) has its items it drops the stream, and a dropped generator runs \
                 no further"
            );
            let holders = other_holders(&api);
            assert_eq!(
                holders, 0,
                "take({n}) is done and its stream was dropped, yet {holders} other handle(s) \
                 still hold the API: the stream must own it (`all_items` moves it into the \
                 generator), so that dropping the stream lets it go. A task spawned to fetch \
                 pages would keep it"
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_page_ends_the_stream_with_its_error() {
    within(LIMIT, "all_items with a failing page", async {
        for (per_page, fails_at) in [(2, 1), (3, 2)] {
            let api = api(10, per_page, Some(fails_at));
            let items: Vec<Result<u32, String>> = all_items(api.clone()).collect().await;
            tokio::time::sleep(10 * DAWDLE).await;
            let pages: Vec<u32> = (0..=fails_at).collect();
            assert_eq!(
                asked_for_some_page(&api),
                pages,
                "page {fails_at} fails. The pages the API was asked for: after a failed page, the \
                 stream is over, with no more fetches"
            );
            let mut expected: Vec<Result<u32, String>> = (0..per_page * fails_at).map(Ok).collect();
            expected.push(Err(format!("page {fails_at}: 503 Service Unavailable")));
            assert_eq!(
                items, expected,
                "page {fails_at} fails: first the items of the pages before it, each page's items \
                 yielded as soon as it is fetched (not all pages up front), then page \
                 {fails_at}'s error as the last item (`?` in try_stream!)"
            );
        }
    })
    .await;
}
