// mistake: asyncio habit
// what: `while True: await asyncio.sleep(0.05)`, then a look at the shared value, drawing it if
//   it changed: every new value waits for the next look
// expect: a reader that polls with sleeps comes late

async fn show_progress(progress: watch::Receiver<u32>, screen: Screen) {
    let mut shown = *progress.borrow();
    loop {
        sleep(Duration::from_millis(50)).await;
        let done = progress.has_changed().is_err();
        let percent = *progress.borrow();
        if percent != shown {
            screen.draw(percent).await;
            shown = percent;
        } else if done {
            break;
        }
    }
}
