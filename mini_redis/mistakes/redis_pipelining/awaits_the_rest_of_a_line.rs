// mistake: almost-right Rust
// what: takes the next request with `frames.next().await` while the read buffer is not empty;
//   when it holds only half a line, the server waits for the socket with the replies unflushed,
//   and a client waiting for them waits forever
// expect: the replies are left unflushed while the server waits for the socket

async fn answer_batch<T>(
    frames: &mut Framed<T, RequestCodec>,
    first: Line,
    store: &Store,
) -> io::Result<Next>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut next = Some(first);
    let mut after = Next::Continue;
    while let Some(request) = next.take() {
        let answer = match request {
            Line::Text(line) => answer(&line, store),
            Line::TooLong => Answer::Reply(format!(
                "ERROR line too long (the limit is {MAX_LINE} bytes)"
            )),
            Line::InvalidUtf8 => Answer::Reply("ERROR invalid UTF-8 in line".into()),
        };
        match answer {
            Answer::Nothing => {}
            Answer::Reply(reply) => frames.feed(reply).await?,
            Answer::Last(reply) => {
                frames.feed(reply).await?;
                after = Next::Close;
                break;
            }
        }
        if !frames.read_buffer().is_empty() {
            match frames.next().await {
                Some(request) => next = Some(request?),
                None => after = Next::Close,
            }
        }
    }
    frames.flush().await?;
    Ok(after)
}
