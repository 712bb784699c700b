//! Framing: the bytes of a connection, cut into requests of either dialect.
//!
//! [`ServerCodec`] is a tokio-util codec. Wrapped around a socket by `Framed`, it turns the socket
//! into a `Stream` of [`Request`]s and a `Sink` of [`Reply`]s: the connection code never sees a
//! byte buffer. In Python's asyncio the same job is `await reader.readline()` in a loop; here the
//! decoder is a plain function over a buffer, called again whenever more bytes arrive, so it can be
//! tested without any socket at all (see the tests at the bottom).
//!
//! What it decodes:
//!
//! - a frame starting with `*` is a RESP array of bulk strings, what redis-cli sends:
//!   `*2\r\n$3\r\nGET\r\n$1\r\na\r\n`;
//! - anything else is a text line ended by `\n` (an optional `\r` before it is dropped): the
//!   workshop's line dialect (`GET a`) or a Redis inline command (`SET a b`). Which one is decided
//!   by [`crate::command`], not here: framing only finds where a request ends.
//!
//! The limits keep a hostile or broken client from growing the buffer without end: a line longer
//! than `max_line` is answered with an error and skipped up to its newline, the connection stays
//! usable; a RESP command larger than `max_bulk` is a protocol error, after which the stream cannot
//! be trusted and the connection is closed, as Redis does.

use crate::frame::{Reply, find_crlf, parse_i64};
use bytes::{Buf, Bytes, BytesMut};
use std::fmt;
use std::io;
use tokio_util::codec::{Decoder, Encoder};

/// Size limits for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest text line, in bytes, without its line ending.
    pub max_line: usize,
    /// Largest RESP command, in bytes, all its bulk strings together.
    pub max_bulk: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 512 * 1024,
            max_bulk: 64 * 1024 * 1024,
        }
    }
}

/// One request, as framed. Blank lines and empty arrays (`*0`) are skipped, as Redis does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// A RESP array: the command name and its arguments, binary-safe.
    Array(Args),
    /// A text line without its line ending.
    Line(Bytes),
    /// A text line longer than `max_line`. Its bytes were dropped; the connection stays usable.
    LineTooLong,
}

impl Request {
    /// `arg`, a slice of this request, as a `Bytes` that can outlive the request (a value to
    /// store, a message to publish).
    ///
    /// A large argument shares the request's buffer: no copy, and it is most of that buffer
    /// anyway. A small one is copied into an allocation of its own: sharing would keep the whole
    /// read buffer it arrived in alive for as long as, say, a 3-byte value stays in the store.
    pub fn keep(&self, arg: &[u8]) -> Bytes {
        const SHARE_FROM: usize = 4096;
        let backing = match self {
            Request::Array(args) => &args.bytes,
            Request::Line(line) => line,
            Request::LineTooLong => return Bytes::copy_from_slice(arg),
        };
        let start = arg.as_ptr() as usize;
        let base = backing.as_ptr() as usize;
        let inside = start >= base && start + arg.len() <= base + backing.len();
        if arg.len() >= SHARE_FROM && inside {
            backing.slice_ref(arg)
        } else {
            Bytes::copy_from_slice(arg)
        }
    }
}

/// The arguments of a RESP array, in place: the bytes of the whole request, and where each
/// argument lies in them.
///
/// Commands are parsed and executed reading the arguments as `&[u8]` slices of this one buffer
/// (see [`crate::command::Command`]): nothing is copied, allocated or reference-counted per
/// argument, which matters at a million commands a second.
#[derive(Clone)]
pub struct Args {
    bytes: Bytes,
    spans: Vec<(usize, usize)>,
}

