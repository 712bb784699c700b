// mistake: almost-right Rust
// what: `tokio::spawn(echo(stream)).await`: a task of its own, but the loop waits for its
//   JoinHandle before accepting the next client, so still one client at a time
// expect: or the spawned task's JoinHandle

async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _peer) = listener.accept().await?;
        match tokio::spawn(echo(stream)).await {
            Ok(Err(err)) => eprintln!("connection ended: {err}"),
            Err(panicked) => eprintln!("connection task failed: {panicked}"),
            Ok(Ok(())) => {}
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
