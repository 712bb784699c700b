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
//! The tests, on tokio's paused clock, check that each asker gets its own answer when it is sent;
//! that when the desk goes away unanswered the asker gets `Err(RecvError)` at once instead of
//! waiting for ever; and that `respond` says `false` when nobody will get the answer (an unknown
//! id, a question answered already, an asker who gave up and dropped its `Receiver`).
//!
//! Check it: `cargo exercise check resolve_by_hand` (or save the file while `make exercise` runs).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
        let id = self.last_id.fetch_add(1, Ordering::SeqCst) + 1;
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id, tx);
        (id, rx)
    }

    /// Resolves question `id` with `answer`. Returns whether its asker will get it.
    fn respond(&self, id: u64, answer: String) -> bool {
        let tx = self.waiting.lock().unwrap().remove(&id);
        // `send` consumes the Sender; it fails, handing the answer back, if the Receiver is gone.
        tx.is_some_and(|tx| tx.send(answer).is_ok())
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::{Instant, sleep};
    use workshop::testing::within;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn each_asker_gets_its_answer_when_another_task_responds() {
        within(Duration::from_secs(30), "two questions", async {
            let (start, desk) = (Instant::now(), Arc::new(Desk::default()));
            let (first, first_answer) = desk.ask();
            let (second, second_answer) = desk.ask();
            assert_ne!(first, second, "two questions got the same id, {first}");
            // Another task answers the second question after 1 s, the first after 2 s.
            let responder = Arc::clone(&desk);
            tokio::spawn(async move {
                sleep(SECOND).await;
                responder.respond(second, "two".to_owned());
                sleep(SECOND).await;
                responder.respond(first, "one".to_owned());
            });
            for (id, answer, expected, at) in [
                (second, second_answer, "two", SECOND),
                (first, first_answer, "one", 2 * SECOND),
            ] {
                let got = answer.await;
                assert_eq!(
                    got.as_deref(),
                    Ok(expected),
                    "question {id} was answered {expected:?}, its asker got {got:?}"
                );
                let when = start.elapsed();
                assert_eq!(
                    when, at,
                    "{expected:?} was sent at {at:?}, it came at {when:?}"
                );
            }
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_desk_gone_unanswered_wakes_the_asker_with_an_error() {
        within(Duration::from_secs(30), "an unanswered question", async {
            let (start, desk) = (Instant::now(), Desk::default());
            let (_, answer) = desk.ask();
            // The desk goes away after 1 s, the question unanswered.
            tokio::spawn(async move {
                sleep(SECOND).await;
                drop(desk);
            });
            let patience = 10 * SECOND;
            match tokio::time::timeout(patience, answer).await {
                Ok(Err(_)) => {} // RecvError: nobody will ever answer
                Ok(Ok(answer)) => panic!("the asker got {answer:?}, yet nobody answered"),
                Err(_) => panic!(
                    "the asker was still waiting {patience:?} after the desk went away: a Sender \
                     dropped unsent wakes its Receiver with Err(RecvError), so the desk must own \
                     the Senders"
                ),
            }
            assert_eq!(start.elapsed(), SECOND, "the asker must hear at once (1s)");
        })
        .await;
    }

    #[test]
    fn respond_says_false_when_nobody_gets_the_answer() {
        let desk = Desk::default();
        let nobody = |id| format!("respond({id}) said true, but nobody gets that answer:");
        assert!(
            !desk.respond(99, "lost".into()),
            "{} 99 was never asked",
            nobody(99)
        );
        let (id, _answer) = desk.ask();
        assert!(
            desk.respond(id, "first".into()),
            "respond({id}) said false, but its asker was waiting"
        );
        assert!(
            !desk.respond(id, "second".into()),
            "{} it was answered already (Python: InvalidStateError)",
            nobody(id)
        );
        let (id, answer) = desk.ask();
        drop(answer); // the asker gives up
        assert!(
            !desk.respond(id, "too late".into()),
            "{} its asker dropped its Receiver, and Sender::send says so",
            nobody(id)
        );
    }
}
