// mistake: almost-right Rust
// what: the `String` moves out of the loop, cleared only after a whole line, so that "the half line
//   stays in it": but read_line takes the string's bytes into its future while it runs, and they
//   are dropped with it
// expect: dropped with the losing branch's future

async fn relay(link: impl AsyncRead + Unpin, mut beat: impl FnMut()) -> io::Result<Vec<String>> {
    let mut heartbeat = interval(Duration::from_millis(100));
    let mut relayed = Vec::new();
    let mut link = BufReader::new(link);
    let mut line = String::new();
    loop {
        tokio::select! {
            read = link.read_line(&mut line) => {
                if read? == 0 {
                    break;
                }
                relayed.push(line.trim_end().to_owned());
                line.clear();
            }
            _ = heartbeat.tick() => beat(),
        }
    }
    Ok(relayed)
}
