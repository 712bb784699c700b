// mistake: cheat
// what: `respond` says the right thing and does nothing: it takes the Sender out and answers
//   whether its asker is still there (`!tx.is_closed()`), but never sends the answer
// expect: its Sender was dropped without sending

impl Desk {
    fn ask(&self) -> (u64, oneshot::Receiver<String>) {
        let id = self.last_id.fetch_add(1, Ordering::SeqCst) + 1;
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id, tx);
        (id, rx)
    }

    fn respond(&self, id: u64, _answer: String) -> bool {
        let tx = self.waiting.lock().unwrap().remove(&id);
        tx.is_some_and(|tx| !tx.is_closed())
    }
}
