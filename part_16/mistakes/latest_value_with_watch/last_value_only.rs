// mistake: cheat
// what: waits for the sender to go, then draws its last value once: the last value is right, and
//   nothing drawn is ever stale or repeated, but the screen showed nothing while the download ran
// expect: while the screen was idle

async fn show_progress(mut progress: watch::Receiver<u32>, screen: Screen) {
    while progress.changed().await.is_ok() {}
    let last = *progress.borrow_and_update();
    screen.draw(last).await;
}
