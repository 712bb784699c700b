//! The checks of `select_without_losing_data`: `cargo exercise check select_without_losing_data`
//! runs them against part_16/exercises/select_without_losing_data.rs. Edit that file, not this one:
//! the runner counts these tests, and one changed, ignored or missing is not a pass (`r` in `make
//! exercise` puts them back).

use super::*;
use tokio::io::DuplexStream;
use tokio::time::Instant;
use workshop::testing::within;

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// How one of the tests' own sensors sends its readings: after 7 ms, each line (its newline
/// included) in `pieces` pieces `gap` apart, then `after` before the next line; then it closes the
/// link.
#[derive(Debug, Clone)]
struct Script {
    readings: Vec<String>,
    pieces: usize,
    gap: Duration,
    after: Duration,
}

impl Script {
    fn new(readings: &[&str], pieces: usize, gap: u64, after: u64) -> Self {
        Script {
            readings: readings.iter().map(|r| r.to_string()).collect(),
            pieces,
            gap: ms(gap),
            after: ms(after),
        }
    }

    async fn send(self, mut link: DuplexStream, start: Instant) -> io::Result<()> {
        sleep(ms(7)).await;
        for reading in &self.readings {
            let line = format!("{reading}\n");
            let size = line.len().div_ceil(self.pieces);
            for (i, piece) in line.as_bytes().chunks(size).enumerate() {
                if i > 0 {
                    sleep(self.gap).await;
                }
                off_the_beat(start);
                link.write_all(piece).await?;
            }
            sleep(self.after).await;
        }
        off_the_beat(start);
        Ok(())
    }
}

/// The tests' sensors never write on a beat: when two branches of `select!` are ready at once, it
/// picks one at random, and these checks must not depend on a draw.
fn off_the_beat(start: Instant) {
    let at = start.elapsed().as_millis();
    assert!(
        !at.is_multiple_of(100),
        "the test's own sensor wrote at {at} ms, on a beat: its script needs other delays"
    );
}

/// The sensors the tests run `relay` against: the exercise's own, and three of the tests'.
fn sensors() -> Vec<(String, Option<Script>, Vec<String>)> {
    let scripts = [
        Script::new(
            &["rpm=1200", "pressure=1013.25", "ok", "x", "humidity=40%"],
            3,
            70,
            33,
        ),
        Script::new(
            &[
                "n=0", "n=1", "n=2", "n=3", "n=4", "n=5", "n=6", "n=7", "n=8", "n=9",
            ],
            2,
            130,
            17,
        ),
        Script::new(
            &["log=the quick brown fox jumps over the lazy dog"],
            5,
            45,
            20,
        ),
    ];
    let mut sensors = vec![(
        "the exercise's sensor (two halves, 150 ms apart)".to_owned(),
        None,
        READINGS.iter().map(|r| r.to_string()).collect(),
    )];
    for script in scripts {
        sensors.push((
            format!(
                "a sensor sending {} reading(s), each in {} pieces {:?} apart",
                script.readings.len(),
                script.pieces,
                script.gap
            ),
            Some(script.clone()),
            script.readings,
        ));
    }
    sensors
}

/// What `relay` did against one sensor: the lines it returned, when it called `beat` (ms since
/// the start), and when it returned.
struct Outcome {
    lines: Vec<String>,
    beats: Vec<u128>,
    returned: u128,
}

async fn relay_against(script: Option<Script>) -> Outcome {
    let (near, far) = tokio::io::duplex(64);
    let start = Instant::now();
    let sensor = match script {
        None => tokio::spawn(sensor(far, &READINGS)),
        Some(script) => tokio::spawn(script.send(far, start)),
    };
    let mut beats = Vec::new();
    let lines = relay(near, || beats.push(start.elapsed().as_millis()))
        .await
        .expect("the in-memory link does not fail");
    let returned = start.elapsed().as_millis();
    sensor
        .await
        .expect("the sensor does not panic")
        .expect("the in-memory link does not fail");
    Outcome {
        lines,
        beats,
        returned,
    }
}

#[tokio::test(start_paused = true)]
async fn every_reading_arrives_whole_and_in_order() {
    within(Duration::from_secs(60), "relay", async {
        for (sensor, script, sent) in sensors() {
            let got = relay_against(script).await.lines;
            for (i, (sent, got)) in sent.iter().zip(&got).enumerate() {
                assert_eq!(
                    got, sent,
                    "with {sensor}, reading {i} arrived as {got:?}, but the sensor sent \
                     {sent:?}: what read_line had read of it when the heartbeat won the race \
                     was dropped with the losing branch's future (read_line is not cancel \
                     safe); race something that keeps a half line outside the future"
                );
            }
            assert_eq!(
                got.len(),
                sent.len(),
                "with {sensor}, {} readings were sent, and relay kept {}: {got:?}",
                sent.len(),
                got.len()
            );
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_heartbeat_beats_every_100_ms_while_lines_are_half_sent() {
    within(Duration::from_secs(60), "relay", async {
        for (sensor, script, _) in sensors() {
            let outcome = relay_against(script).await;
            let due: Vec<u128> = (0..outcome.returned).step_by(100).collect();
            let beats = &outcome.beats;
            if beats.len() > 1 && beats.iter().all(|&at| at == beats[0]) {
                panic!(
                    "with {sensor}, beat was called {} times, all at {} ms: beats counted after \
                     the fact are not beats; race the heartbeat's tick against the read in a \
                     select! loop, so that it beats as the time comes",
                    beats.len(),
                    beats[0]
                );
            }
            assert_eq!(
                beats, &due,
                "with {sensor}, beat was called at {beats:?} ms; until the link closed at {} ms \
                 it is due at {due:?}: every 100 ms from the start, while lines are half sent \
                 too. Tick one interval made before the loop, raced against the read in \
                 select!; a sleep or a timeout made inside the loop starts over each time \
                 round, and is dropped whenever a line wins",
                outcome.returned
            );
        }
    })
    .await;
}
