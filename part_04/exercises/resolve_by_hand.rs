//! Exercise (part 04): resolve a future by hand.
//!
//! A help desk: `ask()` files a question and hands back its id and a future for the answer; later,
//! another task calls `respond(id, answer)`, and that future resolves. Write `ask` and `respond`
//! with a `tokio::sync::oneshot` channel: the desk keeps each question's `Sender` under its id, the
//! asker gets the `Receiver`, which is the future to await.
//!
//! Lesson: part 04 ("futures resolved by hand"). The Python it mirrors:
//!
//! ```python
//! def ask(self):
//!     self.last_id += 1
//!     self.waiting[self.last_id] = fut = asyncio.get_running_loop().create_future()
//!     return self.last_id, fut
//!
//! def respond(self, id, answer):
//!     fut = self.waiting.pop(id, None)
//!     if fut is None or fut.cancelled():
//!         return False
//!     fut.set_result(answer)
//!     return True
//! ```
//!
//! The tests, on tokio's paused clock, answer from a task of their own and read what each asker's
//! `Receiver` gives: nothing before `respond` sends, then its own answer at the moment it is sent;
//! when the desk goes away unanswered, `Err(RecvError)` at once instead of waiting for ever. They
//! check the ids run 1, 2, 3, and that `respond` says `false` when nobody will get the answer (an
//! unknown id, a question answered already, an asker who gave up and dropped its `Receiver`).
//!
//! Check it: `cargo exercise check resolve_by_hand` (or save the file while `make exercise` runs).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// Questions waiting for an answer, each under its id.
#[derive(Debug, Default)]
struct Desk {
    last_id: AtomicU64,
    // A std Mutex: locked for one insert or one remove, never across an .await.
    waiting: Mutex<HashMap<u64, oneshot::Sender<String>>>,
}

impl Desk {
    /// Files a question: returns its id (1, 2, …) and the future its answer will resolve.
    fn ask(&self) -> (u64, oneshot::Receiver<String>) {
        // TODO: take the next id, make a oneshot channel, keep its Sender under the id, and hand
        // back the id and the Receiver.
        todo!("file the question")
    }

    /// Resolves question `id` with `answer`. Returns whether its asker will get it.
    fn respond(&self, id: u64, answer: String) -> bool {
        // TODO: take question `id`'s Sender out of the desk, and send the answer through it.
        todo!("resolve question {id} with {answer:?}")
    }
}

#[tokio::main]
async fn main() {
    let desk = Arc::new(Desk::default());
    let (id, answer) = desk.ask();
    let desk_for_responder = Arc::clone(&desk);
    tokio::spawn(async move { desk_for_responder.respond(id, "42".to_owned()) });
    println!("question {id}: answer {:?}", answer.await);
}

// The tests `cargo exercise check` runs: part_04/checks/resolve_by_hand.rs.
#[cfg(test)]
#[path = "../checks/resolve_by_hand.rs"]
mod checks;
