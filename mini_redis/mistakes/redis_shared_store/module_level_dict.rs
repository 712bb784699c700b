// mistake: asyncio habit
// what: Python's module-level dict, as a `static` map every `execute` uses, whatever `store` it is
//   given: every connection sees it, and so does every other server in the process
// expect: Python's module-level dict, is one map for every server

use std::sync::LazyLock;

static STORE: LazyLock<Mutex<HashMap<String, String>>> = LazyLock::new(Mutex::default);

fn execute(_store: &Store, command: Command<'_>) -> String {
    let mut map = STORE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
