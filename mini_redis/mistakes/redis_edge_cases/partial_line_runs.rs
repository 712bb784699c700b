// mistake: asyncio habit
// what: invalid UTF-8 fixed, but `decode_eof` left as `LinesCodec`'s: like `readline()` at EOF,
//   it hands over the unterminated rest as a last line, and a command the client never finished
//   runs
// expect: never got its newline (the client may have died mid-line) and must not run

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
        match self.lines.decode_eof(src) {
            Ok(line) => Ok(line.map(Line::Text)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Line::TooLong)),
            Err(LinesCodecError::Io(_)) => Ok(Some(Line::InvalidUtf8)),
        }
    }
}
