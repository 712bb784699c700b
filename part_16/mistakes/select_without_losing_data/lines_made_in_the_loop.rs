// mistake: almost-right Rust
// what: `next_line` (cancel safe), but on a `Lines` made anew each time round the loop: the half
//   line is kept in the `Lines`, and that is dropped at the end of each round
// expect: race something that keeps a half line outside the future

async fn relay(
    mut link: impl AsyncRead + Unpin,
    mut beat: impl FnMut(),
) -> io::Result<Vec<String>> {
    let mut heartbeat = interval(Duration::from_millis(100));
    let mut relayed = Vec::new();
    loop {
        let mut lines = BufReader::new(&mut link).lines();
        tokio::select! {
            line = lines.next_line() => match line? {
                Some(line) => relayed.push(line),
                None => break,
            },
            _ = heartbeat.tick() => beat(),
        }
    }
    Ok(relayed)
}
