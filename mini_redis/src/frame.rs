//! Replies: one RESP value ([`Frame`]), written in either dialect and either RESP version
//! ([`Reply`]), and read back by the client ([`Frame::parse`]).
//!
//! RESP2 is five kinds of value, each introduced by one byte and ended by `\r\n`:
//!
//! ```text
//! +OK            simple string       -ERR oops      error
//! :42            integer             $5\r\nhello    bulk string ($-1 is "no value")
//! *2\r\n$1\r\na\r\n$1\r\nb            array of values
//! ```
//!
//! RESP3, what a client asks for with `HELLO 3` ([`Protocol`]), adds types that say what a value
//! *is*, where RESP2 leaves the client to know it from the command:
//!
//! ```text
//! _              null (RESP2: $-1)    %1\r\n$1\r\nk\r\n:1    map (RESP2: a flat array k, v, …)
//! >3\r\n…        push: a message the client did not ask for (pub/sub; RESP2: an array)
//! =8\r\ntxt:text verbatim text (RESP2: a bulk string), what `INFO` answers
//! ```
//!
//! A command builds one [`Frame`] and never looks at the protocol: the encoder spells it in the
//! connection's. (RESP3 also has doubles `,` and booleans `#`; no command here answers one, so
//! they are not in [`Frame`].)
//!
//! The workshop's line dialect has only four replies (`OK`, `OK value`, `NONE`, `ERROR reason`);
//! [`Reply::Line`] spells a frame that way, so every command is executed once, whatever the dialect.

use bytes::{BufMut, Bytes, BytesMut};
use std::borrow::Cow;
use std::fmt;

/// One reply value. The RESP3-only kinds have a RESP2 spelling too (see the module's docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// `+OK`: a short status line. Never holds `\r` or `\n` (they are written as spaces).
    Simple(Cow<'static, str>),
    /// `-ERR …`: the first word is the error kind (`ERR`, `WRONGTYPE`, …).
    Error(Cow<'static, str>),
    /// `:42`
    Integer(i64),
    /// `$5\r\nhello`: binary-safe.
    Bulk(Bytes),
    /// `$-1`: "no such key". RESP3: `_`.
    Null,
    /// `*2 …`
    Array(Vec<Frame>),
    /// RESP3 `%2 …`: field, value pairs (`HELLO`). RESP2: an array of field, value, field, …
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `>3 …`: a message the client did not ask for, the kind pub/sub sends (`message`,
    /// `subscribe`, …). RESP2: an array, told apart from a reply by its first element.
    Push(Vec<Frame>),
    /// RESP3 `=len\r\ntxt:…`: text meant for a person (`INFO`). RESP2: a bulk string.
    Text(Bytes),
}

/// Which RESP a connection speaks: RESP2 until it sends `HELLO 3`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    #[default]
    Resp2,
    Resp3,
}

impl Protocol {
    /// `HELLO`'s protocol version: 2 or 3.
    pub fn version(self) -> i64 {
        match self {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        }
    }

    /// A RESP reply in this protocol.
    pub fn reply(self, frame: Frame) -> Reply {
        match self {
            Protocol::Resp2 => Reply::Resp(frame),
            Protocol::Resp3 => Reply::Resp3(frame),
        }
    }
}

impl Frame {
    /// `+OK`, the commonest reply: no allocation.
    pub const fn ok() -> Frame {
        Frame::Simple(Cow::Borrowed("OK"))
    }

    /// An error reply from a fixed message, e.g. `Frame::error("ERR syntax error")`.
    pub const fn error(message: &'static str) -> Frame {
        Frame::Error(Cow::Borrowed(message))
    }

    /// A bulk string from a static byte string.
    pub const fn bulk_static(bytes: &'static [u8]) -> Frame {
        Frame::Bulk(Bytes::from_static(bytes))
    }

    /// Appends the RESP2 encoding of this frame to `dst`.
    pub fn write_resp(&self, dst: &mut BytesMut) {
        self.write(dst, Protocol::Resp2);
    }

    /// Appends this frame to `dst`, spelled in `protocol`.
    pub fn write(&self, dst: &mut BytesMut, protocol: Protocol) {
        let resp3 = protocol == Protocol::Resp3;
        match self {
            Frame::Simple(text) => write_line(dst, b'+', text.as_bytes()),
            Frame::Error(text) => write_line(dst, b'-', text.as_bytes()),
            Frame::Integer(n) => write_header(dst, b':', *n),
            Frame::Bulk(bytes) => write_bulk(dst, bytes),
            Frame::Null if resp3 => dst.put_slice(b"_\r\n"),
            Frame::Null => dst.put_slice(b"$-1\r\n"),
            Frame::Array(items) => write_items(dst, b'*', items, protocol),
            Frame::Push(items) => {
                write_items(dst, if resp3 { b'>' } else { b'*' }, items, protocol)
            }
            Frame::Map(pairs) => {
                if resp3 {
                    write_header(dst, b'%', pairs.len() as i64);
                } else {
                    write_header(dst, b'*', 2 * pairs.len() as i64);
                }
                for (key, value) in pairs {
                    key.write(dst, protocol);
                    value.write(dst, protocol);
                }
            }
            Frame::Text(text) if resp3 => {
                write_header(dst, b'=', text.len() as i64 + 4);
                dst.put_slice(b"txt:");
                dst.put_slice(text);
                dst.put_slice(b"\r\n");
            }
            Frame::Text(text) => write_bulk(dst, text),
        }
    }

    /// Appends this frame as the workshop's line dialect: `OK value`, `NONE`, `ERROR reason`, `OK`.
    ///
    /// A reply is one line, so a value holding a line break (stored over RESP, which is
    /// binary-safe) cannot be sent: its second line would reach the client as a second reply,
    /// forged by whoever stored the value. It is refused with an `ERROR` instead (see
    /// [`LINE_BREAK_IN_VALUE`]); RESP reads it intact.
    pub fn write_line_dialect(&self, dst: &mut BytesMut) {
        match self {
            Frame::Bulk(value) if value.iter().any(|&b| b == b'\n' || b == b'\r') => {
                dst.put_slice(LINE_BREAK_IN_VALUE.as_bytes());
            }
            Frame::Bulk(value) => {
                dst.reserve(value.len() + 4);
                dst.put_slice(b"OK ");
                dst.put_slice(value);
            }
            Frame::Null => dst.put_slice(b"NONE"),
            Frame::Error(text) => {
                // Redis errors start with their kind ("ERR …"); the line dialect says ERROR once.
                let reason = text.strip_prefix("ERR ").unwrap_or(text);
                dst.put_slice(b"ERROR ");
                put_sanitized(dst, reason.as_bytes());
            }
            Frame::Simple(_)
            | Frame::Integer(_)
            | Frame::Array(_)
            | Frame::Map(_)
            | Frame::Push(_)
            | Frame::Text(_) => dst.put_slice(b"OK"),
        }
        dst.put_u8(b'\n');
    }

    /// Reads one frame from the front of `src`, for the client side.
    ///
    /// `Ok(None)`: `src` does not hold a whole frame yet. `Ok(Some((frame, n)))`: the frame took the
    /// first `n` bytes. The caller keeps the bytes until a whole frame has arrived and calls again.
    pub fn parse(src: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
        parse_at(src, 0, 0)
    }
}

/// The line dialect's reply for a value holding `\n` or `\r`.
pub const LINE_BREAK_IN_VALUE: &str = "ERROR the value holds a line break, which a line reply cannot carry: read it over RESP \
     (redis-cli, or mr-client get)";

/// The server sent something that is not RESP2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError(pub String);

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid reply from server: {}", self.0)
    }
}

