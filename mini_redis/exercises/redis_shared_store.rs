//! Exercise (mini_redis, step 2 of 8): a shared store — GET, PUT, DEL.
//!
//! Your echo server from step 1 becomes a key-value store. Every connection shares one
//! `Store = Arc<Mutex<HashMap<String, String>>>`: `serve` makes it once and gives each connection a
//! clone of the `Arc` (a new handle to the same map). `parse` is given (mini_redis's rules and
//! error messages); write `execute`: `GET key` → `OK value` or `NONE`, `PUT key value` → `OK` (the
//! value is the rest of the line), `DEL key` → `OK`. `QUIT` (answered `OK`, then the connection
//! closes), blank lines (no reply) and malformed lines (`ERROR <reason>`) are handled by `answer`.
//!
//! Why std's `Mutex` and not tokio's: the lock is taken for one map operation and released before
//! anything is awaited, so it is never held while the task sleeps. std's is faster for that, and
//! clippy (`await_holding_lock`, denied in this workspace) stops you holding it across an `.await`.
//! tokio's `Mutex` is for the other case: a lock that must stay held across an `.await`.
//!
//! Follows part 05 (a std `MutexGuard` must not live across an `.await`); mini_redis's store is
//! `mini_redis/src/store.rs` (sharded, with expiry). Python: a plain `dict` shared by every
//! handler, safe there because only one coroutine runs at a time; Rust's tasks run on several
//! threads at once, hence the `Mutex`.
//!
//! The tests: a session of GET/PUT/DEL/QUIT with the exact replies, two clients seeing one store,
//! and `execute` on its own.
//!
//! Run it: `cargo exercise run redis_shared_store` listens on 127.0.0.1:1337 (`-- --port N` for
//! another); talk to it with `nc 127.0.0.1 1337` or `make mr-client`.
//! Check it: `cargo exercise check redis_shared_store` (or save the file while `make exercise` runs).

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The keys and values every connection shares.
type Store = Arc<Mutex<HashMap<String, String>>>;

/// Serves clients on `listener`, each on a task of its own, until the process ends.
async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _peer) = listener.accept().await?;
        // TODO: one store for every connection: make it once, before the loop, and give each
        // connection a clone of the `Arc`. (A new map per connection is what this does now.)
        let store = Store::default();
        tokio::spawn(async move {
            if let Err(err) = connection(stream, store).await {
                eprintln!("connection ended: {err}");
            }
        });
    }
}

/// Answers each line the client sends until it closes its side or sends `QUIT`.
async fn connection(stream: TcpStream, store: Store) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Some(line) = lines.next_line().await? {
        match answer(&line, &store) {
            Answer::Nothing => {}
            Answer::Reply(reply) => write.write_all(format!("{reply}\n").as_bytes()).await?,
            Answer::Last(reply) => {
                write.write_all(format!("{reply}\n").as_bytes()).await?;
                break;
            }
        }
    }
    Ok(())
}

/// What to send back for one request line.
#[derive(Debug, PartialEq)]
enum Answer {
    /// A blank line: no reply.
    Nothing,
    Reply(String),
    /// The reply, then close the connection (`QUIT`).
    Last(String),
}

/// Answers one line: store commands, `QUIT`, and errors for malformed lines.
fn answer(line: &str, store: &Store) -> Answer {
    match parse(line) {
        Ok(None) => Answer::Nothing,
        Ok(Some(Command::Quit)) => Answer::Last("OK".into()),
        Ok(Some(command)) => Answer::Reply(execute(store, command)),
        Err(reason) => Answer::Reply(format!("ERROR {reason}")),
    }
}

/// Runs a store command. The lock is held for one map operation and released before anything
/// is awaited: a std `Mutex` is right for that (tokio's is for locks held across `.await`).
fn execute(store: &Store, command: Command<'_>) -> String {
    // TODO: lock the map (`store.lock()`) and run the command: GET → `OK value` or `NONE`,
    // PUT → `OK`, DEL → `OK`. (`answer` handles QUIT before calling this: any reply will do.)
    let _ = (store, command);
    todo!("run a store command")
}

/// One request of the line dialect, borrowing from its line.
#[derive(Debug, PartialEq)]
enum Command<'a> {
    Get(&'a str),
    Put(&'a str, &'a str),
    Del(&'a str),
    Quit,
}

/// Parses one line (given: the rules and messages of mini_redis/src/command.rs). `Ok(None)` is a
/// blank line; `Err` is the reason a malformed line is refused.
fn parse(line: &str) -> Result<Option<Command<'_>>, String> {
    let line = line.trim_start();
    if line.is_empty() {
        return Ok(None);
    }
    let (name, rest) = line.split_once([' ', '\t']).unwrap_or((line, ""));
    let words: Vec<&str> = rest.split_ascii_whitespace().collect();
    // A key, then the rest of the line, spaces and all: `PUT greeting hello world`.
    let key_and_text = || {
        let (key, text) = rest
            .trim_start_matches([' ', '\t'])
            .split_once([' ', '\t'])?;
        let text = text.trim_start_matches([' ', '\t']);
        (!text.is_empty()).then_some((key, text))
    };
    let command = match name.to_ascii_uppercase().as_str() {
        "GET" => match words[..] {
            [key] => Command::Get(key),
            _ => return Err("usage: GET key".into()),
        },
        "PUT" => match key_and_text() {
            Some((key, value)) => Command::Put(key, value),
            None => return Err("usage: PUT key value".into()),
        },
        "DEL" => match words[..] {
            [key] => Command::Del(key),
            _ => return Err("usage: DEL key".into()),
        },
        "QUIT" => match words[..] {
            [] => Command::Quit,
            _ => return Err("usage: QUIT".into()),
        },
        _ => {
            return Err(format!(
                "unknown command '{name}' (try GET key, PUT key value, DEL key, QUIT)"
            ));
        }
    };
    Ok(Some(command))
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let port = port_from_args()?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on 127.0.0.1:{port}: try `nc 127.0.0.1 {port}`; Ctrl-C stops it");
    serve(listener).await
}

