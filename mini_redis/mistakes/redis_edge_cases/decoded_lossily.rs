// mistake: asyncio habit
// what: `line.decode("utf-8", errors="replace")`: the line is cut by hand and decoded with
//   `String::from_utf8_lossy`, so `PUT k \xff\xfe` stores two U+FFFD a client never sent (and the
//   codec's limit is gone with it)
// expect: Decoding lossily (`String::from_utf8_lossy`, Python's errors="replace") runs a command

impl Decoder for RequestCodec {
    type Item = Line;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        let Some(newline) = src.iter().position(|&b| b == b'\n') else {
            return Ok(None);
        };
        let line = src.split_to(newline + 1);
        let text = String::from_utf8_lossy(&line);
        Ok(Some(Line::Text(text.trim_end_matches(['\r', '\n']).to_string())))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> io::Result<Option<Line>> {
        let line = self.decode(src)?;
        if line.is_none() {
            src.clear();
        }
        Ok(line)
    }
}
