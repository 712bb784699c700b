//! The checks of `redis_echo_server`: `cargo exercise check redis_echo_server` runs them against
//! mini_redis/exercises/redis_echo_server.rs. Edit that file, not this one: the runner counts these
//! tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).
//!
//! Your server runs in each test's runtime, on a port the OS picked, and the tests talk to it over
//! real TCP. A reply that must come is awaited for at most `WAIT` (it takes microseconds); a
//! connection's end is awaited as the event it is: the client closes its sending side
//! (half-close), and the server's end of the stream follows.

use super::*;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use workshop::testing::within;

/// The longest a test may take: past it, it names what never happened.
const LIMIT: Duration = Duration::from_secs(20);
/// How long a reply that must come may take (a correct server answers in microseconds).
const WAIT: Duration = Duration::from_secs(5);

/// Your server on a port the OS picked, running in the test's runtime.
async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(serve(listener));
    addr
}

/// A client that writes bytes and reads reply lines exactly as sent.
struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .expect("could not connect: did `serve` stop accepting (return, or panic)?");
        let (read, writer) = stream.into_split();
        Client {
            reader: BufReader::new(read),
            writer,
        }
    }

    /// Writes `bytes`. A failure is not reported here: the next read shows the connection's end.
    async fn send(&mut self, bytes: &[u8]) {
        let _ = self.writer.write_all(bytes).await;
    }

    /// The next reply line, its `\n` included; `None` at the end of the stream. A line the server
    /// did not finish before closing comes without its `\n`. Panics after `WAIT` with `silence`.
    async fn line(&mut self, silence: &str) -> Option<String> {
        let mut line = Vec::new();
        match tokio::time::timeout(WAIT, self.reader.read_until(b'\n', &mut line)).await {
            Err(_) => panic!("no reply within {WAIT:?}: {silence}"),
            Ok(Ok(0) | Err(_)) => None,
            Ok(Ok(_)) => Some(String::from_utf8_lossy(&line).into_owned()),
        }
    }

    /// Closes the sending side (the server's `next_line` gives `None`), then reads everything
    /// until the server closes, or until more than `cap` bytes came (a server that keeps sending
    /// after the end would fill the memory).
    async fn close_and_read_rest(&mut self, cap: usize) -> Vec<u8> {
        self.writer.shutdown().await.expect("half-close");
        let mut rest = Vec::new();
        let mut chunk = [0; 4096];
        while rest.len() <= cap {
            match self.reader.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => rest.extend_from_slice(&chunk[..n]),
            }
        }
        rest
    }
}

#[tokio::test]
async fn each_line_comes_back_as_soon_as_it_is_sent() {
    within(LIMIT, "an echo for each line", async {
        let addr = start().await;
        let mut client = Client::connect(addr).await;
        let lines = ["hello", "two words", "", "PUT greeting hello world", "last"];
        for (sent, line) in lines.into_iter().enumerate() {
            client.send(format!("{line}\n").as_bytes()).await;
            let silence = format!(
                "sent {line:?} and a newline, and the server has not echoed it: write each line \
                 back (with its \\n) as soon as it is read, not when the client leaves"
            );
            let reply = client.line(&silence).await;
            let Some(reply) = reply else {
                if line.is_empty() {
                    panic!(
                        "a blank line ended the connection: a blank line is a line too, echo it \
                         (\"\\n\") and go on. Only `next_line()` giving `None` is the end of the \
                         stream (in Python, `readline()` keeps the \\n, so b\"\" can only mean \
                         the end; Rust's lines come without it)"
                    );
                }
                panic!(
                    "the connection ended after echoing {sent} of {} lines, when {line:?} was \
                     sent: the server must echo every line until the client closes its side (`while let \
                     Some(line) = lines.next_line().await? {{ … }}`)",
                    lines.len()
                );
            };
            assert_eq!(
                reply,
                format!("{line}\n"),
                "sent {line:?} and a newline: the echo is the same line, then \\n"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_echo_is_each_line_and_a_newline() {
    within(LIMIT, "the echoes of four lines", async {
        let addr = start().await;
        let mut client = Client::connect(addr).await;
        let sent = "crlf, as telnet sends\r\nplain\n\n  spaced  \n";
        client.send(sent.as_bytes()).await;
        let rest = client.close_and_read_rest(1024).await;
        let got = String::from_utf8_lossy(&rest);
        let expected = "crlf, as telnet sends\nplain\n\n  spaced  \n";
        if got.contains('\r') {
            panic!(
                "sent {sent:?}, got {got:?}: the \\r of the CRLF line came back, so the server \
                 copies bytes instead of reading lines. `lines()` cuts at \\n or \\r\\n and \
                 gives the line without them; the echo is that line and \\n"
            );
        }
        assert_eq!(
            got, expected,
            "sent {sent:?} then closed: the echo is each line (its line ending, \\n or \\r\\n, \
             taken off by `lines()`) and \\n"
        );
    })
    .await;
}

#[tokio::test]
async fn a_second_client_is_answered_while_the_first_stays_connected() {
    within(LIMIT, "three clients' echoes", async {
        let addr = start().await;
        let one_at_a_time = "each connection must be served on a task of its own \
                             (`tokio::spawn(async move { … })`, never awaited in the loop): an \
                             accept loop that awaits the connection (or the spawned task's \
                             JoinHandle) serves one client at a time, and the next waits until \
                             the first leaves";
        let mut first = Client::connect(addr).await;
        first.send(b"first\n").await;
        let reply = first.line("client 1 got no echo").await;
        assert_eq!(reply.as_deref(), Some("first\n"), "client 1's echo");
        let mut second = Client::connect(addr).await;
        second.send(b"second\n").await;
        let silence =
            format!("client 2 got no echo while client 1 stayed connected: {one_at_a_time}");
        let reply = second.line(&silence).await;
        assert_eq!(reply.as_deref(), Some("second\n"), "client 2's echo");
        let mut third = Client::connect(addr).await;
        third.send(b"third\n").await;
        let silence =
            format!("client 3 got no echo while clients 1 and 2 stayed connected: {one_at_a_time}");
        let reply = third.line(&silence).await;
        assert_eq!(reply.as_deref(), Some("third\n"), "client 3's echo");
        for (n, client) in [(1, &mut first), (2, &mut second)] {
            client.send(b"again\n").await;
            let silence = format!("client {n} got no echo for its second line");
            let reply = client.line(&silence).await;
            assert_eq!(
                reply.as_deref(),
                Some("again\n"),
                "client {n}, still connected, sent another line"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_client_that_closes_gets_its_echoes_then_the_end() {
    let what = "the end of the connection after the client closed its side: when `next_line()` \
                gives `None` the echo loop must end (and the connection with it), not wait or \
                spin";
    within(WAIT, what, async {
        let addr = start().await;
        let mut client = Client::connect(addr).await;
        client.send(b"one\ntwo\n").await;
        let rest = client.close_and_read_rest(1024).await;
        let got = String::from_utf8_lossy(&rest);
        assert!(
            rest.len() <= 1024,
            "sent \"one\\ntwo\\n\" and closed: the server kept sending after the end of the \
             stream ({} bytes so far, beginning {:?}). `next_line()` gives `None` at the end: \
             stop there (Python's `readline()` gives b\"\" for ever, and a `while True` loop \
             spins on it)",
            rest.len(),
            got.chars().take(40).collect::<String>()
        );
        assert_eq!(
            got, "one\ntwo\n",
            "both lines back, then the end of the stream"
        );
    })
    .await;
}
