// mistake: almost-right Rust
// what: the UTF-8 error becomes `Ok(None)`: no error ends the stream, but `None` means "no whole
//   line yet", so the bad line gets no reply (and a line after it in the buffer waits for more
//   bytes)
// expect: `Ok(None)` means "no whole line yet": it answers nothing

impl Decoder for RequestCodec {
    type Item = Line;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        match self.lines.decode(src) {
            Ok(line) => Ok(line.map(Line::Text)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Line::TooLong)),
            Err(LinesCodecError::Io(_)) => Ok(None),
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
