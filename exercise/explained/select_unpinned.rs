// explains: not_pinned
// Racing `&mut` an `async fn`'s future without `pin!`.
use std::time::Duration;

async fn read_line() -> String {
    String::new()
}

pub async fn run() {
    let mut line = read_line();
    tokio::select! {
        _ = &mut line => {}
        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
    }
}
