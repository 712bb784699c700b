// mistake: almost-right Rust
// what: the loop draws first and waits after: the first draw shows the 0 the channel was made
//   with, which nobody published
// expect: a value nobody published

async fn show_progress(mut progress: watch::Receiver<u32>, screen: Screen) {
    loop {
        let percent = *progress.borrow_and_update();
        screen.draw(percent).await;
        if progress.changed().await.is_err() {
            break;
        }
    }
}
