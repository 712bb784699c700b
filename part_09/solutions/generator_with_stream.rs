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
//! The tests (on tokio's paused clock) read the API's own record of the pages it was asked for
//! (the trace is for `main` to print: writing "fetch page 1" on it fetches nothing): every item
//! in order, every page fetched once, one at a time; nothing fetched before the first poll, and a
//! page only once its first item is asked for, however long the consumer dawdles; `take(n)`
//! fetching only the pages it needs, and the API let go of once the stream is dropped; and the
//! stream ending at the first failed page.
//!
//! Check it: `cargo exercise check generator_with_stream` (or save the file while
//! `make exercise` runs).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_stream::try_stream;
use futures::{Stream, StreamExt};
use tokio::time::sleep;
use workshop::Trace;

/// How long one page takes to fetch.
const LATENCY: Duration = Duration::from_millis(100);

/// A pretend paginated API over the items `0..total`, `per_page` at a time. It notes each fetch
/// on `trace` (for `main` to print), and keeps its own record of the pages it was asked for.
#[derive(Debug, Clone)]
pub struct Api {
    pub total: u32,
    pub per_page: u32,
    /// The page whose fetch fails, if any (a server error).
    pub fails_at: Option<u32>,
    pub trace: Trace,
    record: Arc<Mutex<Vec<u32>>>,
}

impl Api {
    pub fn new(total: u32, per_page: u32, fails_at: Option<u32>, trace: &Trace) -> Api {
        let (trace, record) = (trace.clone(), Arc::default());
        Api {
            total,
            per_page,
            fails_at,
            trace,
            record,
        }
    }

    /// The pages this API was asked for, in order.
    pub fn pages_asked(&self) -> Vec<u32> {
        self.record().clone()
    }

    fn record(&self) -> MutexGuard<'_, Vec<u32>> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One page: its items, an empty page after the last item, or an error.
    pub async fn fetch_page(&self, page: u32) -> Result<Vec<u32>, String> {
        self.record().push(page);
        self.trace.record(format!("fetch page {page}"));
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
    let api = Api::new(7, 3, None, &trace);
    let mut items = std::pin::pin!(all_items(api.clone()));
    while let Some(item) = items.next().await {
        trace.record(format!("got {item:?}"));
    }
    let asked = api.pages_asked();
    trace.record(format!("the end; the API was asked for pages {asked:?}"));
    println!("{}", trace.lines().join("\n"));
}

// The tests `cargo exercise check` runs: part_09/checks/generator_with_stream.rs.
#[cfg(test)]
#[path = "../checks/generator_with_stream.rs"]
mod checks;