/// `--port N` (after `cargo exercise run NAME --`), else 1337.
fn port_from_args() -> io::Result<u16> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match &args[..] {
        [] => Ok(1337),
        [flag, port] if flag == "--port" => port.parse().map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{port:?} is no port"))
        }),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "usage: --port N",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;
    use std::time::Duration;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
    use workshop::testing::within;

    const LIMIT: Duration = Duration::from_secs(10);

    /// Your server on a port the OS picked, running in the test's runtime.
    async fn start() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        tokio::spawn(serve(listener));
        addr
    }

    /// A client that writes lines and reads reply lines.
    struct Client {
        reader: BufReader<OwnedReadHalf>,
        writer: OwnedWriteHalf,
    }

    #[allow(dead_code)] // not every step uses every helper
    impl Client {
        async fn connect(addr: SocketAddr) -> Client {
            let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
            let (read, writer) = stream.into_split();
            Client {
                reader: BufReader::new(read),
                writer,
            }
        }

        async fn send(&mut self, bytes: &[u8]) {
            self.writer.write_all(bytes).await.expect("write");
        }

        /// The next line, `None` at the end of the stream (or when the server is gone).
        async fn line(&mut self) -> Option<String> {
            let mut line = Vec::new();
            match self.reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => None,
                Ok(_) => Some(String::from_utf8_lossy(&line).trim_end().to_string()),
            }
        }

        async fn call(&mut self, request: &str) -> Option<String> {
            self.send(format!("{request}\n").as_bytes()).await;
            self.line().await
        }

        /// Everything until the server closes the connection.
        async fn rest(&mut self) -> String {
            let mut rest = Vec::new();
            let _ = self.reader.read_to_end(&mut rest).await;
            String::from_utf8_lossy(&rest).into_owned()
        }
    }

    /// Writes `input`, closes the sending side (half-close), and returns everything the server
    /// sends until it closes the connection.
    #[allow(dead_code)]
    async fn exchange(addr: SocketAddr, input: &[u8]) -> String {
        let mut client = Client::connect(addr).await;
        client.send(input).await;
        client.writer.shutdown().await.expect("half-close");
        client.rest().await
    }

    #[tokio::test]
    async fn get_put_del_and_quit_answer_in_the_line_dialect() {
        within(LIMIT, "a session of GET, PUT, DEL, QUIT", async {
            let addr = start().await;
            let mut c = Client::connect(addr).await;
            for (request, reply) in [
                ("GET greeting", "NONE"),
                ("PUT greeting hello world", "OK"),
                ("GET greeting", "OK hello world"),
                ("get greeting", "OK hello world"),
                ("DEL greeting", "OK"),
                ("GET greeting", "NONE"),
                ("PUT greeting", "ERROR usage: PUT key value"),
                ("GET", "ERROR usage: GET key"),
            ] {
                assert_eq!(
                    c.call(request).await.as_deref(),
                    Some(reply),
                    "sent {request:?}"
                );
            }
            assert_eq!(c.call("QUIT").await.as_deref(), Some("OK"), "sent \"QUIT\"");
            assert_eq!(c.rest().await, "", "after QUIT's OK, the server closes");
        })
        .await;
    }

    #[tokio::test]
    async fn every_connection_sees_the_same_store() {
        within(LIMIT, "one store, two clients", async {
            let addr = start().await;
            let mut a = Client::connect(addr).await;
            let mut b = Client::connect(addr).await;
            assert_eq!(
                a.call("PUT shared from a").await.as_deref(),
                Some("OK"),
                "PUT"
            );
            assert_eq!(
                b.call("GET shared").await.as_deref(),
                Some("OK from a"),
                "client B must see what client A stored: make the store once, in `serve`, and \
                 give each connection a clone of the `Arc` (not a map of its own)"
            );
            assert_eq!(b.call("DEL shared").await.as_deref(), Some("OK"), "DEL");
            assert_eq!(
                a.call("GET shared").await.as_deref(),
                Some("NONE"),
                "after B's DEL"
            );
        })
        .await;
    }

    #[test]
    fn execute_runs_store_commands() {
        let store = Store::default();
        assert_eq!(
            execute(&store, Command::Get("k")),
            "NONE",
            "GET of a missing key"
        );
        assert_eq!(execute(&store, Command::Put("k", "a b")), "OK", "PUT");
        assert_eq!(
            execute(&store, Command::Get("k")),
            "OK a b",
            "GET after PUT"
        );
        assert_eq!(execute(&store, Command::Del("k")), "OK", "DEL");
        assert_eq!(
            execute(&store, Command::Del("k")),
            "OK",
            "DEL of a missing key"
        );
        assert_eq!(execute(&store, Command::Get("k")), "NONE", "GET after DEL");
    }
}
