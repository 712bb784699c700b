// mistake: cheat
// what: no select! at all: reads every line, then calls `beat` as many times as 100 ms ticks fit
//   in the time it took
// expect: beats counted after the fact are not beats

async fn relay(link: impl AsyncRead + Unpin, mut beat: impl FnMut()) -> io::Result<Vec<String>> {
    let start = tokio::time::Instant::now();
    let mut relayed = Vec::new();
    let mut lines = BufReader::new(link).lines();
    while let Some(line) = lines.next_line().await? {
        relayed.push(line);
    }
    for _ in 0..=start.elapsed().as_millis() / 100 {
        beat();
    }
    Ok(relayed)
}