impl Args {
    /// Arguments from separate words (for tests, and for clients building a request).
    pub fn from_words<W: AsRef<[u8]>>(words: &[W]) -> Args {
        let mut bytes = BytesMut::new();
        let mut spans = Vec::with_capacity(words.len());
        for word in words {
            let start = bytes.len();
            bytes.extend_from_slice(word.as_ref());
            spans.push((start, bytes.len()));
        }
        Args {
            bytes: bytes.freeze(),
            spans,
        }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The arguments, the command name first.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> {
        self.spans
            .iter()
            .map(|&(start, end)| &self.bytes[start..end])
    }
}

/// Equal if the arguments are, wherever they lie in their buffers.
impl PartialEq for Args {
    fn eq(&self, other: &Args) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Args {}

impl fmt::Debug for Args {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|arg| String::from_utf8_lossy(arg)))
            .finish()
    }
}

/// What the decoder cannot recover from.
#[derive(Debug)]
pub enum CodecError {
    /// Broken RESP framing: the connection is answered with `-ERR Protocol error: …` and closed.
    Protocol(String),
    /// The socket failed.
    Io(io::Error),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Protocol(reason) => write!(f, "Protocol error: {reason}"),
            CodecError::Io(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for CodecError {}

impl From<io::Error> for CodecError {
    fn from(err: io::Error) -> Self {
        CodecError::Io(err)
    }
}

/// RESP header lines (`*3`, `$5`) are short; a longer one is garbage, not a header still arriving.
const MAX_HEADER: usize = 32;
/// Redis' own limit on the number of arguments of one command.
const MAX_ARGS: i64 = 1024 * 1024;

/// Decodes requests of both dialects, encodes [`Reply`]s.
///
/// The decoder remembers how far it got through an incomplete request, so a large request that
/// arrives in many reads is scanned once, not once per read.
#[derive(Debug)]
pub struct ServerCodec {
    limits: Limits,
    state: State,
    /// Where each argument of the RESP array being read starts and ends, in the buffer.
    /// Kept between requests so that decoding does not allocate for it.
    spans: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a request.
    Start,
    /// Inside a text line; the first `scanned` bytes hold no `\n`.
    Line { scanned: usize },
    /// Dropping the rest of an over-long line, up to and including its `\n`.
    Skip,
    /// Inside a RESP array of `len` arguments; the bytes before `pos` are parsed (see `spans`).
    Array { len: usize, pos: usize },
}

impl ServerCodec {
    pub fn new(limits: Limits) -> ServerCodec {
        ServerCodec {
            limits,
            state: State::Start,
            spans: Vec::new(),
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn protocol_error(&mut self, reason: impl Into<String>) -> CodecError {
        self.state = State::Start;
        CodecError::Protocol(reason.into())
    }

    /// A text line. Returns `None` while its `\n` has not arrived.
    fn decode_line(&mut self, src: &mut BytesMut, scanned: usize) -> Option<Request> {
        // A line may use its whole allowance plus "\r\n"; never look further than that.
        let window = src.len().min(self.limits.max_line + 2);
        match src[scanned..window].iter().position(|&b| b == b'\n') {
            Some(i) => {
                let mut line = src.split_to(scanned + i + 1).freeze();
                line.truncate(line.len() - 1);
                if line.last() == Some(&b'\r') {
                    line.truncate(line.len() - 1);
                }
                self.state = State::Start;
                if line.len() > self.limits.max_line {
                    return Some(Request::LineTooLong);
                }
                Some(Request::Line(line))
            }
            None if src.len() > self.limits.max_line + 1 => {
                // Too long: answer now, and drop the line without keeping it. If its end has not
                // arrived yet, skip the rest as it comes: the buffer never holds more than one
                // line's worth.
                match src[window..].iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        src.advance(window + i + 1);
                        self.state = State::Start;
                    }
                    None => {
                        src.clear();
                        self.state = State::Skip;
                    }
                }
                Some(Request::LineTooLong)
            }
            None => {
                self.state = State::Line { scanned: window };
                None
            }
        }
    }

    /// A RESP array, resumed at `pos` with `self.spans` already parsed.
    fn decode_array(
        &mut self,
        src: &mut BytesMut,
        len: usize,
        mut pos: usize,
    ) -> Result<Option<Request>, CodecError> {
        while self.spans.len() < len {
            let Some(header_end) = find_crlf(&src[..src.len().min(pos + MAX_HEADER)], pos) else {
                if src.len() >= pos + MAX_HEADER {
                    return Err(self.protocol_error("invalid bulk length"));
                }
                self.state = State::Array { len, pos };
                return Ok(None);
            };
            if src[pos] != b'$' {
                let got = (src[pos] as char).escape_default();
                return Err(self.protocol_error(format!("expected '$', got '{got}'")));
            }
            let bulk_len = match parse_i64(&src[pos + 1..header_end]) {
                Some(n) if n >= 0 && n as u64 <= self.limits.max_bulk as u64 => n as usize,
                _ => return Err(self.protocol_error("invalid bulk length")),
            };
            let start = header_end + 2;
            let end = start + bulk_len;
            if end + 2 > self.limits.max_bulk {
                let limit = self.limits.max_bulk;
                return Err(self.protocol_error(format!("command larger than {limit} bytes")));
            }
            if src.len() < end + 2 {
                // Ask for exactly the room this argument needs: one allocation, not a doubling
                // series, and never more than the limit allows.
                src.reserve(end + 2 - src.len());
                self.state = State::Array { len, pos };
                return Ok(None);
            }
            if &src[end..end + 2] != b"\r\n" {
                return Err(self.protocol_error("bulk string not ended by CRLF"));
            }
            self.spans.push((start, end));
            pos = end + 2;
        }
        // The whole array is here: cut it off the buffer once. The arguments stay where they
        // are; `spans` says where.
        let bytes = src.split_to(pos).freeze();
        let spans = std::mem::take(&mut self.spans);
        self.state = State::Start;
        Ok(Some(Request::Array(Args { bytes, spans })))
    }

    /// The `*N` header of a RESP array: `Some(len)` once the whole line is here.
    fn decode_array_header(&mut self, src: &mut BytesMut) -> Result<Option<i64>, CodecError> {
        let Some(end) = find_crlf(&src[..src.len().min(MAX_HEADER)], 1) else {
            if src.len() >= MAX_HEADER {
                return Err(self.protocol_error("invalid multibulk length"));
            }
            return Ok(None);
        };
        match parse_i64(&src[1..end]) {
            Some(n) if n <= MAX_ARGS => {
                src.advance(end + 2);
                Ok(Some(n))
            }
            _ => Err(self.protocol_error("invalid multibulk length")),
        }
    }

    /// The next whole request in `src`, if there is one, resuming where the last call stopped.
    fn decode_request(&mut self, src: &mut BytesMut) -> Result<Option<Request>, CodecError> {
        loop {
            match self.state {
                State::Start => match src.first() {
                    None => return Ok(None),
                    Some(b'*') => match self.decode_array_header(src)? {
                        None => return Ok(None),
                        // `*0` and `*-1` carry no command: skip them.
                        Some(len) if len <= 0 => continue,
                        Some(len) => {
                            self.spans.clear();
                            self.state = State::Array {
                                len: len as usize,
                                pos: 0,
                            };
                        }
                    },
                    Some(_) => self.state = State::Line { scanned: 0 },
                },
                State::Line { scanned } => match self.decode_line(src, scanned) {
                    Some(Request::Line(line)) if line.iter().all(u8::is_ascii_whitespace) => {
                        continue;
                    }
                    other => return Ok(other),
                },
                State::Skip => match src.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        src.advance(i + 1);
                        self.state = State::Start;
                    }
                    None => {
                        src.clear();
                        return Ok(None);
                    }
                },
                State::Array { len, pos } => return self.decode_array(src, len, pos),
            }
        }
    }
}