impl std::error::Error for FrameError {}

/// A reply and the dialect it is written in. The codec's encoder takes these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// RESP2, for RESP arrays and Redis inline commands (the default).
    Resp(Frame),
    /// RESP3, on a connection that asked for it with `HELLO 3` (see [`Protocol::reply`]).
    Resp3(Frame),
    /// The workshop's line dialect, for `GET`, `PUT`, `DEL`, `QUIT` typed on a line.
    Line(Frame),
}

impl Reply {
    /// Appends the encoded reply to `dst`.
    pub fn write_to(&self, dst: &mut BytesMut) {
        match self {
            Reply::Resp(frame) => frame.write(dst, Protocol::Resp2),
            Reply::Resp3(frame) => frame.write(dst, Protocol::Resp3),
            Reply::Line(frame) => frame.write_line_dialect(dst),
        }
    }
}

/// Arrays nested deeper than this are refused rather than parsed on an ever deeper stack.
const MAX_DEPTH: usize = 32;

fn parse_at(src: &[u8], at: usize, depth: usize) -> Result<Option<(Frame, usize)>, FrameError> {
    if depth > MAX_DEPTH {
        return Err(FrameError("arrays nested too deeply".into()));
    }
    let Some(line_end) = find_crlf(src, at + 1) else {
        return Ok(None);
    };
    let Some(&kind) = src.get(at) else {
        return Ok(None);
    };
    let line = &src[at + 1..line_end];
    let after = line_end + 2;
    let text = || String::from_utf8_lossy(line).into_owned();
    let number = || parse_i64(line).ok_or_else(|| FrameError(format!("bad number {:?}", text())));
    Ok(Some(match kind {
        b'+' => (Frame::Simple(text().into()), after),
        b'-' => (Frame::Error(text().into()), after),
        b':' => (Frame::Integer(number()?), after),
        b'_' => (Frame::Null, after),
        b'$' | b'=' => match number()? {
            -1 if kind == b'$' => (Frame::Null, after),
            len if len >= 0 => {
                let end = after + len as usize;
                if src.len() < end + 2 {
                    return Ok(None);
                }
                if &src[end..end + 2] != b"\r\n" {
                    return Err(FrameError("bulk string without its CRLF".into()));
                }
                let body = Bytes::copy_from_slice(&src[after..end]);
                let frame = match kind {
                    // Verbatim text: a three-letter format, `:`, the text.
                    b'=' => Frame::Text(body.slice(body.len().min(4)..)),
                    _ => Frame::Bulk(body),
                };
                (frame, end + 2)
            }
            len => return Err(FrameError(format!("bad bulk length {len}"))),
        },
        b'*' | b'>' | b'%' => match number()? {
            -1 if kind == b'*' => (Frame::Null, after),
            len if len >= 0 => {
                // A map of n pairs is 2n values.
                let count = if kind == b'%' {
                    len.saturating_mul(2)
                } else {
                    len
                };
                let mut items = Vec::with_capacity((count as usize).min(1024));
                let mut pos = after;
                for _ in 0..count {
                    match parse_at(src, pos, depth + 1)? {
                        Some((item, next)) => {
                            items.push(item);
                            pos = next;
                        }
                        None => return Ok(None),
                    }
                }
                let frame = match kind {
                    b'>' => Frame::Push(items),
                    b'%' => {
                        let mut pairs = Vec::with_capacity(items.len() / 2);
                        let mut items = items.into_iter();
                        while let (Some(k), Some(v)) = (items.next(), items.next()) {
                            pairs.push((k, v));
                        }
                        Frame::Map(pairs)
                    }
                    _ => Frame::Array(items),
                };
                (frame, pos)
            }
            len => return Err(FrameError(format!("bad array length {len}"))),
        },
        other => return Err(FrameError(format!("unexpected byte {:?}", other as char))),
    }))
}

