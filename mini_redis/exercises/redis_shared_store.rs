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
//! The tests, over TCP: a session of GET/PUT/DEL/QUIT with several keys and the exact replies; a
//! value one client sets, another reads, a client that connects later too, and the other way
//! round; sixteen clients storing at the same time (on four worker threads), each reading
//! another's keys; two servers, two stores (no `static` map); and `execute` on two stores.
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

// The tests `cargo exercise check` runs: mini_redis/checks/redis_shared_store.rs.
#[cfg(test)]
#[path = "../checks/redis_shared_store.rs"]
mod checks;
