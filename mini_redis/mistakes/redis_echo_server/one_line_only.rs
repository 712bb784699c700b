// mistake: almost-right Rust
// what: `if let` where `while let` was meant: the first line is echoed, then `echo` returns and
//   the connection closes
// expect: the connection ended after echoing 1 of 5 lines

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
    if let Some(line) = lines.next_line().await? {
        write.write_all(format!("{line}\n").as_bytes()).await?;
    }
    Ok(())
}
