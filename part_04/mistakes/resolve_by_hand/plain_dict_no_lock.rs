// mistake: asyncio habit
// what: a plain dict needs no lock on asyncio's one thread, so the Senders go in a `RefCell`: the
//   desk compiles, but a `RefCell` is not `Sync`, so an `Arc<Desk>` cannot move to the responder's
//   task (tokio::spawn wants `Send`)
// expect: cannot be sent between threads safely
// stage: compile

use std::cell::{Cell, RefCell};

#[derive(Debug, Default)]
struct Desk {
    last_id: Cell<u64>,
    waiting: RefCell<HashMap<u64, oneshot::Sender<String>>>,
}

impl Desk {
    fn ask(&self) -> (u64, oneshot::Receiver<String>) {
        let id = self.last_id.get() + 1;
        self.last_id.set(id);
        let (tx, rx) = oneshot::channel();
        self.waiting.borrow_mut().insert(id, tx);
        (id, rx)
    }

    fn respond(&self, id: u64, answer: String) -> bool {
        let tx = self.waiting.borrow_mut().remove(&id);
        tx.is_some_and(|tx| tx.send(answer).is_ok())
    }
}
