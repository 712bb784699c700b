// mistake: cheat
// what: `tokio::io::copy` from the read half to the write half: every byte comes back, so it looks
//   like an echo, but no line is ever read (a CRLF line comes back with its `\r`)
// expect: the server copies bytes instead of reading lines

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
    let (mut read, mut write) = stream.into_split();
    tokio::io::copy(&mut read, &mut write).await?;
    Ok(())
}
