//! The line dialect's contract, as checks any server can be put through over TCP.
//!
//! [`line_dialect`] connects to a running server and checks what a client typing into `nc` relies
//! on: `GET`/`PUT`/`DEL`/`QUIT` and their replies, `ERROR <reason>` for malformed lines with the
//! connection kept, blank lines skipped, lines over the length limit refused, invalid UTF-8
//! refused, pipelined requests answered in order, a half-closed client answered before the end,
//! and a line cut off by the end of the stream never executed. mini_redis runs it in
//! `tests/conformance.rs`; the capstone track's last step runs it against the learner's server,
//! so both are held to one definition instead of two copies of it.
//!
//! Only the line dialect is here: a server that speaks nothing else passes. Each check uses its
//! own keys (prefix `conformance:`), so a server can be checked while it serves others.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// How long one reply may take before the check gives up and says which one never came.
const REPLY_LIMIT: Duration = Duration::from_secs(10);

/// Runs every line-dialect check against the server at `addr`, whose longest accepted line is
/// `max_line` bytes (without its line ending). `Err` says which request got which wrong reply.
pub async fn line_dialect(addr: SocketAddr, max_line: usize) -> Result<(), String> {
    commands_and_replies(addr).await?;
    malformed_lines_get_an_error_and_the_connection_stays(addr).await?;
    keys_are_shared_between_connections(addr).await?;
    line_length_limit(addr, max_line).await?;
    pipelined_requests_are_answered_in_order(addr).await?;
    a_line_cut_off_by_eof_is_never_executed(addr).await?;
    quit_answers_then_closes(addr).await?;
    Ok(())
}

/// One connection, written to and read from line by line.
struct Session {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Session {
    async fn open(addr: SocketAddr) -> Result<Session, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let (read, writer) = stream.into_split();
        Ok(Session {
            reader: BufReader::new(read),
            writer,
        })
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.writer
            .write_all(bytes)
            .await
            .map_err(|e| format!("writing {:?}: {e}", shown(bytes)))
    }

    /// The next reply line, `\n` included; `None` when the server closed the connection.
    async fn reply(&mut self, after: &[u8]) -> Result<Option<String>, String> {
        let mut line = Vec::new();
        let read = tokio::time::timeout(REPLY_LIMIT, self.reader.read_until(b'\n', &mut line))
            .await
            .map_err(|_| format!("sent {:?}: no reply within {REPLY_LIMIT:?}", shown(after)))?;
        match read {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(shown(&line))),
            Err(e) => Err(format!("sent {:?}: reading the reply: {e}", shown(after))),
        }
    }

    /// Sends `request` (its line ending included) and checks the one reply line it gets.
    async fn expect(&mut self, request: &[u8], reply: &str) -> Result<(), String> {
        self.send(request).await?;
        match self.reply(request).await? {
            Some(got) if got == reply => Ok(()),
            Some(got) => Err(format!(
                "sent {:?}: expected the reply {reply:?}, got {got:?}",
                shown(request)
            )),
            None => Err(format!(
                "sent {:?}: expected the reply {reply:?}, but the server closed the connection",
                shown(request)
            )),
        }
    }
}

/// Sends `input`, closes the sending side (half-close), and returns everything the server sends
/// until it closes the connection.
async fn exchange(addr: SocketAddr, input: &[u8]) -> Result<String, String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let what = shown(&input[..input.len().min(60)]);
    stream
        .write_all(input)
        .await
        .map_err(|e| format!("writing {what:?}: {e}"))?;
    stream
        .shutdown()
        .await
        .map_err(|e| format!("half-closing after {what:?}: {e}"))?;
    let mut out = Vec::new();
    match tokio::time::timeout(REPLY_LIMIT, stream.read_to_end(&mut out)).await {
        Ok(Ok(_)) => Ok(shown(&out)),
        Ok(Err(e)) => Err(format!(
            "sent {what:?} and half-closed: reading the replies: {e}"
        )),
        Err(_) => Err(format!(
            "sent {what:?} and half-closed: the server did not close the connection within \
             {REPLY_LIMIT:?} (got {:?} so far): at the end of a client's stream, answer what it \
             sent, then close",
            shown(&out)
        )),
    }
}

fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn compare(what: &str, expected: &str, got: &str) -> Result<(), String> {
    if expected == got {
        return Ok(());
    }
    let line = expected
        .lines()
        .zip(got.lines())
        .position(|(e, g)| e != g)
        .unwrap_or_else(|| expected.lines().count().min(got.lines().count()));
    Err(format!(
        "{what}: the replies differ from line {}: expected {:?}, got {:?} \
         ({} reply lines expected, {} received)",
        line + 1,
        expected.lines().nth(line).unwrap_or("<nothing>"),
        got.lines().nth(line).unwrap_or("<nothing>"),
        expected.lines().count(),
        got.lines().count()
    ))
}

async fn commands_and_replies(addr: SocketAddr) -> Result<(), String> {
    let mut c = Session::open(addr).await?;
    c.expect(b"DEL conformance:greeting\n", "OK\n").await?;
    c.expect(b"GET conformance:greeting\n", "NONE\n").await?;
    // The value is the rest of the line, spaces included.
    c.expect(b"PUT conformance:greeting hello there world\n", "OK\n")
        .await?;
    c.expect(b"GET conformance:greeting\n", "OK hello there world\n")
        .await?;
    // Command names in any case; CRLF line endings as well as LF.
    c.expect(b"get conformance:greeting\r\n", "OK hello there world\n")
        .await?;
    c.expect(b"Put conformance:greeting again\r\n", "OK\n")
        .await?;
    c.expect(b"GET conformance:greeting\n", "OK again\n")
        .await?;
    c.expect(b"DEL conformance:greeting\n", "OK\n").await?;
    c.expect(b"GET conformance:greeting\n", "NONE\n").await?;
    // Deleting a missing key is not an error.
    c.expect(b"DEL conformance:greeting\n", "OK\n").await?;
    // A blank line gets no reply: the next reply is the next request's.
    c.expect(b"\nPUT conformance:blank x\n", "OK\n").await?;
    c.expect(b"   \nGET conformance:blank\n", "OK x\n").await?;
    Ok(())
}

async fn malformed_lines_get_an_error_and_the_connection_stays(
    addr: SocketAddr,
) -> Result<(), String> {
    let mut c = Session::open(addr).await?;
    c.expect(b"PUT conformance:bad before\n", "OK\n").await?;
    for (request, reply) in [
        (
            &b"PUT conformance:bad\n"[..],
            "ERROR usage: PUT key value\n",
        ),
        (b"PUT conformance:bad   \n", "ERROR usage: PUT key value\n"),
        (b"GET\n", "ERROR usage: GET key\n"),
        (b"GET a b\n", "ERROR usage: GET key\n"),
        (b"DEL\n", "ERROR usage: DEL key\n"),
        (b"QUIT now\n", "ERROR usage: QUIT\n"),
        // Bytes that are not UTF-8 are refused, and nothing is stored.
        (
            b"PUT conformance:bad \xff\xfe\n",
            "ERROR invalid UTF-8 in line\n",
        ),
    ] {
        c.expect(request, reply).await?;
    }
    c.send(b"FROB x\n").await?;
    match c.reply(b"FROB x\n").await? {
        Some(reply) if reply.starts_with("ERROR unknown command 'FROB'") => {}
        other => {
            return Err(format!(
                "sent \"FROB x\\n\": expected \"ERROR unknown command 'FROB'…\", got {other:?}"
            ));
        }
    }
    // Still the same connection, and the refused PUTs stored nothing.
    c.expect(b"GET conformance:bad\n", "OK before\n").await?;
    Ok(())
}

