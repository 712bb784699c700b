// mistake: almost-right Rust
// what: returns `Next::Close` straight from the `QUIT` arm, before the flush at the end: QUIT's
//   `OK` (and every reply fed before it) stays in the write buffer and is dropped with the
//   connection
// expect: flushed before the connection closes

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
                return Ok(Next::Close);
            }
        }
        if !frames.read_buffer().is_empty() {
            match frames.next().now_or_never() {
                Some(Some(request)) => next = Some(request?),
                Some(None) => after = Next::Close,
                None => {}
            }
        }
    }
    frames.flush().await?;
    Ok(after)
}