/// The index of the next `\r\n` at or after `from`.
pub(crate) fn find_crlf(src: &[u8], from: usize) -> Option<usize> {
    let tail = src.get(from..)?;
    tail.windows(2).position(|w| w == b"\r\n").map(|i| from + i)
}

/// Parses a decimal integer the way Redis does: an optional `-`, digits, nothing else
/// (no `+`, no spaces, no leading zeros), and no overflow.
pub fn parse_i64(digits: &[u8]) -> Option<i64> {
    let (negative, body) = match digits {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, digits),
    };
    if body.is_empty() || body.len() > 19 || (body.len() > 1 && body[0] == b'0') {
        return None;
    }
    if negative && body == b"0" {
        return None;
    }
    let mut value: i64 = 0;
    for &b in body {
        let digit = match b {
            b'0'..=b'9' => i64::from(b - b'0'),
            _ => return None,
        };
        // Accumulate downwards: i64::MIN has no positive counterpart.
        value = value.checked_mul(10)?.checked_sub(digit)?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

/// `:42\r\n`, `*3\r\n`, `$5\r\n`: a type byte, a number, CRLF.
pub(crate) fn write_header(dst: &mut BytesMut, kind: u8, n: i64) {
    dst.put_u8(kind);
    write_decimal(dst, n);
    dst.put_slice(b"\r\n");
}

/// A bulk string: `$<len>\r\n<bytes>\r\n` (binary-safe). Replies and client commands share it.
pub(crate) fn write_bulk(dst: &mut BytesMut, bytes: &[u8]) {
    dst.reserve(bytes.len() + 16);
    write_header(dst, b'$', bytes.len() as i64);
    dst.put_slice(bytes);
    dst.put_slice(b"\r\n");
}

/// Writes `n` in decimal without going through `fmt` (this runs for every bulk reply).
pub(crate) fn write_decimal(dst: &mut BytesMut, n: i64) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let mut rest = n.unsigned_abs();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        dst.put_u8(b'-');
    }
    dst.put_slice(&buf[pos..]);
}

/// `*n`, `>n` and the items.
fn write_items(dst: &mut BytesMut, kind: u8, items: &[Frame], protocol: Protocol) {
    write_header(dst, kind, items.len() as i64);
    for item in items {
        item.write(dst, protocol);
    }
}

fn write_line(dst: &mut BytesMut, kind: u8, text: &[u8]) {
    dst.reserve(text.len() + 3);
    dst.put_u8(kind);
    put_sanitized(dst, text);
    dst.put_slice(b"\r\n");
}

