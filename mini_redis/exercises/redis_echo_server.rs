//! Exercise (mini_redis, step 1 of 8): accept clients and echo each line.
//!
//! The capstone track: over eight steps you build your own mini_redis, a server that speaks the line
//! dialect of mini_redis/README.md ("Two dialects, one port") to anyone with `nc`. Each step starts
//! from the previous one solved and adds one thing. First, the skeleton every server has: `serve`
//! accepts connections on `listener` forever and serves each on a task of its own
//! (`tokio::spawn`); `echo` reads the client's lines (`BufReader::new(read).lines()`, then
//! `next_line().await`) and writes each one back with `\n`, until the client's stream ends. A line
//! ends at `\n` or `\r\n` (telnet's); `lines()` gives it without either, and the echo is the line
//! and `\n`. A blank line is a line (`""`): only `None` is the end of the stream.
//!
//! Why a task per client and not a thread each: a task is a few hundred bytes that the runtime
//! parks while it waits for the socket; a thread is a stack of megabytes and a kernel schedule
//! entry, and ten thousand mostly idle clients are ten thousand mostly idle threads. (Serving the
//! client inside the accept loop instead, `echo(stream).await`, would serve one client at a time.)
//!
//! Follows part 10 (tasks that run side by side); mini_redis's accept loop is `run` in
//! `mini_redis/src/server.rs`. Python: `asyncio.start_server(handle, "127.0.0.1", 1337)`, which
//! starts one task per client, and `async for line in reader` in `handle`.
//!
//! The tests, over TCP: each line comes back as soon as it is sent (a blank one too), a CRLF line
//! comes back with `\n`, a second and a third client are answered while the first stays
//! connected, and a client that closes its side gets its echoes, then the end of the stream.
//!
//! Run it: `cargo exercise run redis_echo_server` listens on 127.0.0.1:1337 (`-- --port N` for
//! another); talk to it with `nc 127.0.0.1 1337` or `make mr-client`.
//! Check it: `cargo exercise check redis_echo_server` (or save the file while `make exercise` runs).

use std::io;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Serves clients on `listener`, each on a task of its own, until the process ends.
async fn serve(listener: TcpListener) -> io::Result<()> {
    // TODO: accept connections for ever (`listener.accept().await`), and serve each one on a
    // task of its own (`tokio::spawn`) with `echo`; print an error a connection ends with.
    todo!("accept clients, one task each")
}

/// Sends back each line the client sends, until it closes its side.
async fn echo(stream: TcpStream) -> io::Result<()> {
    // TODO: split the stream (`into_split`), read its lines (`BufReader::new(read).lines()`,
    // `next_line().await`), and write each back with its newline, until there are no more.
    todo!("echo each line")
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

// The tests `cargo exercise check` runs: mini_redis/checks/redis_echo_server.rs.
#[cfg(test)]
#[path = "../checks/redis_echo_server.rs"]
mod checks;
