//! The checks of `redis_edge_cases`: `cargo exercise check redis_edge_cases` runs them against
//! mini_redis/exercises/redis_edge_cases.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).
//!
//! Each test is one client of `connection` over real TCP, on a socket the test accepted and with a
//! store the test made: it sends its bytes, closes its sending side (half-close, as `nc -N` does)
//! and reads every reply until the server closes. Then it looks at the store, and at how the
//! connection's task ended (`Ok(())`, an error, or a panic). Nothing is timed: the end of the
//! stream is the event; a server that never closes fails after `WAIT`.

use super::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinError;
use workshop::testing::within;

/// The longest a test may take: past it, it names what never happened.
const LIMIT: Duration = Duration::from_secs(20);
/// How long the server may take to answer everything and close (it takes milliseconds).
const WAIT: Duration = Duration::from_secs(5);

/// What one client saw, and how the connection ended.
struct Session {
    /// Every byte the server sent, as text.
    replies: String,
    /// Whether the server closed the connection (rather than leaving it open past `WAIT`).
    closed: bool,
    /// How `connection` ended: `None` if it had not by then.
    ended: Option<Result<io::Result<()>, JoinError>>,
    store: Store,
}

impl Session {
    /// Sends `input` to your `connection` over TCP, closes the sending side, and reads everything
    /// until the server closes.
    async fn run(input: &[u8]) -> Session {
        Session::run_with(Store::default(), input).await
    }

    async fn run_with(store: Store, input: &[u8]) -> Session {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let mut client = TcpStream::connect(addr).await.expect("connect");
        let (stream, _) = listener.accept().await.expect("accept");
        let task = tokio::spawn(connection(stream, store.clone()));
        // The server may close early: what it sent is still read below.
        let _ = client.write_all(input).await;
        let _ = client.shutdown().await;
        let mut replies = Vec::new();
        let read = tokio::time::timeout(WAIT, client.read_to_end(&mut replies)).await;
        let ended = tokio::time::timeout(WAIT, task).await.ok();
        Session {
            replies: String::from_utf8_lossy(&replies).into_owned(),
            closed: read.is_ok(),
            ended,
            store,
        }
    }

    /// Panics unless the connection's task returned `Ok(())`; `after` says what was sent.
    fn ended_well(&self, after: &str) {
        match &self.ended {
            Some(Ok(Ok(()))) => {}
            Some(Ok(Err(err))) => panic!(
                "after {after}, `connection` returned Err({err:?}): a client that leaves (its \
                 last line cut off or not) is no error of the server's, and a bad line is \
                 answered with an ERROR, not an error that ends the connection. A `Framed` \
                 stream gives the decoder's first error and then ends"
            ),
            Some(Err(err)) => panic!(
                "after {after}, the connection's task panicked ({err}): bad input is answered \
                 with an ERROR line, never a panic"
            ),
            None => panic!(
                "after {after} and the end of the stream, `connection` had not returned within \
                 {WAIT:?}: when the request stream ends, the connection ends"
            ),
        }
    }

    fn value(&self, key: &str) -> Option<String> {
        let map = self.store.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).cloned()
    }
}

/// A long text, for messages: its start and its length.
fn shorten(text: &str) -> String {
    if text.len() <= 200 {
        return format!("{text:?}");
    }
    let start: String = text.chars().take(60).collect();
    format!("{start:?}… ({} bytes)", text.len())
}

