//! The real `redis-cli` and `redis-benchmark` against mini_redis.
//!
//! They need the tools (`apt-get install redis-tools`), so `cargo test` lists them as ignored,
//! with the reason, rather than passing without testing anything. Run them with
//! `cargo test -p mini_redis --test redis_tools -- --ignored`; `make test` does when `CI` is set
//! (CI installs the tools). Asked to run without the tools, they fail and say what to install.

mod common;

use common::TestServer;
use mini_redis::Config;
use std::time::Duration;
use tokio::process::Command;
use workshop::testing::within;

/// Panics, saying what to install, if `tool` cannot be run.
async fn require(tool: &str) {
    if Command::new(tool).arg("--version").output().await.is_err() {
        panic!("{tool} is not installed: apt-get install redis-tools");
    }
}

/// Runs the tool and returns its stdout; panics with its stderr if it fails.
async fn run(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool)
        .args(args)
        .output()
        .await
        .unwrap_or_else(|err| panic!("cannot run {tool}: {err}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {stderr}{stdout}"
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-cli and redis-benchmark (apt-get install redis-tools); CI runs it"]
async fn redis_cli_runs_the_basic_commands() {
    within(Duration::from_secs(20), "redis-cli", async {
        require("redis-cli").await;
        let server = TestServer::start(Config::default()).await;
        let port = server.addr.port().to_string();
        let script: [(&[&str], &str); 11] = [
            (&["PING"], "PONG"),
            (&["SET", "greeting", "hello world"], "OK"),
            (&["GET", "greeting"], "hello world"),
            (&["INCR", "visits"], "1"),
            (&["INCR", "visits"], "2"),
            (&["EXPIRE", "visits", "100"], "1"),
            (&["TTL", "visits"], "100"),
            (&["TTL", "greeting"], "-1"),
            (&["DEL", "greeting", "visits"], "2"),
            (&["GET", "greeting"], ""),
            (&["DBSIZE"], "0"),
        ];
        for (command, expected) in script {
            let mut args = vec!["-p", port.as_str()];
            args.extend_from_slice(command);
            let out = run("redis-cli", &args).await;
            assert_eq!(
                out.trim_end_matches('\n'),
                expected,
                "redis-cli {command:?}"
            );
        }
        server.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-cli and redis-benchmark (apt-get install redis-tools); CI runs it"]
async fn a_short_redis_benchmark_run_finishes_without_errors() {
    within(Duration::from_secs(30), "redis-benchmark", async {
        require("redis-benchmark").await;
        let server = TestServer::start(Config::default()).await;
        let port = server.addr.port().to_string();
        for extra in [&[][..], &["-P", "16"]] {
            let mut args = vec!["-p", port.as_str(), "-t", "ping,set,get,incr", "-n", "2000"];
            args.extend_from_slice(&["-c", "20", "--csv"]);
            args.extend_from_slice(extra);
            let out = run("redis-benchmark", &args).await;
            // CSV: a header, then one line per test, `"SET","123456.00",...`.
            let tests: Vec<&str> = out
                .lines()
                .skip(1)
                .filter_map(|line| line.split(',').next())
                .map(|name| name.trim_matches('"'))
                .collect();
            assert_eq!(
                tests,
                ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR"],
                "{out}"
            );
            assert!(!out.contains("ERR"), "{out}");
        }
        let summary = server.stop().await;
        assert!(summary.served >= 40, "{summary:?}");
        assert_eq!(summary.rejected, 0);
    })
    .await;
}
