// mistake: almost-right Rust
// what: `Answer::Last` sends its reply like any other and the loop goes on: QUIT is answered, and
//   the connection stays open and serves what follows
// expect: stop after `Answer::Last`

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
            Line::TooLong => Answer::Reply(format!(
                "ERROR line too long (the limit is {MAX_LINE} bytes)"
            )),
        };
        match answer {
            Answer::Nothing => {}
            Answer::Reply(reply) | Answer::Last(reply) => frames.send(reply).await?,
        }
    }
    Ok(())
}
