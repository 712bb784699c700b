//! redis-py, the client a Python asyncio developer already uses, against mini_redis.
//!
//! Each test starts mini_redis on an ephemeral port and runs `tests/interop/redis_py_interop.py`
//! with `python3`: redis-py with its default settings (`redis.Redis()`, `redis.asyncio.Redis()`),
//! once in RESP2 and once in RESP3, one line per check (`ok NAME` / `FAIL NAME: why`). The same
//! script passes against redis-server (`--databases 1`), which is how its expectations are checked.
//!
//! Why a Python script and not the Rust `redis` crate: the audience's client is redis-py, and its
//! defaults are what must work — `HELLO 3` on connect, `INCRBY` for `r.incr()`, `MULTI`/`EXEC`
//! around `pipeline()`, `CLIENT SETINFO`, RESP3 push messages for pub/sub. A Rust client sends
//! other commands in another order, so passing with it says little about redis-py.
//!
//! The tests need Python 3.11+ and redis-py (`pip install redis`), so a plain `cargo test` lists
//! them as ignored, with that reason. Run them with
//! `cargo test -p mini_redis --test redis_py -- --ignored`; then a missing redis-py is a failure
//! that says what to install.

mod common;

use common::TestServer;
use mini_redis::Config;
use std::path::Path;
use std::time::Duration;
use tokio::process::Command;
use workshop::testing::within;

/// The script gives up on its own after 35 s (5 s per check, 30 s in all), so it reports a hang
/// itself; this bound only catches a script that does not.
const LIMIT: Duration = Duration::from_secs(60);

fn script() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop/redis_py_interop.py")
        .display()
        .to_string()
}

/// Panics with what to install unless `python3` can import redis-py.
async fn require_redis_py() {
    let probe = Command::new("python3")
        .args([
            "-c",
            "import sys, redis; assert sys.version_info >= (3, 11), sys.version",
        ])
        .output()
        .await;
    match probe {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "install redis-py: pip install redis (python3 -c 'import redis' failed: {})",
            String::from_utf8_lossy(&output.stderr).trim_end()
        ),
        Err(err) => panic!("python3 cannot be run ({err}): install Python 3.11+ and redis-py"),
    }
}

/// Runs the script against a fresh mini_redis and asserts that every check passed.
async fn redis_py_checks(protocol: u8) {
    require_redis_py().await;
    let server = TestServer::start(Config::default()).await;
    let output = Command::new("python3")
        .arg(script())
        .args(["--port", &server.addr.port().to_string()])
        .args(["--protocol", &protocol.to_string()])
        .kill_on_drop(true)
        .output()
        .await
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "redis-py (protocol {protocol}) against mini_redis: {}\n{stdout}{stderr}",
        output.status
    );
    let passed = stdout
        .lines()
        .find_map(|line| line.strip_suffix(" passed, 0 failed"))
        .and_then(|count| count.parse::<u32>().ok());
    assert!(
        passed.is_some_and(|count| count > 0),
        "the script ran no check:\n{stdout}"
    );
    println!("{stdout}"); // shown with `--nocapture`
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-py (pip install redis): cargo test -p mini_redis --test redis_py -- --ignored"]
async fn redis_py_works_with_its_defaults_over_resp2() {
    within(LIMIT, "redis-py over RESP2", redis_py_checks(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-py (pip install redis): cargo test -p mini_redis --test redis_py -- --ignored"]
async fn redis_py_works_with_its_defaults_over_resp3() {
    within(LIMIT, "redis-py over RESP3", redis_py_checks(3)).await;
}
