// mistake: almost-right Rust
// what: `fetch_add(1)` gives the value before the add: the first question gets id 0, not 1
// expect: the first ask() gives 1

impl Desk {
    fn ask(&self) -> (u64, oneshot::Receiver<String>) {
        let id = self.last_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id, tx);
        (id, rx)
    }

    fn respond(&self, id: u64, answer: String) -> bool {
        let tx = self.waiting.lock().unwrap().remove(&id);
        tx.is_some_and(|tx| tx.send(answer).is_ok())
    }
}