/// Room the buffer keeps free for the next read from the socket.
///
/// A tuned path, kept because it pays: `make bench-redis` with and without it (in one run,
/// `BEFORE=`) measured 0.47 against 0.50 µs of server CPU per request with 16-deep pipelines.
const READ_ROOM: usize = 1024;

impl Decoder for ServerCodec {
    type Item = Request;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Request>, CodecError> {
        let request = self.decode_request(src)?;
        if request.is_none() && src.len() < READ_ROOM && src.capacity() - src.len() < READ_ROOM {
            // The next step is a read from the socket, into the buffer's free room. Each request
            // cut off its front takes its room along, so the room shrinks as requests are
            // served, and a read into the last few bytes would need a second system call for
            // the rest. By now the requests served are dropped, so `reserve` moves what is left
            // to the front of the same allocation rather than allocating. (Only while little is
            // buffered: a large argument on its way has exactly its room reserved already.)
            src.reserve(READ_ROOM);
        }
        Ok(request)
    }

    /// At end of stream: whole requests still in the buffer are served; a request cut off by the
    /// end (a line without its newline, half an array) is dropped, never executed.
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Request>, CodecError> {
        match self.decode(src)? {
            Some(request) => Ok(Some(request)),
            None => {
                if !src.is_empty() {
                    tracing::debug!(bytes = src.len(), "dropping a request cut off by EOF");
                }
                src.clear();
                self.spans.clear();
                self.state = State::Start;
                Ok(None)
            }
        }
    }
}

