// mistake: asyncio habit
// what: `line = await reader.readline(); if not line: break`, translated: `unwrap_or_default()`
//   and `if line.is_empty() { break }`. Python's line keeps its `\n`, so only the end is empty;
//   Rust's lines come without it, and a blank line ends the connection
// expect: a blank line is a line too

async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _peer) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(err) = echo(stream).await {
                eprintln!("connection ended: {err}");
            }
        });
    }
}

async fn echo(stream: TcpStream) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    loop {
        let line = lines.next_line().await?.unwrap_or_default();
        if line.is_empty() {
            break;
        }
        write.write_all(format!("{line}\n").as_bytes()).await?;
    }
    Ok(())
}
