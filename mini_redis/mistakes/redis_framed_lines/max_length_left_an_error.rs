// mistake: almost-right Rust
// what: `decode` passes every `LinesCodecError` on as an `io::Error` (`map_err(io::Error::other)`):
//   the first line over the limit ends the `Framed` stream, and the connection with it
// expect: turn `MaxLineLengthExceeded` into `Ok(Some(Line::TooLong))`

impl Decoder for RequestCodec {
    type Item = Line;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        let line = self.lines.decode(src).map_err(io::Error::other)?;
        Ok(line.map(Line::Text))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        match self.lines.decode_eof(src) {
            Ok(line) => Ok(line.map(Line::Text)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Line::TooLong)),
            Err(LinesCodecError::Io(err)) => Err(err),
        }
    }
}

async fn connection<T>(io: T, store: Store) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = Framed::new(io, RequestCodec::new());
    while let Some(request) = frames.next().await {
        let answer = match request? {
            Line::Text(line) => answer(&line, &store),
            Line::TooLong => Answer::Reply(format!(
                "ERROR line too long (the limit is {MAX_LINE} bytes)"
            )),
        };
        match answer {
            Answer::Nothing => {}
            Answer::Reply(reply) => frames.send(reply).await?,
            Answer::Last(reply) => {
                frames.send(reply).await?;
                break;
            }
        }
    }
    Ok(())
}