#[tokio::test]
async fn a_line_cut_off_by_the_end_of_the_stream_is_never_executed() {
    within(LIMIT, "lines cut off by the end of the stream", async {
        /// Sent, then the replies, then each key and its value in the store after.
        type Case = (
            &'static [u8],
            &'static str,
            &'static [(&'static str, Option<&'static str>)],
        );
        let cases: [Case; 4] = [
            (
                b"PUT a 1\nPUT b 2",
                "OK\n",
                &[("a", Some("1")), ("b", None)],
            ),
            (
                b"PUT a 1\nPUT b 2\nDEL a",
                "OK\nOK\n",
                &[("a", Some("1")), ("b", Some("2"))],
            ),
            (
                b"PUT a 1\r\nPUT b 2\r",
                "OK\n",
                &[("a", Some("1")), ("b", None)],
            ),
            (b"PUT a 1\nQUIT", "OK\n", &[("a", Some("1"))]),
        ];
        for (input, expected, keys) in cases {
            let sent = String::from_utf8_lossy(input);
            let session = Session::run(input).await;
            for &(key, value) in keys {
                let stored = session.value(key);
                assert!(
                    stored.as_deref() == value,
                    "sent {sent:?} and closed: after it, the store's {key:?} must be {value:?}, \
                     not {stored:?}. The last line never got its newline (the client may have \
                     died mid-line) and must not run: `LinesCodec::decode_eof` hands the rest \
                     over as a last line; serve only the whole lines, and drop the rest"
                );
            }
            assert!(
                session.replies == expected && session.closed,
                "sent {sent:?} and closed: the replies must be {expected:?} (the whole lines' \
                 only; the cut-off one gets none), then the end of the connection; got {:?}{}",
                session.replies,
                if session.closed {
                    ""
                } else {
                    ", and the connection stayed open"
                }
            );
            session.ended_well(&format!("{sent:?}"));
        }
    })
    .await;
}

#[test]
fn decode_eof_serves_the_whole_lines_then_drops_the_rest() {
    let mut codec = RequestCodec::new();
    let mut buffer = BytesMut::from("GET a\nDEL b\r\nPUT c 3".as_bytes());
    for line in ["GET a", "DEL b"] {
        assert_eq!(
            codec.decode_eof(&mut buffer).ok(),
            Some(Some(Line::Text(line.into()))),
            "decode_eof on a buffer that still holds whole lines: they are requests, one per \
             call (call your own `self.decode(src)` first), and only what follows the last \
             newline is dropped"
        );
    }
    assert_eq!(
        codec.decode_eof(&mut buffer).ok(),
        Some(None),
        "decode_eof with only \"PUT c 3\" left, a line cut off by the end of the stream: \
         Ok(None), it is dropped (not run, and not an error)"
    );
    assert!(
        buffer.is_empty(),
        "after decode_eof gave Ok(None), the cut-off line's bytes are still in the buffer \
         ({:?}): clear it (`src.clear()`)",
        String::from_utf8_lossy(&buffer)
    );
    let mut empty = BytesMut::new();
    assert_eq!(
        RequestCodec::new().decode_eof(&mut empty).ok(),
        Some(None),
        "decode_eof on an empty buffer: Ok(None)"
    );
}

#[tokio::test]
async fn a_client_that_half_closes_gets_every_reply_then_the_end() {
    within(LIMIT, "400 requests, then a half-close", async {
        for count in [1, 200] {
            let mut input = String::new();
            let mut expected = String::new();
            for i in 0..count {
                input.push_str(&format!("PUT k{i} v{i}\nGET k{i}\n"));
                expected.push_str(&format!("OK\nOK v{i}\n"));
            }
            let session = Session::run(input.as_bytes()).await;
            assert!(
                session.closed,
                "{} requests then a half-close: the server must answer them and close, and the \
                 connection stayed open ({} reply lines so far)",
                2 * count,
                session.replies.lines().count()
            );
            assert!(
                session.replies == expected,
                "{} requests then a half-close: every reply, then the end; got {} reply lines \
                 ({})",
                2 * count,
                session.replies.lines().count(),
                shorten(&session.replies)
            );
            session.ended_well(&format!("{} requests and a half-close", 2 * count));
        }
    })
    .await;
}

