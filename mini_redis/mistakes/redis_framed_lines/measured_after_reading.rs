// mistake: cheat
// what: `decode` written, but `connection` keeps step 2's `next_line()` and compares each line's
//   length with MAX_LINE after reading it: the right ERROR, once the whole line is in memory,
//   however long it is
// expect: the ERROR must come now, not when the newline does

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

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
    let (read, mut write) = tokio::io::split(io);
    let mut lines = BufReader::new(read).lines();
    while let Some(line) = lines.next_line().await? {
        let answer = if line.len() > MAX_LINE {
            Answer::Reply(format!(
                "ERROR line too long (the limit is {MAX_LINE} bytes)"
            ))
        } else {
            answer(&line, &store)
        };
        match answer {
            Answer::Nothing => {}
            Answer::Reply(reply) => write.write_all(format!("{reply}\n").as_bytes()).await?,
            Answer::Last(reply) => {
                write.write_all(format!("{reply}\n").as_bytes()).await?;
                break;
            }
        }
    }
    Ok(())
}
