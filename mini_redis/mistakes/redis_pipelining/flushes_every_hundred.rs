// mistake: cheat
// what: flushes after every 100 replies, the batch size the checks once sent: one write for 100
//   requests, as asked, but seven for 700 that arrived in one read
// expect: a batch must not stop at a fixed count

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
    let mut fed = 0;
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
        fed += 1;
        if fed % 100 == 0 {
            frames.flush().await?;
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
