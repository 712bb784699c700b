//! `mr-client`: a command-line client for mini_redis (and Redis), built on the crate's client
//! library.
//!
//! ```text
//! mr-client set greeting hello        # one command, printed like redis-cli: OK
//! mr-client get greeting              # "hello"
//! mr-client subscribe news            # print messages until Ctrl-C
//! mr-client                           # interactive: type commands, `quit` to leave
//! mr-client --raw                     # like nc: lines go out as typed, bytes come back as sent
//! ```

use clap::Parser;
use mini_redis::Client;
use mini_redis::client::{ClientError, format_reply};
use mini_redis::command::split_inline;
use std::process::ExitCode;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Command-line client for mini_redis.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Server host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(long, default_value_t = 1337)]
    port: u16,
    /// Send typed lines as they are and print what the server sends back, like nc (try the
    /// line dialect: GET key, PUT key value, DEL key, QUIT).
    #[arg(long)]
    raw: bool,
    /// A command to run, e.g. `get greeting`. Without one: interactive mode.
    command: Vec<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let address = format!("{}:{}", args.host, args.port);
    let result = if args.raw {
        raw_session(&address).await
    } else {
        match Client::connect(&address).await {
            Ok(client) if args.command.is_empty() => interactive(client, &address).await,
            Ok(client) => one_command(client, &args.command).await,
            Err(err) => Err(err),
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mr-client: {address}: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn one_command(mut client: Client, words: &[String]) -> Result<(), ClientError> {
    if words[0].eq_ignore_ascii_case("subscribe") {
        return listen(client, &words[1..]).await;
    }
    let reply = client.call(words).await?;
    println!("{}", format_reply(&reply));
    Ok(())
}

/// Reads commands from stdin, one per line, until EOF or `quit`.
async fn interactive(mut client: Client, address: &str) -> Result<(), ClientError> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = tokio::io::stdout();
    loop {
        stdout.write_all(format!("{address}> ").as_bytes()).await?;
        stdout.flush().await?;
        let Some(line) = lines.next_line().await? else {
            return Ok(());
        };
        let words = match split_inline(&line) {
            Ok(words) if words.is_empty() => continue,
            Ok(words) => words,
            Err(message) => {
                println!("(error) {message}");
                continue;
            }
        };
        let name = words[0].to_ascii_lowercase();
        if name == "subscribe" {
            let channels: Vec<String> = words[1..].iter().map(|w| w.to_string()).collect();
            return listen(client, &channels).await;
        }
        let reply = client.call(&words).await?;
        println!("{}", format_reply(&reply));
        if name == "quit" || name == "exit" {
            return Ok(());
        }
    }
}

/// Prints messages from the channels until Ctrl-C.
async fn listen(client: Client, channels: &[String]) -> Result<(), ClientError> {
    let names: Vec<&str> = channels.iter().map(String::as_str).collect();
    let mut subscriber = client.subscribe(&names).await?;
    println!("subscribed to {}; Ctrl-C to stop", names.join(", "));
    loop {
        tokio::select! {
            message = subscriber.next_message() => match message? {
                Some(m) => println!("{}: {}", m.channel.escape_ascii(), m.payload.escape_ascii()),
                None => return Ok(()),
            },
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// nc in a dozen lines: stdin to the socket, the socket to stdout, both at once.
async fn raw_session(address: &str) -> Result<(), ClientError> {
    let stream = TcpStream::connect(address).await?;
    let (mut from_server, mut to_server) = stream.into_split();
    let mut stdin = tokio::io::stdin();
    let mut stdout = tokio::io::stdout();
    let upload = async {
        tokio::io::copy(&mut stdin, &mut to_server).await?;
        // End of input: close our side; the server answers what it got, then closes its side.
        to_server.shutdown().await
    };
    let download = tokio::io::copy(&mut from_server, &mut stdout);
    // The session ends when the server closes (after QUIT, or after our EOF).
    tokio::select! {
        result = download => { result?; }
        result = async { upload.await?; std::future::pending::<std::io::Result<()>>().await } => { result?; }
    }
    stdout.flush().await?;
    Ok(())
}
