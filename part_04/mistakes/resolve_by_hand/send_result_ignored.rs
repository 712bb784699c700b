// mistake: almost-right Rust
// what: `let _ = tx.send(answer); true` (Python's `fut.set_result(answer); return True`): the
//   Result that says the asker is gone is thrown away
// expect: do not throw that Result away with `let _ =`

impl Desk {
    fn ask(&self) -> (u64, oneshot::Receiver<String>) {
        let id = self.last_id.fetch_add(1, Ordering::SeqCst) + 1;
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id, tx);
        (id, rx)
    }

    fn respond(&self, id: u64, answer: String) -> bool {
        let Some(tx) = self.waiting.lock().unwrap().remove(&id) else {
            return false;
        };
        let _ = tx.send(answer);
        true
    }
}
