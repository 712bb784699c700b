// mistake: cheat
// what: looks for the bytes a test of invalid UTF-8 usually sends (0xfe, 0xff) before the codec
//   sees the line, and leaves the codec's own UTF-8 error an error: any other invalid sequence
//   still ends the connection
// expect: looking for a few bad bytes misses the others

impl Decoder for RequestCodec {
    type Item = Line;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        if let Some(newline) = src.iter().position(|&b| b == b'\n') {
            if src[..newline].iter().any(|&b| b == 0xfe || b == 0xff) {
                let _ = src.split_to(newline + 1);
                return Ok(Some(Line::InvalidUtf8));
            }
        }
        match self.lines.decode(src) {
            Ok(line) => Ok(line.map(Line::Text)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Line::TooLong)),
            Err(LinesCodecError::Io(err)) => Err(err),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        let line = self.decode(src)?;
        if line.is_none() {
            src.clear();
        }
        Ok(line)
    }
}
