// mistake: almost-right Rust
// what: the reads are cancel safe (`next_line`), but the heartbeat is a `sleep(100 ms)` made inside
//   the loop: it starts over each time round, and is dropped whenever a line wins, so the beats
//   come late, or not at all
// expect: a sleep or a timeout made inside the loop starts over each time round

async fn relay(link: impl AsyncRead + Unpin, mut beat: impl FnMut()) -> io::Result<Vec<String>> {
    let mut relayed = Vec::new();
    let mut lines = BufReader::new(link).lines();
    loop {
        tokio::select! {
            line = lines.next_line() => match line? {
                Some(line) => relayed.push(line),
                None => break,
            },
            _ = sleep(Duration::from_millis(100)) => beat(),
        }
    }
    Ok(relayed)
}
