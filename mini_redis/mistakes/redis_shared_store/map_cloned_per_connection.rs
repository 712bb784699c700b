// mistake: almost-right Rust
// what: one store in `serve`, but each connection gets a copy of the map in a new `Arc`
//   (`.lock().clone()`, the HashMap's `clone`, where `store.clone()`, the Arc's, was meant): a
//   client sees what was stored before it connected, and nothing stored after
// expect: not a map of its own nor a copy of the map

async fn serve(listener: TcpListener) -> io::Result<()> {
    let store = Store::default();
    loop {
        let (stream, _peer) = listener.accept().await?;
        let snapshot = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let store: Store = Arc::new(Mutex::new(snapshot));
        tokio::spawn(async move {
            if let Err(err) = connection(stream, store).await {
                eprintln!("connection ended: {err}");
            }
        });
    }
}

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
