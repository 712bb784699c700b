// mistake: asyncio habit
// what: `async with asyncio.timeout(0.1): line = await reader.readline()`, a beat on
//   `TimeoutError`: `tokio::time::timeout` drops `read_line`'s future when it fires, and the half
//   line goes with it (asyncio keeps it in the StreamReader; tokio's read_line does not)
// expect: read_line is not cancel safe

async fn relay(link: impl AsyncRead + Unpin, mut beat: impl FnMut()) -> io::Result<Vec<String>> {
    let mut relayed = Vec::new();
    let mut link = BufReader::new(link);
    beat();
    loop {
        let mut line = String::new();
        match tokio::time::timeout(Duration::from_millis(100), link.read_line(&mut line)).await {
            Ok(read) => {
                if read? == 0 {
                    break;
                }
                relayed.push(line.trim_end().to_owned());
            }
            Err(_) => beat(),
        }
    }
    Ok(relayed)
}
