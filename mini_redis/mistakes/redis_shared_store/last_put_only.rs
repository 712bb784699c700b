// mistake: cheat
// what: no map at all: one shared slot remembers the last PUT, which is enough for a test that
//   stores one key, reads it back, deletes it
// expect: every key keeps its own value

static LAST: Mutex<Option<(String, String)>> = Mutex::new(None);

async fn serve(listener: TcpListener) -> io::Result<()> {
    let store = Store::default();
    loop {
        let (stream, _peer) = listener.accept().await?;
        let store = store.clone();
        tokio::spawn(async move {
            if let Err(err) = connection(stream, store).await {
                eprintln!("connection ended: {err}");
            }
        });
    }
}

fn execute(_store: &Store, command: Command<'_>) -> String {
    let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match command {
        Command::Get(key) => match &*last {
            Some((k, value)) if k == key => format!("OK {value}"),
            _ => "NONE".into(),
        },
        Command::Put(key, value) => {
            *last = Some((key.to_string(), value.to_string()));
            "OK".into()
        }
        Command::Del(_) => {
            *last = None;
            "OK".into()
        }
        Command::Quit => "ERROR not a store command".into(),
    }
}
