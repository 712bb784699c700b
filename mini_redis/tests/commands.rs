//! The commands redis-py's defaults need, over TCP on an ephemeral port: `HELLO` and RESP3,
//! `CLIENT`, `SELECT`, the INCR family, `MGET`/`MSET`, `KEYS`/`SCAN`, `FLUSHDB`, `INFO`, `TYPE`,
//! `PTTL`, `PERSIST`, `SETEX`, and `MULTI`/`EXEC`/`DISCARD`. Every expected reply is what
//! redis-server 7.0 answers, byte for byte, except where a comment says otherwise.

mod common;

use bytes::Bytes;
use common::{TestServer, read_exact};
use mini_redis::Config;
use mini_redis::frame::Frame;
use mini_redis::transaction::MAX_QUEUED;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(20);

fn bulk(s: &str) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

fn error(s: &str) -> Frame {
    Frame::Error(s.to_string().into())
}

fn simple(s: &'static str) -> Frame {
    Frame::Simple(s.into())
}

/// A command as a client library sends it.
fn encode(words: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for word in words {
        out.extend(format!("${}\r\n{word}\r\n", word.len()).bytes());
    }
    out
}

#[tokio::test]
async fn the_commands_redis_py_sends_answer_like_redis() {
    within(LIMIT, "new commands", async {
        let server = TestServer::start(Config::default()).await;
        let mut c = server.client().await;
        let int = Frame::Integer;
        let calls: Vec<(&[&str], Frame)> = vec![
            (&["SELECT", "0"], Frame::ok()),
            (&["SELECT", "1"], error("ERR DB index is out of range")),
            (
                &["SELECT", "x"],
                error("ERR value is not an integer or out of range"),
            ),
            (&["INCRBY", "n", "10"], int(10)),
            (&["INCRBY", "n", "-20"], int(-10)),
            (&["DECR", "n"], int(-11)),
            (&["DECRBY", "n", "4"], int(-15)),
            (
                &["DECRBY", "n", "-9223372036854775808"],
                error("ERR decrement would overflow"),
            ),
            (
                &["INCRBY", "n", "x"],
                error("ERR value is not an integer or out of range"),
            ),
            (&["GET", "n"], bulk("-15")),
            (&["MSET", "a", "1", "b", "2"], Frame::ok()),
            (
                &["MSET", "a", "1", "b"],
                error("ERR wrong number of arguments for 'mset' command"),
            ),
            (
                &["MGET", "a", "missing", "b"],
                Frame::Array(vec![bulk("1"), Frame::Null, bulk("2")]),
            ),
            (&["TYPE", "a"], simple("string")),
            (&["TYPE", "missing"], simple("none")),
            (&["SETEX", "e", "100", "v"], Frame::ok()),
            (
                &["SETEX", "e", "0", "v"],
                error("ERR invalid expire time in 'setex' command"),
            ),
            (&["TTL", "e"], int(100)),
            (&["PTTL", "e"], Frame::Null), // the clock moves: checked below
            (&["PTTL", "a"], int(-1)),
            (&["PTTL", "missing"], int(-2)),
            (&["PERSIST", "e"], int(1)),
            (&["PERSIST", "e"], int(0)),
            (&["PERSIST", "missing"], int(0)),
            (&["TTL", "e"], int(-1)),
            (&["KEYS", "[ab]"], Frame::Null), // order unspecified: checked below
            (&["SCAN", "x"], error("ERR invalid cursor")),
            (&["SCAN", "0", "COUNT", "0"], error("ERR syntax error")),
            (&["SCAN", "0", "TYPE", "hash"], Frame::Null), // checked below
            (&["CLIENT", "GETNAME"], Frame::Null),
            (&["CLIENT", "SETNAME", "learner"], Frame::ok()),
            (&["CLIENT", "GETNAME"], bulk("learner")),
            (
                &["CLIENT", "SETNAME", "two words"],
                error("ERR Client names cannot contain spaces, newlines or special characters."),
            ),
            (&["CLIENT", "SETINFO", "LIB-NAME", "redis-py"], Frame::ok()),
            (
                &["CLIENT", "FOO"],
                error("ERR unknown subcommand 'FOO'. Try CLIENT HELP."),
            ),
            (
                &["CLIENT", "ID", "x"],
                error("ERR wrong number of arguments for 'client|id' command"),
            ),
            (&["DBSIZE"], int(4)),
            (&["FLUSHDB", "FOO"], error("ERR syntax error")),
            (&["FLUSHDB", "ASYNC"], Frame::ok()),
            (&["DBSIZE"], int(0)),
            (&["SET", "a", "1"], Frame::ok()),
            (&["FLUSHALL"], Frame::ok()),
            (&["GET", "a"], Frame::Null),
        ];
        for (args, expected) in calls {
            let reply = c.call(args).await.expect("a reply");
            match args {
                ["KEYS", ..] => {
                    let Frame::Array(mut keys) = reply else {
                        panic!("KEYS: {reply:?}")
                    };
                    keys.sort_by_key(|k| format!("{k:?}"));
                    assert_eq!(keys, vec![bulk("a"), bulk("b")], "KEYS [ab]");
                }
                ["PTTL", "e"] => {
                    let ms = match reply {
                        Frame::Integer(ms) => ms,
                        other => panic!("PTTL: {other:?}"),
                    };
                    assert!(
                        (99_000..=100_000).contains(&ms),
                        "PTTL after SETEX 100: {ms}"
                    );
                }
                ["SCAN", "0", "TYPE", "hash"] => {
                    // Only strings exist: a TYPE filter for another type finds nothing.
                    assert_eq!(reply, Frame::Array(vec![bulk("0"), Frame::Array(vec![])]));
                }
                _ => assert_eq!(reply, expected, "{args:?}"),
            }
        }
        let id = c.call(&["CLIENT", "ID"]).await.expect("CLIENT ID");
        let mut other = server.client().await;
        let other_id = other.call(&["CLIENT", "ID"]).await.expect("CLIENT ID");
        assert!(matches!(id, Frame::Integer(n) if n > 0), "{id:?}");
        assert_ne!(id, other_id, "each connection has its own id");
        server.stop().await;
    })
    .await;
}

