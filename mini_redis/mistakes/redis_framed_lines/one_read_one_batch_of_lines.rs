// mistake: asyncio habit
// what: `data = await reader.read(4096)` then `for line in data.decode().splitlines()`: each read
//   is taken for whole lines, so a line that comes in two reads is two bad requests
// expect: One read is not one line

use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

async fn connection<T>(mut io: T, store: Store) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0; MAX_LINE];
    loop {
        let n = io.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        let data = String::from_utf8_lossy(&buf[..n]).into_owned();
        for line in data.lines() {
            match answer(line, &store) {
                Answer::Nothing => {}
                Answer::Reply(reply) => io.write_all(format!("{reply}\n").as_bytes()).await?,
                Answer::Last(reply) => {
                    io.write_all(format!("{reply}\n").as_bytes()).await?;
                    return Ok(());
                }
            }
        }
    }
}
