// mistake: almost-right Rust
// what: `decode_eof` drops whatever the buffer holds (`src.clear(); Ok(None)`), whole lines
//   included: it works under `Framed` only because `decode` ran first, and breaks
//   `decode_eof`'s promise to give the frames still buffered
// expect: call your own `self.decode(src)` first

impl Decoder for RequestCodec {
    type Item = Line;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        match self.lines.decode(src) {
            Ok(line) => Ok(line.map(Line::Text)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Line::TooLong)),
            Err(LinesCodecError::Io(_)) => Ok(Some(Line::InvalidUtf8)),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        src.clear();
        Ok(None)
    }
}