/// `HELLO 3` switches the connection to RESP3: the reply is a map, nulls are `_`, `INFO` is
/// verbatim text, pub/sub messages are pushes. `HELLO 2` switches back; `HELLO 4` is refused.
#[tokio::test]
async fn hello_3_switches_the_connection_to_resp3() {
    within(LIMIT, "HELLO and RESP3", async {
        let server = TestServer::start(Config::default()).await;
        let mut s = TcpStream::connect(server.addr).await.expect("connect");
        let mut exchange = async |words: &[&str], expected: &[u8]| {
            s.write_all(&encode(words)).await.expect("write");
            let got = read_exact(&mut s, expected.len()).await;
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(expected),
                "{words:?}"
            );
        };
        exchange(&["GET", "k"], b"$-1\r\n").await;
        exchange(
            &["HELLO", "4"],
            b"-NOPROTO unsupported protocol version\r\n",
        )
        .await;
        exchange(&["GET", "k"], b"$-1\r\n").await;
        let version = mini_redis::execute::REDIS_VERSION;
        let hello = |proto: u8, head: &str| {
            format!(
                "{head}$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n${}\r\n{version}\r\n\
                 $5\r\nproto\r\n:{proto}\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n\
                 $4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
                version.len()
            )
        };
        exchange(&["HELLO", "3"], hello(3, "%7\r\n").as_bytes()).await;
        exchange(&["GET", "k"], b"_\r\n").await;
        exchange(&["MGET", "k"], b"*1\r\n_\r\n").await;
        exchange(&["INFO", "keyspace"], b"=16\r\ntxt:# Keyspace\r\n\r\n").await;
        exchange(
            &["SUBSCRIBE", "ch"],
            b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
        )
        .await;
        // In RESP3 a subscribed connection may send any command.
        exchange(&["GET", "k"], b"_\r\n").await;
        exchange(
            &["UNSUBSCRIBE"],
            b">3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n",
        )
        .await;
        exchange(&["HELLO"], hello(3, "%7\r\n").as_bytes()).await;
        exchange(&["HELLO", "2"], hello(2, "*14\r\n").as_bytes()).await;
        exchange(&["GET", "k"], b"$-1\r\n").await;
        exchange(
            &["HELLO", "3", "SETNAME", "a b"],
            b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
        )
        .await;
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn info_reports_the_bound_port_the_clients_and_the_keyspace() {
    within(LIMIT, "INFO", async {
        let server = TestServer::start(Config::default()).await;
        let mut c = server.client().await;
        let _other = server.client().await;
        let info = |reply: Frame| match reply {
            Frame::Bulk(text) => String::from_utf8_lossy(&text).into_owned(),
            other => panic!("INFO answers a bulk string in RESP2: {other:?}"),
        };
        let server_section = info(c.call(&["INFO", "server"]).await.expect("INFO"));
        let port = format!("\r\ntcp_port:{}\r\n", server.addr.port());
        assert!(server_section.contains(&port), "{server_section}");
        assert!(server_section.starts_with("# Server\r\nredis_version:"));
        let clients = info(c.call(&["INFO", "clients"]).await.expect("INFO"));
        assert!(clients.contains("\r\nconnected_clients:2\r\n"), "{clients}");
        assert_eq!(
            info(c.call(&["INFO", "keyspace"]).await.expect("INFO")),
            "# Keyspace\r\n"
        );
        c.call(&["SET", "a", "1"]).await.expect("SET");
        c.call(&["SET", "b", "1", "EX", "100"]).await.expect("SET");
        assert_eq!(
            info(c.call(&["INFO", "keyspace"]).await.expect("INFO")),
            "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n"
        );
        let all = info(c.call(&["INFO"]).await.expect("INFO"));
        for field in [
            "redis_version:",
            "connected_clients:",
            "used_memory:",
            "db0:",
        ] {
            assert!(all.contains(field), "INFO has no {field}: {all}");
        }
        assert_eq!(info(c.call(&["INFO", "nosuch"]).await.expect("INFO")), "");
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn scan_returns_every_key_once_and_ends_at_cursor_0() {
    within(LIMIT, "SCAN", async {
        let server = TestServer::start(Config::default()).await;
        let mut c = server.client().await;
        let mut keys: Vec<String> = (0..300).map(|i| format!("k{i}")).collect();
        for key in &keys {
            c.call(&["SET", key, "1"]).await.expect("SET");
        }
        c.call(&["SET", "other", "1"]).await.expect("SET");
        let mut seen = Vec::new();
        let mut cursor = "0".to_string();
        for step in 0.. {
            assert!(step < 1000, "SCAN never returned cursor 0");
            let reply = c
                .call(&["SCAN", &cursor, "MATCH", "k*", "COUNT", "7"])
                .await
                .expect("SCAN");
            let Frame::Array(parts) = reply else {
                panic!("SCAN: {reply:?}")
            };
            let [Frame::Bulk(next), Frame::Array(batch)] = &parts[..] else {
                panic!("SCAN: {parts:?}")
            };
            for key in batch {
                let Frame::Bulk(key) = key else {
                    panic!("{key:?}")
                };
                seen.push(String::from_utf8_lossy(key).into_owned());
            }
            // Keys added and deleted during the scan must not make it miss the others.
            c.call(&["SET", &format!("churn{step}"), "1"])
                .await
                .expect("SET");
            c.call(&["DEL", &format!("churn{}", step / 2)])
                .await
                .expect("DEL");
            cursor = String::from_utf8_lossy(next).into_owned();
            if cursor == "0" {
                break;
            }
        }
        seen.sort();
        keys.sort();
        assert_eq!(
            seen, keys,
            "every key exactly once, and only those matching"
        );
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn multi_exec_discard_and_their_errors() {
    within(LIMIT, "MULTI/EXEC", async {
        let server = TestServer::start(Config::default()).await;
        let mut c = server.client().await;
        let queued = simple("QUEUED");
        let calls: Vec<(&[&str], Frame)> = vec![
            (&["EXEC"], error("ERR EXEC without MULTI")),
            (&["DISCARD"], error("ERR DISCARD without MULTI")),
            (&["MULTI"], Frame::ok()),
            (&["MULTI"], error("ERR MULTI calls can not be nested")),
            (&["SET", "k", "text"], queued.clone()),
            (&["INCR", "k"], queued.clone()),
            (&["GET", "k"], queued.clone()),
            (&["CLIENT", "SETNAME", "tx"], queued.clone()),
            (
                &["EXEC"],
                Frame::Array(vec![
                    Frame::ok(),
                    error("ERR value is not an integer or out of range"),
                    bulk("text"),
                    Frame::ok(),
                ]),
            ),
            (&["CLIENT", "GETNAME"], bulk("tx")),
            (&["MULTI"], Frame::ok()),
            (&["SET", "d", "1"], queued.clone()),
            (&["DISCARD"], Frame::ok()),
            (&["GET", "d"], Frame::Null),
            (&["MULTI"], Frame::ok()),
            (&["SET", "d", "1"], queued.clone()),
            (
                &["GET"],
                error("ERR wrong number of arguments for 'get' command"),
            ),
            (
                &["EXEC"],
                error("EXECABORT Transaction discarded because of previous errors."),
            ),
            (&["GET", "d"], Frame::Null),
            (&["MULTI"], Frame::ok()),
            (
                &["SUBSCRIBE", "ch"],
                error("ERR SUBSCRIBE inside MULTI is not supported by mini_redis"),
            ),
            (
                &["EXEC"],
                error("EXECABORT Transaction discarded because of previous errors."),
            ),
            (&["MULTI"], Frame::ok()),
            (&["EXEC"], Frame::Array(vec![])),
            (&["PING"], simple("PONG")),
        ];
        for (args, expected) in calls {
            assert_eq!(c.call(args).await.expect("a reply"), expected, "{args:?}");
        }
        server.stop().await;
    })
    .await;
}

/// A transaction's queue is bounded: one command past [`MAX_QUEUED`] is refused, and `EXEC`
/// then runs nothing.
#[tokio::test]
async fn a_transaction_queues_at_most_max_queued_commands() {
    within(LIMIT, "MULTI limit", async {
        let server = TestServer::start(Config::default()).await;
        let mut c = server.client().await;
        assert_eq!(c.call(&["MULTI"]).await.expect("MULTI"), Frame::ok());
        for _ in 0..MAX_QUEUED {
            c.feed(&["INCR", "n"]).await.expect("feed");
        }
        c.feed(&["INCR", "n"]).await.expect("feed");
        c.flush().await.expect("flush");
        for _ in 0..MAX_QUEUED {
            assert_eq!(c.read_reply().await.expect("reply"), simple("QUEUED"));
        }
        let refused = c.read_reply().await.expect("reply");
        assert!(
            matches!(&refused, Frame::Error(m) if m.contains("transaction too large")),
            "{refused:?}"
        );
        assert_eq!(
            c.call(&["EXEC"]).await.expect("EXEC"),
            error("EXECABORT Transaction discarded because of previous errors.")
        );
        assert_eq!(c.call(&["GET", "n"]).await.expect("GET"), Frame::Null);
        server.stop().await;
    })
    .await;
}

/// Transactions of 1000 INCRs, sent whole, while other clients INCR the same key as fast as
/// they can: each transaction's replies are 1000 consecutive numbers, so nothing ran in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exec_runs_the_queue_without_another_clients_command_in_between() {
    within(LIMIT, "EXEC is atomic", async {
        let server = TestServer::start(Config::default()).await;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut hammers = Vec::new();
        for _ in 0..2 {
            let mut c = server.client().await;
            let done = done.clone();
            hammers.push(tokio::spawn(async move {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    for _ in 0..200 {
                        c.feed(&["INCR", "counter"]).await.expect("feed");
                    }
                    c.flush().await.expect("flush");
                    for _ in 0..200 {
                        c.read_reply().await.expect("INCR");
                    }
                }
            }));
        }
        let mut transactions = Vec::new();
        for _ in 0..4 {
            let mut c = server.client().await;
            transactions.push(tokio::spawn(async move {
                let mut results = Vec::new();
                for _ in 0..10 {
                    c.feed(&["MULTI"]).await.expect("feed");
                    for _ in 0..1000 {
                        c.feed(&["INCR", "counter"]).await.expect("feed");
                    }
                    c.feed(&["EXEC"]).await.expect("feed");
                    c.flush().await.expect("flush");
                    for _ in 0..1001 {
                        c.read_reply().await.expect("OK or QUEUED");
                    }
                    results.push(c.read_reply().await.expect("EXEC's reply"));
                }
                results
            }));
        }
        for task in transactions {
            for reply in task.await.expect("transaction task") {
                let Frame::Array(replies) = reply else {
                    panic!("EXEC did not answer an array")
                };
                let numbers: Vec<i64> = replies
                    .iter()
                    .map(|r| match r {
                        Frame::Integer(n) => *n,
                        other => panic!("{other:?}"),
                    })
                    .collect();
                let first = numbers[0];
                assert!(
                    numbers == (first..first + 1000).collect::<Vec<_>>(),
                    "another client's INCR ran inside the transaction: {first}…{:?}",
                    numbers.last()
                );
            }
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        for hammer in hammers {
            hammer.await.expect("hammer");
        }
        server.stop().await;
    })
    .await;
}
