// mistake: asyncio habit
// what: the accept loop awaits each connection (`await handle(reader, writer)` in a hand-written
//   loop, where `asyncio.start_server` would have made a task): one client at a time, the next
//   waits in the kernel's backlog until the first leaves
// expect: serves one client at a time

async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _peer) = listener.accept().await?;
        if let Err(err) = echo(stream).await {
            eprintln!("connection ended: {err}");
        }
    }
}

async fn echo(stream: TcpStream) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Some(line) = lines.next_line().await? {
        write.write_all(format!("{line}\n").as_bytes()).await?;
    }
    Ok(())
}
