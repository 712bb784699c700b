// mistake: almost-right Rust
// what: `fut = self.waiting.get(id)`, as `HashMap::get`: a `&Sender`, but `send` consumes the
//   Sender, so it must be taken out of the map (`remove`)
// expect: cannot move out of `*tx` which is behind a shared reference
// stage: compile

impl Desk {
    fn ask(&self) -> (u64, oneshot::Receiver<String>) {
        let id = self.last_id.fetch_add(1, Ordering::SeqCst) + 1;
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id, tx);
        (id, rx)
    }

    fn respond(&self, id: u64, answer: String) -> bool {
        let waiting = self.waiting.lock().unwrap();
        match waiting.get(&id) {
            Some(tx) => tx.send(answer).is_ok(),
            None => false,
        }
    }
}