#[tokio::test]
async fn invalid_utf8_is_an_error_and_the_connection_stays() {
    within(LIMIT, "lines that are not UTF-8", async {
        // Each is not UTF-8 in its own way: bytes no UTF-8 has, a lone continuation byte, a
        // sequence cut short, an encoded surrogate, an overlong encoding.
        let bad: [&[u8]; 5] = [
            b"\xff\xfe",
            b"caf\x80",
            b"\xc3(",
            b"\xed\xa0\x80",
            b"\xc0\xaf",
        ];
        let mut input = b"PUT name Jos\xc3\xa9\n".to_vec();
        let mut expected = String::from("OK\n");
        for (i, bytes) in bad.iter().enumerate() {
            input.extend_from_slice(format!("PUT k{i} ").as_bytes());
            input.extend_from_slice(bytes);
            input.extend_from_slice(format!("\nGET k{i}\n").as_bytes());
            expected.push_str("ERROR invalid UTF-8 in line\nNONE\n");
        }
        input.extend_from_slice(b"GET name\n");
        expected.push_str("OK Jos\u{e9}\n");
        let sent = String::from_utf8_lossy(&input).into_owned();
        let session = Session::run(&input).await;
        let sent = format!("sent {sent:?} (each \u{fffd} a byte that is not UTF-8) and closed");
        for i in 0..bad.len() {
            if let Some(value) = session.value(&format!("k{i}")) {
                panic!(
                    "{sent}: `PUT k{i} …`, a line that is not UTF-8, ran: k{i} holds {value:?}. \
                     Decoding lossily (`String::from_utf8_lossy`, Python's errors=\"replace\") \
                     runs a command the client never sent: such a line gets `ERROR invalid \
                     UTF-8 in line` and runs nothing"
                );
            }
        }
        let errors = session
            .replies
            .matches("ERROR invalid UTF-8 in line\n")
            .count();
        if let Some(Ok(Err(err))) = &session.ended {
            panic!(
                "{sent}: {errors} of the {} bad lines got their ERROR, then the connection \
                 ended with Err({err:?}). `LinesCodecError::Io` from `LinesCodec::decode` is a \
                 line that is not UTF-8, whatever its bytes (looking for a few bad bytes misses \
                 the others: let the codec check the line): make it \
                 `Ok(Some(Line::InvalidUtf8))`, a request, not an error that ends the stream",
                bad.len()
            );
        }
        assert!(
            errors == bad.len(),
            "{sent}: {errors} of the {} bad lines got `ERROR invalid UTF-8 in line`; each must \
             (replies: {:?}). `Ok(None)` means \"no whole line yet\": it answers nothing, and a \
             line after it waits for more bytes. `Ok(Some(Line::InvalidUtf8))` is answered, and \
             the lines after it stay in the buffer (`LinesCodec` took out the bad line only)",
            bad.len(),
            session.replies
        );
        assert!(
            session.replies == expected,
            "{sent}: the replies must be {expected:?}, got {:?}: every line that is not UTF-8 \
             gets the ERROR, and the lines after it are served",
            session.replies
        );
        session.ended_well("lines that are not UTF-8");
    })
    .await;
}

#[tokio::test]
async fn a_line_over_the_limit_is_still_refused() {
    within(LIMIT, "a line over the limit", async {
        for size in [MAX_LINE + 1, 4 * MAX_LINE] {
            let long = format!("PUT k {}", "x".repeat(size - "PUT k ".len()));
            let input = format!("{long}\nGET k\n");
            let session = Session::run(input.as_bytes()).await;
            let expected = format!("ERROR line too long (the limit is {MAX_LINE} bytes)\nNONE\n");
            assert!(
                session.replies == expected,
                "sent a line of {size} bytes, over the limit of {MAX_LINE}, then GET k: the \
                 replies must be {expected:?}, got {}. A line over the limit is still \
                 `Line::TooLong` (only `LinesCodecError::Io` is a line that is not UTF-8)",
                shorten(&session.replies)
            );
            session.ended_well(&format!("a line of {size} bytes"));
        }
    })
    .await;
}
