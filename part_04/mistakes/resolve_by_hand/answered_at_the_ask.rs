// mistake: cheat
// what: no waiting at all: `ask` hands back a Receiver that already holds an answer (the asker
//   gets a value at once, as if `ask` returned it), and `respond` only says whether the id is
//   known
// expect: had an answer before anyone responded

impl Desk {
    fn ask(&self) -> (u64, oneshot::Receiver<String>) {
        let id = self.last_id.fetch_add(1, Ordering::SeqCst) + 1;
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(format!("answer {id}"));
        let (kept, _) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id, kept);
        (id, rx)
    }

    fn respond(&self, id: u64, _answer: String) -> bool {
        self.waiting.lock().unwrap().remove(&id).is_some()
    }
}