/// Status and error lines cannot hold a line break (it would end the line early); errors can
/// quote client input, so breaks are written as spaces, as Redis does.
fn put_sanitized(dst: &mut BytesMut, text: &[u8]) {
    if text.iter().any(|&b| b == b'\r' || b == b'\n') {
        dst.extend(
            text.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
    } else {
        dst.put_slice(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(frame: &Frame) -> Vec<u8> {
        let mut out = BytesMut::new();
        frame.write_resp(&mut out);
        out.to_vec()
    }

    fn line(frame: &Frame) -> Vec<u8> {
        let mut out = BytesMut::new();
        frame.write_line_dialect(&mut out);
        out.to_vec()
    }

    #[test]
    fn resp_encoding_of_every_kind() {
        assert_eq!(resp(&Frame::ok()), b"+OK\r\n");
        assert_eq!(resp(&Frame::error("ERR nope")), b"-ERR nope\r\n");
        assert_eq!(resp(&Frame::Integer(-12)), b":-12\r\n");
        assert_eq!(
            resp(&Frame::Integer(i64::MIN)),
            b":-9223372036854775808\r\n"
        );
        assert_eq!(resp(&Frame::bulk_static(b"hi")), b"$2\r\nhi\r\n");
        assert_eq!(resp(&Frame::Null), b"$-1\r\n");
        let array = Frame::Array(vec![Frame::Integer(1), Frame::bulk_static(b"")]);
        assert_eq!(resp(&array), b"*2\r\n:1\r\n$0\r\n\r\n");
        assert_eq!(resp(&Frame::Error("ERR a\r\nb".into())), b"-ERR a  b\r\n");
    }

    fn resp3(frame: &Frame) -> Vec<u8> {
        let mut out = BytesMut::new();
        frame.write(&mut out, Protocol::Resp3);
        out.to_vec()
    }

    /// Each RESP3 kind, and its RESP2 spelling, as redis-server 7.0 writes them.
    #[test]
    fn resp3_kinds_and_their_resp2_spelling() {
        assert_eq!(resp3(&Frame::Null), b"_\r\n");
        let map = Frame::Map(vec![(Frame::bulk_static(b"proto"), Frame::Integer(3))]);
        assert_eq!(resp3(&map), b"%1\r\n$5\r\nproto\r\n:3\r\n");
        assert_eq!(resp(&map), b"*2\r\n$5\r\nproto\r\n:3\r\n");
        let push = Frame::Push(vec![Frame::bulk_static(b"message"), Frame::Null]);
        assert_eq!(resp3(&push), b">2\r\n$7\r\nmessage\r\n_\r\n");
        assert_eq!(resp(&push), b"*2\r\n$7\r\nmessage\r\n$-1\r\n");
        let text = Frame::Text(Bytes::from_static(b"# Keyspace\r\n"));
        assert_eq!(resp3(&text), b"=16\r\ntxt:# Keyspace\r\n\r\n");
        assert_eq!(resp(&text), b"$12\r\n# Keyspace\r\n\r\n");
        // Nested: a null inside an array inside a map is spelled in the same protocol.
        let nested = Frame::Map(vec![(Frame::Null, Frame::Array(vec![Frame::Null]))]);
        assert_eq!(resp3(&nested), b"%1\r\n_\r\n*1\r\n_\r\n");
        assert_eq!(resp(&nested), b"*2\r\n$-1\r\n*1\r\n$-1\r\n");
        for frame in [map, push, text, nested] {
            let bytes = resp3(&frame);
            assert_eq!(Frame::parse(&bytes), Ok(Some((frame, bytes.len()))));
        }
    }

    #[test]
    fn line_dialect_spelling() {
        assert_eq!(line(&Frame::bulk_static(b"v w")), b"OK v w\n");
        assert_eq!(line(&Frame::Null), b"NONE\n");
        assert_eq!(line(&Frame::ok()), b"OK\n");
        assert_eq!(line(&Frame::Integer(1)), b"OK\n");
        assert_eq!(
            line(&Frame::error("ERR usage: GET key")),
            b"ERROR usage: GET key\n"
        );
    }

    #[test]
    fn parse_round_trips_and_waits_for_whole_frames() {
        let frames = [
            Frame::ok(),
            Frame::error("ERR x"),
            Frame::Integer(7),
            Frame::bulk_static(b"a\r\nb"),
            Frame::Null,
            Frame::Array(vec![Frame::bulk_static(b"x"), Frame::Array(vec![])]),
        ];
        for frame in frames {
            let bytes = resp(&frame);
            for cut in 0..bytes.len() {
                assert_eq!(
                    Frame::parse(&bytes[..cut]),
                    Ok(None),
                    "{frame:?} cut at {cut}"
                );
            }
            assert_eq!(Frame::parse(&bytes), Ok(Some((frame, bytes.len()))));
        }
        assert!(Frame::parse(b"?\r\n").is_err());
        assert!(Frame::parse(&b"*1\r\n".repeat(40)).is_err());
    }

    #[test]
    fn integers_parse_like_redis() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-42"), Some(-42));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b" 1",
            b"01",
            b"-0",
            b"1x",
            b"9223372036854775808",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
