// mistake: almost-right Rust
// what: `execute` done, but the store is still made inside the accept loop (`Store::default()` per
//   connection): each client gets a map of its own, and its PUTs are visible to nobody else
// expect: A stored `shared` while B was connected

fn execute(store: &Store, command: Command<'_>) -> String {
    let mut map = store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match command {
        Command::Get(key) => match map.get(key) {
            Some(value) => format!("OK {value}"),
            None => "NONE".into(),
        },
        Command::Put(key, value) => {
            map.insert(key.to_string(), value.to_string());
            "OK".into()
        }
        Command::Del(key) => {
            map.remove(key);
            "OK".into()
        }
        Command::Quit => "ERROR not a store command".into(),
    }
}
