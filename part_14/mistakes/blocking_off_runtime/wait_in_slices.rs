// mistake: cheat
// what: dodges the blocking detector: the reader runs on the blocking pool, but load_config waits
//   for its answer on a `std::sync::mpsc` channel in slices of 80 ms, under the detector's 100 ms
//   limit, yielding in between, so no single poll looks slow
// expect: waiting in short slices

use std::sync::mpsc;

async fn load_config(read: impl FnOnce(&str) -> String + Send + 'static, name: &str) -> String {
    let name = name.to_owned();
    let (tx, rx) = mpsc::channel();
    tokio::task::spawn_blocking(move || tx.send(read(&name)));
    loop {
        match rx.recv_timeout(Duration::from_millis(80)) {
            Ok(answer) => return answer,
            Err(mpsc::RecvTimeoutError::Timeout) => tokio::task::yield_now().await,
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the legacy reader panicked"),
        }
    }
}