async fn keys_are_shared_between_connections(addr: SocketAddr) -> Result<(), String> {
    let mut a = Session::open(addr).await?;
    let mut b = Session::open(addr).await?;
    a.expect(b"PUT conformance:shared from a\n", "OK\n").await?;
    b.expect(b"GET conformance:shared\n", "OK from a\n").await?;
    b.expect(b"DEL conformance:shared\n", "OK\n").await?;
    a.expect(b"GET conformance:shared\n", "NONE\n").await?;
    Ok(())
}

async fn line_length_limit(addr: SocketAddr, max_line: usize) -> Result<(), String> {
    let mut c = Session::open(addr).await?;
    let prefix = "PUT conformance:long ";
    let Some(fill) = max_line.checked_sub(prefix.len()).filter(|&n| n > 0) else {
        return Err(format!("max_line {max_line} is too short to check"));
    };
    // Exactly the limit: accepted.
    let value = "v".repeat(fill);
    c.expect(format!("{prefix}{value}\n").as_bytes(), "OK\n")
        .await?;
    let too_long = format!("ERROR line too long (the limit is {max_line} bytes)\n");
    // One byte over, and far over (the end of the line arriving well after the limit): refused,
    // skipped up to the newline, and the connection stays usable.
    for over in [1, 4 * max_line + 3] {
        let line = format!("{prefix}{}{}\n", "w".repeat(fill), "x".repeat(over));
        c.send(line.as_bytes()).await?;
        let what = format!(
            "a line of {} bytes (the limit is {max_line})",
            line.len() - 1
        );
        match c.reply(what.as_bytes()).await? {
            Some(reply) if reply == too_long => {}
            other => return Err(format!("sent {what}: expected {too_long:?}, got {other:?}")),
        }
    }
    c.expect(b"GET conformance:long\n", &format!("OK {value}\n"))
        .await?;
    Ok(())
}

async fn pipelined_requests_are_answered_in_order(addr: SocketAddr) -> Result<(), String> {
    // All of it written before any reply is read, then the sending side closed: every reply
    // comes back, in order, and then the end of the stream.
    let mut input = String::new();
    let mut expected = String::new();
    for i in 0..500 {
        input.push_str(&format!(
            "PUT conformance:pipe:{i} v{i}\nGET conformance:pipe:{i}\nDEL conformance:pipe:{i}\n"
        ));
        expected.push_str(&format!("OK\nOK v{i}\nOK\n"));
    }
    let replies = exchange(addr, input.as_bytes()).await?;
    compare(
        "1500 pipelined requests, then a half-close",
        &expected,
        &replies,
    )
}

async fn a_line_cut_off_by_eof_is_never_executed(addr: SocketAddr) -> Result<(), String> {
    exchange(addr, b"DEL conformance:cut:a\nDEL conformance:cut:b\n").await?;
    let replies = exchange(addr, b"PUT conformance:cut:a 1\nPUT conformance:cut:b 2").await?;
    compare(
        "\"PUT conformance:cut:a 1\\nPUT conformance:cut:b 2\" (no newline at the end)",
        "OK\n",
        &replies,
    )?;
    let replies = exchange(addr, b"GET conformance:cut:a\nGET conformance:cut:b\n").await?;
    compare(
        "after a PUT cut off by the end of the stream, its key",
        "OK 1\nNONE\n",
        &replies,
    )
}

async fn quit_answers_then_closes(addr: SocketAddr) -> Result<(), String> {
    let mut c = Session::open(addr).await?;
    c.expect(b"quit\n", "OK\n").await?;
    match c.reply(b"quit\n").await? {
        None => {}
        Some(more) => return Err(format!("after QUIT's OK, expected the end, got {more:?}")),
    }
    // Requests behind QUIT in the same write are never answered.
    let replies = exchange(
        addr,
        b"PUT conformance:quit 1\nQUIT\nGET conformance:quit\n",
    )
    .await?;
    compare("PUT, QUIT, GET in one write", "OK\nOK\n", &replies)
}
