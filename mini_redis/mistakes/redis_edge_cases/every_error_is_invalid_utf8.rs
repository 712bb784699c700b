// mistake: almost-right Rust
// what: a catch-all `Err(_) => Ok(Some(Line::InvalidUtf8))` placed before the limit's arm: a line
//   over the limit is now answered as invalid UTF-8
// expect: A line over the limit is still `Line::TooLong`

impl Decoder for RequestCodec {
    type Item = Line;
    type Error = io::Error;

    #[allow(unreachable_patterns)]
    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        match self.lines.decode(src) {
            Ok(line) => Ok(line.map(Line::Text)),
            Err(_) => Ok(Some(Line::InvalidUtf8)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Line::TooLong)),
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
