// mistake: asyncio habit
// what: the `done` flag of the Python version, looked at first: `has_changed()` answers `Err` as
//   soon as the sender is gone, though its last value has not been drawn
// expect: must still be drawn

async fn show_progress(mut progress: watch::Receiver<u32>, screen: Screen) {
    loop {
        if progress.has_changed().is_err() {
            break; // the download is done
        }
        if progress.changed().await.is_err() {
            break;
        }
        let percent = *progress.borrow_and_update();
        screen.draw(percent).await;
    }
}
