// mistake: almost-right Rust
// what: the long line is answered, then the connection closed (`Answer::Last`, as Redis does with
//   a RESP protocol error): one long line costs the client its connection
// expect: not a reason to close

impl Decoder for RequestCodec {
    type Item = Line;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        match self.lines.decode(src) {
            Ok(line) => Ok(line.map(Line::Text)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Line::TooLong)),
            Err(LinesCodecError::Io(err)) => Err(err),
        }
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
            Line::TooLong => Answer::Last(format!(
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
