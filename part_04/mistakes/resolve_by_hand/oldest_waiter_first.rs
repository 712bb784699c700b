// mistake: asyncio habit
// what: answers go to whoever has waited longest (a queue of waiters, as with an asyncio.Queue),
//   whatever the id: the oldest Sender takes each answer
// expect: each asker gets the answer sent under its own id

impl Desk {
    fn ask(&self) -> (u64, oneshot::Receiver<String>) {
        let id = self.last_id.fetch_add(1, Ordering::SeqCst) + 1;
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id, tx);
        (id, rx)
    }

    fn respond(&self, _id: u64, answer: String) -> bool {
        let mut waiting = self.waiting.lock().unwrap();
        let oldest = waiting.keys().min().copied();
        let tx = oldest.and_then(|id| waiting.remove(&id));
        tx.is_some_and(|tx| tx.send(answer).is_ok())
    }
}
