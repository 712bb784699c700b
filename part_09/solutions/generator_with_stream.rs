//! Exercise (part 09): an async generator with `try_stream!`: paginate an API, lazily.
//!
//! `all_items` must yield every item of a paginated API, one by one: fetch page 0, yield its
//! items, fetch page 1, and so on, until a page comes back empty. A failed fetch ends the stream
//! with that error. And it must be lazy: a page is fetched only when its first item is wanted.
//! Python (PEP 525):
//!
//! ```python
//! async def all_items(api):
//!     page = 0
//!     while items := await api.fetch_page(page):   # an exception ends the generator
//!         for item in items:
//!             yield item
//!         page += 1
//!
//! first3 = [item async for item in all_items(api)][:3]  # no: this reads every page
//! ```
//!
//! Write it with async-stream's `try_stream!` (part 09): a block with `.await`, `yield` and `?`.
//! `?` yields the error as the last item, `Err(e)`, and ends the stream.
//!
//! The tests (on tokio's paused clock) read the API's event log: every item in order and every
//! page fetched once; `take(3)` fetching only the pages it needs, each one only after the items
//! before it were consumed; and the stream ending at the first failed page.
//!
//! Check it: `cargo exercise check generator_with_stream` (or save the file while
//! `make exercise` runs).

use std::time::Duration;

use async_stream::try_stream;
use futures::{Stream, StreamExt};
use tokio::time::sleep;
use workshop::Trace;

/// How long one page takes to fetch.
const LATENCY: Duration = Duration::from_millis(100);

/// A pretend paginated API over the items `0..total`, `per_page` at a time. Every fetch is
/// recorded in `trace`.
pub struct Api {
    pub total: u32,
    pub per_page: u32,
    /// The page whose fetch fails, if any (a server error).
    pub fails_at: Option<u32>,
    pub trace: Trace,
}

impl Api {
    /// One page: its items, an empty page after the last item, or an error.
    pub async fn fetch_page(&self, page: u32) -> Result<Vec<u32>, String> {
        self.trace.say(format!("fetch page {page}"));
        sleep(LATENCY).await;
        if self.fails_at == Some(page) {
            return Err(format!("page {page}: 503 Service Unavailable"));
        }
        let first = (page * self.per_page).min(self.total);
        let end = (first + self.per_page).min(self.total);
        Ok((first..end).collect())
    }
}

/// Every item of every page, one at a time, fetching a page only when its items are wanted.
pub fn all_items(api: Api) -> impl Stream<Item = Result<u32, String>> {
    try_stream! {
        for page in 0.. {
            let items = api.fetch_page(page).await?; // an error: yielded as Err, then the end
            if items.is_empty() {
                break;
            }
            for item in items {
                yield item;
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let trace = Trace::start();
    let api = Api {
        total: 7,
        per_page: 3,
        fails_at: None,
        trace: trace.clone(),
    };
    let mut items = std::pin::pin!(all_items(api));
    while let Some(item) = items.next().await {
        trace.say(format!("got {item:?}"));
    }
    trace.say("the end");
}

#[cfg(test)]
mod tests {
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
}
