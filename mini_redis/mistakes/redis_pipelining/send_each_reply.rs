// mistake: asyncio habit
// what: `writer.write(reply); await writer.drain()` after every request: each reply is sent with
//   `frames.send`, which flushes, so a pipelined batch costs one write per request
// expect: `send` flushes after every reply

async fn answer_batch<T>(
    frames: &mut Framed<T, RequestCodec>,
    first: Line,
    store: &Store,
) -> io::Result<Next>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut next = Some(first);
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
            Answer::Reply(reply) => frames.send(reply).await?,
            Answer::Last(reply) => {
                frames.send(reply).await?;
                return Ok(Next::Close);
            }
        }
        if !frames.read_buffer().is_empty() {
            match frames.next().now_or_never() {
                Some(Some(request)) => next = Some(request?),
                Some(None) => return Ok(Next::Close),
                None => {}
            }
        }
    }
    Ok(Next::Continue)
}