impl Encoder<Reply> for ServerCodec {
    type Error = io::Error;

    fn encode(&mut self, reply: Reply, dst: &mut BytesMut) -> Result<(), io::Error> {
        reply.write_to(dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn small() -> Limits {
        Limits {
            max_line: 16,
            max_bulk: 64,
        }
    }

    /// Feeds `input` in pieces of `chunk` bytes, then EOF; returns what was decoded.
    fn decode_in_chunks(limits: Limits, input: &[u8], chunk: usize) -> Vec<Request> {
        let mut codec = ServerCodec::new(limits);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            buf.extend_from_slice(piece);
            while let Some(request) = codec.decode(&mut buf).expect("valid input") {
                out.push(request);
            }
        }
        while let Some(request) = codec.decode_eof(&mut buf).expect("valid input") {
            out.push(request);
        }
        out
    }

    fn array(args: &[&str]) -> Request {
        Request::Array(Args::from_words(args))
    }

    fn line(text: &str) -> Request {
        Request::Line(Bytes::copy_from_slice(text.as_bytes()))
    }

    const PIPELINE: &[u8] = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\r\nb!\r\n\
                              GET k\n\
                              PUT k two words\r\n\
                              *1\r\n$4\r\nPING\r\n";

    fn pipeline_requests() -> Vec<Request> {
        vec![
            array(&["SET", "k", "a\r\nb!"]),
            line("GET k"),
            line("PUT k two words"),
            array(&["PING"]),
        ]
    }

    #[test]
    fn pipelined_frames_of_both_dialects_come_out_in_order() {
        let requests = decode_in_chunks(Limits::default(), PIPELINE, PIPELINE.len());
        assert_eq!(requests, pipeline_requests());
    }

    #[test]
    fn frames_split_at_every_byte_boundary_decode_the_same() {
        for cut in 1..PIPELINE.len() {
            let mut codec = ServerCodec::new(Limits::default());
            let mut buf = BytesMut::from(&PIPELINE[..cut]);
            let mut out = Vec::new();
            while let Some(r) = codec.decode(&mut buf).expect("valid") {
                out.push(r);
            }
            buf.extend_from_slice(&PIPELINE[cut..]);
            while let Some(r) = codec.decode(&mut buf).expect("valid") {
                out.push(r);
            }
            assert_eq!(out, pipeline_requests(), "split at byte {cut}");
            assert!(buf.is_empty());
        }
        // And byte by byte.
        assert_eq!(
            decode_in_chunks(Limits::default(), PIPELINE, 1),
            pipeline_requests()
        );
    }

    #[test]
    fn blank_lines_and_empty_arrays_are_skipped() {
        let input = b"\r\n\n  \n*0\r\n*-1\r\nPING\n";
        assert_eq!(decode_in_chunks(small(), input, 3), vec![line("PING")]);
    }

    #[test]
    fn a_request_cut_off_by_eof_is_never_returned() {
        assert_eq!(
            decode_in_chunks(small(), b"GET a\nDEL a", 4),
            vec![line("GET a")]
        );
        let half_array = b"*2\r\n$3\r\nGET\r\n$1\r\n";
        assert_eq!(decode_in_chunks(small(), half_array, 5), vec![]);
    }

    #[test]
    fn an_oversized_line_is_reported_once_and_skipped() {
        // 40 bytes on one line against a 16-byte limit, then a good line.
        let input = format!("PUT k {}\nGET k\n", "x".repeat(34));
        for chunk in [1, 5, 64] {
            assert_eq!(
                decode_in_chunks(small(), input.as_bytes(), chunk),
                vec![Request::LineTooLong, line("GET k")],
                "chunk {chunk}"
            );
        }
        // Exactly at the limit is fine, with either line ending.
        let at_limit = format!("{}\r\n{}\n", "a".repeat(16), "b".repeat(16));
        assert_eq!(
            decode_in_chunks(small(), at_limit.as_bytes(), 1),
            vec![line(&"a".repeat(16)), line(&"b".repeat(16))]
        );
    }

    #[test]
    fn oversized_or_broken_resp_is_a_protocol_error() {
        let cases: [(&[u8], &str); 5] = [
            (b"*2\r\n$100\r\n", "invalid bulk length"),
            (b"*1\r\n$60\r\n", "command larger than 64 bytes"),
            (b"*1\r\n+OK\r\n", "expected '$', got '+'"),
            (b"*x\r\n", "invalid multibulk length"),
            (b"*1\r\n$1\r\nab\r\n", "bulk string not ended by CRLF"),
        ];
        for (input, reason) in cases {
            let mut codec = ServerCodec::new(small());
            let mut buf = BytesMut::from(input);
            match codec.decode(&mut buf) {
                Err(CodecError::Protocol(got)) => assert_eq!(got, reason),
                other => panic!("{:?}: expected a protocol error, got {other:?}", input),
            }
        }
        // A header that never ends is not waited for.
        let mut codec = ServerCodec::new(small());
        let mut buf = BytesMut::from(&b"*1111111111111111111111111111111111"[..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(CodecError::Protocol(_))
        ));
    }

    #[test]
    fn kept_arguments_are_copied_when_small_and_shared_when_large() {
        let big = vec![b'x'; 5000];
        let request = array(&["SET", "k", std::str::from_utf8(&big).expect("ascii")]);
        let Request::Array(args) = &request else {
            panic!("an array")
        };
        let parts: Vec<&[u8]> = args.iter().collect();
        let (key, value) = (request.keep(parts[1]), request.keep(parts[2]));
        assert_eq!((&key[..], &value[..]), (&b"k"[..], &big[..]));
        assert_ne!(
            key.as_ptr(),
            parts[1].as_ptr(),
            "a small argument is copied"
        );
        assert_eq!(value.as_ptr(), parts[2].as_ptr(), "a large one is shared");
        // A slice from elsewhere is copied, never trusted to be inside the request.
        assert_eq!(&request.keep(&big[..4096])[..], &big[..4096]);
    }

    #[test]
    fn replies_are_encoded_in_their_dialect() {
        use crate::frame::Frame;
        let mut codec = ServerCodec::new(small());
        let mut out = BytesMut::new();
        codec
            .encode(Reply::Resp(Frame::bulk_static(b"v")), &mut out)
            .expect("encode");
        codec
            .encode(Reply::Line(Frame::bulk_static(b"v")), &mut out)
            .expect("encode");
        assert_eq!(&out[..], b"$1\r\nv\r\nOK v\n");
    }

    /// Reads land in the buffer's free room, as `Framed` does it. Requests arriving one at a time
    /// each take one read, however many came before, and the buffer stays small: the room is
    /// made by reusing the allocation, not by growing it.
    #[test]
    fn each_request_takes_one_read_and_the_buffer_does_not_grow() {
        let mut codec = ServerCodec::new(Limits::default());
        let mut buf = BytesMut::with_capacity(1024); // as a connection starts
        let request: &[u8] = b"*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n";
        let mut reads = 0;
        for _ in 0..1000 {
            let mut unread = request;
            let decoded = loop {
                buf.reserve(1); // what Framed does before each read
                let n = unread.len().min(buf.capacity() - buf.len());
                buf.extend_from_slice(&unread[..n]);
                unread = &unread[n..];
                reads += 1;
                if let Some(decoded) = codec.decode(&mut buf).expect("valid") {
                    break decoded;
                }
            };
            drop(decoded); // served
            assert!(codec.decode(&mut buf).expect("valid").is_none());
            assert!(buf.capacity() <= 2048, "grew to {}", buf.capacity());
        }
        assert_eq!(reads, 1000);
    }

    /// A large argument gets exactly its room, once: the buffer's capacity never runs past the
    /// request (no doubling), and so never past `max_bulk`.
    #[test]
    fn a_large_argument_is_read_without_growing_past_the_request() {
        let limits = Limits {
            max_line: 1024,
            max_bulk: 1 << 20,
        };
        let mut codec = ServerCodec::new(limits);
        let value = vec![b'v'; 1_000_000];
        let mut request =
            format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${}\r\n", value.len()).into_bytes();
        request.extend_from_slice(&value);
        request.extend_from_slice(b"\r\n");
        let mut buf = BytesMut::with_capacity(1024);
        let mut unread = &request[..];
        let decoded = loop {
            buf.reserve(1);
            // Reads of 1000 bytes: the last one finds less than READ_ROOM free, as it can.
            let n = unread.len().min(buf.capacity() - buf.len()).min(1000);
            buf.extend_from_slice(&unread[..n]);
            unread = &unread[n..];
            assert!(
                buf.capacity() <= request.len() + READ_ROOM,
                "capacity {} for a request of {}",
                buf.capacity(),
                request.len()
            );
            if let Some(decoded) = codec.decode(&mut buf).expect("valid") {
                break decoded;
            }
        };
        assert!(unread.is_empty());
        let Request::Array(args) = decoded else {
            panic!("expected an array, got {decoded:?}");
        };
        assert_eq!(
            args.iter().map(<[u8]>::len).collect::<Vec<_>>(),
            [3, 1, 1_000_000]
        );
    }

    proptest! {
        /// Whatever arrives, in whatever pieces: the decoder does not panic, and the buffer never
        /// holds more than the largest allowed request plus one piece.
        #[test]
        fn arbitrary_bytes_never_panic_and_the_buffer_stays_bounded(
            pieces in proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..40),
                    // Bytes that look like RESP, so the array paths are exercised too.
                    proptest::collection::vec(
                        prop_oneof![Just(b'*'), Just(b'$'), Just(b'\r'), Just(b'\n'),
                                    Just(b'1'), Just(b'9'), Just(b'-'), Just(b'a')],
                        0..40,
                    ),
                ],
                0..30,
            )
        ) {
            let limits = small();
            let bound = limits.max_line.max(limits.max_bulk) + 2 + 40;
            let mut codec = ServerCodec::new(limits);
            let mut buf = BytesMut::new();
            'feed: for piece in &pieces {
                buf.extend_from_slice(piece);
                loop {
                    match codec.decode(&mut buf) {
                        Ok(Some(Request::Line(line))) => prop_assert!(line.len() <= limits.max_line),
                        Ok(Some(Request::Array(args))) => {
                            prop_assert!(args.iter().map(<[u8]>::len).sum::<usize>() <= limits.max_bulk);
                        }
                        Ok(Some(Request::LineTooLong)) => {}
                        Ok(None) => break,
                        Err(_) => break 'feed, // the connection would be closed here
                    }
                }
                prop_assert!(buf.len() <= bound, "buffer grew to {}", buf.len());
            }
            let _ = codec.decode_eof(&mut buf);
        }
    }
}
