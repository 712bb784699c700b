// DELIBERATELY WRONG: the spawned task borrows a local of its spawner. A task may outlive the
// function that spawned it, so tokio::spawn requires 'static. Fix: `async move` (the task owns
// it), or an Arc clone moved in when the spawner keeps using it.
#[tokio::main]
async fn main() {
    let names = vec!["a", "b"];
    let handle = tokio::spawn(async { names.len() });
    assert_eq!(handle.await.unwrap(), 2);
}
