//! Exercise (part 16): `select!` without losing data.
//!
//! `relay` reads a sensor's readings, one per line, off a link, while a heartbeat ticks every
//! 100 ms in the same `select!` loop (each tick calls `beat`: think of a keep-alive sent
//! upstream). The sensor is slow: it sends the first half of each line, then the rest 150 ms
//! later, so the heartbeat often wins a race while a line is half read. As shipped, `relay`
//! mangles the readings. Find out why (the "Cancel safety" section of the method raced in the
//! loop says it), and fix it: every line must arrive whole and in order, and the heartbeat must
//! keep ticking every 100 ms while a line is half sent.
//!
//! Follows part 16 (`select!` drops the futures of the branches that lost). Python comes close
//! with a loop around `async with asyncio.timeout(0.1): line = await reader.readline()` that
//! beats on `TimeoutError` (its 100 ms start over with each line): there a cancelled `readline()`
//! leaves the half line in the `StreamReader`'s buffer, and the next call finds it.
//!
//! The tests (on tokio's paused clock) run `relay` against the sensor below and against sensors of
//! their own (other readings, how many, in how many pieces, how far apart), and check that each
//! reading arrives as sent, in order, and that `beat` was called at 0, 100, 200, … ms until the
//! link closed (they note the time of each call).
//!
//! Check it: `cargo exercise check select_without_losing_data` (or save the file while
//! `make exercise` runs).

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::time::{interval, sleep};

/// Reads lines off `link` (each without its newline) until the sensor closes it, calling `beat`
/// every 100 ms meanwhile.
async fn relay(link: impl AsyncRead + Unpin, mut beat: impl FnMut()) -> io::Result<Vec<String>> {
    let mut heartbeat = interval(Duration::from_millis(100));
    let mut relayed = Vec::new();
    let mut link = BufReader::new(link);
    loop {
        let mut line = String::new();
        // TODO: this loop loses data. What happens to the bytes `read_line` has read so far when
        // the heartbeat wins the race?
        tokio::select! {
            read = link.read_line(&mut line) => {
                if read? == 0 {
                    break; // the sensor closed the link
                }
                relayed.push(line.trim_end().to_owned());
            }
            _ = heartbeat.tick() => beat(),
        }
    }
    Ok(relayed)
}

/// The sensor: sends each reading in two halves, 150 ms apart, then closes the link. Leave it as
/// it is.
async fn sensor(mut link: impl AsyncWrite + Unpin, readings: &[&str]) -> io::Result<()> {
    sleep(Duration::from_millis(10)).await;
    for reading in readings {
        let (head, tail) = reading.split_at(reading.len() / 2);
        link.write_all(head.as_bytes()).await?;
        sleep(Duration::from_millis(150)).await;
        link.write_all(format!("{tail}\n").as_bytes()).await?;
        sleep(Duration::from_millis(50)).await;
    }
    Ok(()) // `link` is dropped here: the reader sees the end of the stream
}

const READINGS: [&str; 4] = ["temp=21.5", "temp=21.7", "temp=22.0", "temp=21.9"];

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    // The sensor and `relay` on the two ends of an in-memory link.
    let (near, far) = tokio::io::duplex(64);
    let sensor = tokio::spawn(sensor(far, &READINGS));
    let mut beats = 0;
    let relayed = relay(near, || beats += 1).await?;
    sensor.await.expect("the sensor does not panic")?;
    println!("sent:    {READINGS:?}");
    println!("relayed: {relayed:?} ({beats} beats)");
    Ok(())
}

// The tests `cargo exercise check` runs: part_16/checks/select_without_losing_data.rs.
#[cfg(test)]
#[path = "../checks/select_without_losing_data.rs"]
mod checks;
