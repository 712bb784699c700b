//! The server over real TCP, on an ephemeral port: both dialects, pipelining, pub/sub, half-close,
//! EOF mid-line, many clients at once, the limits, and graceful shutdown.

mod common;

use bytes::Bytes;
use common::{TestServer, exchange, read_exact, read_to_end, text};
use mini_redis::client::ClientError;
use mini_redis::codec::Limits;
use mini_redis::frame::Frame;
use mini_redis::{Client, Config};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use workshop::testing::within;

const LIMIT: Duration = Duration::from_secs(10);

fn bulk(s: &str) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

fn error(s: &str) -> Frame {
    Frame::Error(s.to_string().into())
}

#[tokio::test]
async fn every_resp_command_answers_like_redis() {
    within(LIMIT, "RESP commands", async {
        let server = TestServer::start(Config::default()).await;
        let mut c = server.client().await;
        let calls: Vec<(&[&str], Frame)> = vec![
            (&["PING"], Frame::Simple("PONG".into())),
            (&["ping", "hi"], bulk("hi")),
            (&["ECHO", "a b"], bulk("a b")),
            (&["GET", "k"], Frame::Null),
            (&["SET", "k", "v"], Frame::ok()),
            (&["GET", "k"], bulk("v")),
            (&["SET", "k", "w", "NX"], Frame::Null),
            (&["SET", "other", "w", "XX"], Frame::Null),
            (&["SET", "k", "w", "XX"], Frame::ok()),
            (&["EXISTS", "k", "other", "k"], Frame::Integer(2)),
            (&["INCR", "n"], Frame::Integer(1)),
            (&["INCR", "n"], Frame::Integer(2)),
            (
                &["INCR", "k"],
                error("ERR value is not an integer or out of range"),
            ),
            (&["TTL", "n"], Frame::Integer(-1)),
            (&["TTL", "missing"], Frame::Integer(-2)),
            (&["EXPIRE", "n", "100"], Frame::Integer(1)),
            (&["TTL", "n"], Frame::Integer(100)),
            (&["EXPIRE", "missing", "100"], Frame::Integer(0)),
            (&["SET", "e", "v", "EX", "50"], Frame::ok()),
            (&["TTL", "e"], Frame::Integer(50)),
            (&["DBSIZE"], Frame::Integer(3)),
            (&["DEL", "k", "n", "missing"], Frame::Integer(2)),
            (&["EXPIRE", "e", "0"], Frame::Integer(1)),
            (&["DBSIZE"], Frame::Integer(0)),
            (&["PUBLISH", "nobody", "hello"], Frame::Integer(0)),
            (
                &["CONFIG", "GET", "save"],
                Frame::Array(vec![bulk("save"), bulk("")]),
            ),
            (&["COMMAND"], Frame::Array(vec![])),
            (
                &["COMMAND", "DOCS"],
                error("ERR unknown subcommand 'DOCS'. mini_redis knows only COMMAND"),
            ),
            (
                &["GET"],
                error("ERR wrong number of arguments for 'get' command"),
            ),
            (
                &["SET", "k", "v", "EX", "0"],
                error("ERR invalid expire time in 'set' command"),
            ),
            (&["SET", "k", "v", "NX", "XX"], error("ERR syntax error")),
            (
                &["FROBNICATE", "now"],
                error("ERR unknown command 'FROBNICATE', with args beginning with: 'now' "),
            ),
        ];
        for (args, expected) in calls {
            let reply = c.call(args).await.expect("a reply");
            assert_eq!(reply, expected, "{args:?}");
        }
        // Binary-safe keys and values: bytes in, the same bytes out.
        let binary = [0u8, 13, 10, 255, b' '];
        c.set(&binary[..], &binary[..]).await.expect("SET binary");
        assert_eq!(
            c.get(&binary[..]).await.expect("GET binary").as_deref(),
            Some(&binary[..])
        );
        // QUIT answers, then the server closes.
        assert_eq!(c.call(&["QUIT"]).await.expect("QUIT reply"), Frame::ok());
        assert!(matches!(c.read_reply().await, Err(ClientError::Closed)));
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn line_dialect_and_inline_commands_share_the_port() {
    within(LIMIT, "line dialect", async {
        let server = TestServer::start(Config::default()).await;
        let session = b"GET greeting\r\n\
                        PUT greeting hello there world\n\
                        get greeting\n\
                        \n\
                        PUT k\n\
                        GET\n\
                        PUT bin \xff\xfe\n\
                        FROB x\n\
                        SET inline 1\r\n\
                        INCR inline\n\
                        GET inline\n\
                        DEL greeting\n\
                        GET greeting\n\
                        QUIT\n\
                        GET never-answered\n";
        let replies = text(&exchange(server.addr, session).await);
        let expected = "NONE\n\
                        OK\n\
                        OK hello there world\n\
                        ERROR usage: PUT key value\n\
                        ERROR usage: GET key\n\
                        ERROR invalid UTF-8 in line\n\
                        ERROR unknown command 'FROB' (try GET key, PUT key value, DEL key, QUIT)\n\
                        +OK\r\n\
                        :2\r\n\
                        OK 2\n\
                        OK\n\
                        NONE\n\
                        OK\n";
        assert_eq!(replies, expected);
        // A value stored by the line dialect is the same value over RESP.
        let mut c = server.client().await;
        c.set("shared", "from resp").await.expect("SET");
        let via_line = exchange(server.addr, b"GET shared\n").await;
        assert_eq!(text(&via_line), "OK from resp\n");
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn pipelined_commands_are_answered_in_order() {
    within(LIMIT, "pipelining", async {
        let server = TestServer::start(Config::default()).await;
        let mut c = server.client().await;
        // 1000 commands written before a single reply is read.
        for i in 0..500 {
            let key = format!("key:{i}");
            c.feed(&["SET", key.as_str(), &i.to_string()]).await.expect("feed");
            c.feed(&["GET", key.as_str()]).await.expect("feed");
        }
        c.flush().await.expect("flush");
        for i in 0..500 {
            assert_eq!(c.read_reply().await.expect("SET reply"), Frame::ok());
            assert_eq!(c.read_reply().await.expect("GET reply"), bulk(&i.to_string()));
        }
        // Both dialects in one write, answered in order.
        let mixed = b"*3\r\n$3\r\nSET\r\n$1\r\nm\r\n$1\r\n1\r\nGET m\nPING\r\n*2\r\n$3\r\nDEL\r\n$1\r\nm\r\n";
        let replies = exchange(server.addr, mixed).await;
        assert_eq!(text(&replies), "+OK\r\nOK 1\n+PONG\r\n:1\r\n");
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn pubsub_delivers_to_every_subscriber_and_stops_after_unsubscribe() {
    within(LIMIT, "pub/sub", async {
        let server = TestServer::start(Config::default()).await;
        let mut publisher = server.client().await;
        let mut news_only = server.client().await.subscribe(&["news"]).await.expect("subscribe");
        let mut both = server
            .client()
            .await
            .subscribe(&["news", "sport"])
            .await
            .expect("subscribe");

        assert_eq!(publisher.publish("news", "rain").await.expect("publish"), 2);
        assert_eq!(publisher.publish("sport", "goal").await.expect("publish"), 1);
        assert_eq!(publisher.publish("weather", "sun").await.expect("publish"), 0);
        let first = news_only.next_message().await.expect("message").expect("open");
        assert_eq!((&first.channel[..], &first.payload[..]), (&b"news"[..], &b"rain"[..]));
        // StreamMap merges both channels into one stream: both messages arrive, in order.
        let a = both.next_message().await.expect("message").expect("open");
        let b = both.next_message().await.expect("message").expect("open");
        assert_eq!((&a.payload[..], &b.payload[..]), (&b"rain"[..], &b"goal"[..]));

        // While subscribed: PING answers, GET is refused, the connection stays subscribed.
        let mut raw = TcpStream::connect(server.addr).await.expect("connect");
        raw.write_all(b"*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\nc\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
            .await
            .expect("write");
        let expected = "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n\
                        *2\r\n$4\r\npong\r\n$0\r\n\r\n\
                        -ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / \
                        QUIT / RESET are allowed in this context\r\n";
        assert_eq!(text(&read_exact(&mut raw, expected.len()).await), expected);

        both.unsubscribe(&["news"]).await.expect("unsubscribe");
        assert_eq!(publisher.publish("news", "later").await.expect("publish"), 1);
        assert_eq!(publisher.publish("sport", "again").await.expect("publish"), 1);
        let next = both.next_message().await.expect("message").expect("open");
        assert_eq!(&next.payload[..], b"again");
        server.stop().await;
    })
    .await;
}

#[tokio::test]
/// The line dialect's half-close and cut-off line are checked by `conformance::line_dialect`
/// (tests/conformance.rs); this is RESP's cut-off array.
async fn a_command_cut_off_by_eof_is_never_executed() {
    within(LIMIT, "EOF mid-array", async {
        let server = TestServer::start(Config::default()).await;
        let replies = exchange(server.addr, b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\n12").await;
        assert_eq!(text(&replies), "");
        let check = exchange(server.addr, b"GET c\n").await;
        assert_eq!(text(&check), "NONE\n");
        server.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_clients_each_read_back_their_own_keys() {
    within(LIMIT, "concurrent clients", async {
        let server = TestServer::start(Config::default()).await;
        const CLIENTS: usize = 64;
        const KEYS: usize = 100;
        let mut tasks = Vec::new();
        for client in 0..CLIENTS {
            let addr = server.addr;
            tasks.push(tokio::spawn(async move {
                let mut c = Client::connect(addr).await?;
                for k in 0..KEYS {
                    let (key, value) = (format!("c{client}:k{k}"), format!("v{client}.{k}"));
                    c.feed(&["SET", &key, &value]).await?;
                }
                c.flush().await?;
                for _ in 0..KEYS {
                    c.read_reply().await?;
                }
                let mut wrong = 0;
                for k in 0..KEYS {
                    let value = c.get(format!("c{client}:k{k}")).await?;
                    if value.as_deref() != Some(format!("v{client}.{k}").as_bytes()) {
                        wrong += 1;
                    }
                }
                Ok::<usize, ClientError>(wrong)
            }));
        }
        for task in tasks {
            let wrong = task.await.expect("client task").expect("client I/O");
            assert_eq!(wrong, 0);
        }
        let mut c = server.client().await;
        assert_eq!(
            c.call(&["DBSIZE"]).await.expect("DBSIZE"),
            Frame::Integer((CLIENTS * KEYS) as i64)
        );
        let summary = server.stop().await;
        assert_eq!(summary.served, CLIENTS as u64 + 1);
    })
    .await;
}

#[tokio::test]
async fn over_the_connection_limit_a_client_is_told_and_closed() {
    within(LIMIT, "connection limit", async {
        let config = Config {
            max_connections: 2,
            ..Config::default()
        };
        let server = TestServer::start(config).await;
        let mut first = server.client().await;
        let mut second = server.client().await;
        first.ping().await.expect("first is served");
        second.ping().await.expect("second is served");

        // The third is accepted, told, and closed, even if it already sent a command.
        let mut third = TcpStream::connect(server.addr)
            .await
            .expect("accepted, not left waiting");
        third.write_all(b"PING\r\n").await.expect("write");
        let refused = read_to_end(&mut third).await;
        assert_eq!(text(&refused), "-ERR max number of clients reached\r\n");

        // A client leaving frees its place (once the server has seen it go).
        drop(first);
        let mut attempts = 0;
        let mut fourth = loop {
            attempts += 1;
            let mut c = server.client().await;
            match c.ping().await {
                Ok(()) => break c,
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        };
        fourth.set("k", "v").await.expect("the fourth is served");
        second.ping().await.expect("the second still is");
        let summary = server.stop().await;
        assert_eq!(summary.rejected, attempts); // the third, and any retry that came too early
        assert_eq!(
            summary.rejected_inline, 0,
            "each refusal had a task of its own"
        );
        assert_eq!(summary.served, 3);
    })
    .await;
}

/// Connections not accepted yet wait in the kernel's queue, up to `server::LISTEN_BACKLOG`. Past
/// tokio's default of 1024, a burst of connects would have its handshakes dropped and never
/// complete while the server is busy; here nobody accepts at all, and every one completes.
#[tokio::test]
async fn a_burst_of_connects_waits_in_the_accept_backlog() {
    // The kernel caps the backlog at net.core.somaxconn, and each connect is a file descriptor.
    let somaxconn = tokio::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .await
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let open_files = tokio::fs::read_to_string("/proc/self/limits")
        .await
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        })
        .unwrap_or(0);
    let burst = 1500;
    if somaxconn < burst || open_files < burst + 100 {
        eprintln!("skipped: somaxconn {somaxconn} or open-file limit {open_files} below {burst}");
        return;
    }
    within(LIMIT, "a burst of connects", async {
        let listener = mini_redis::server::listen("127.0.0.1", 0)
            .await
            .expect("listen");
        let addr = listener.local_addr().expect("address");
        let connects = (0..burst).map(|_| TcpStream::connect(addr));
        let streams = futures::future::try_join_all(connects)
            .await
            .expect("every connect completes");
        assert_eq!(streams.len(), burst);
        drop(listener);
    })
    .await;
}

#[tokio::test]
async fn graceful_shutdown_answers_commands_in_flight_then_closes() {
    within(LIMIT, "graceful shutdown", async {
        let server = TestServer::start(Config::default()).await;
        let addr = server.addr;
        let mut idle = server.client().await;
        let mut busy = TcpStream::connect(addr).await.expect("connect");
        busy.write_all(b"PING\r\n").await.expect("write");
        assert_eq!(text(&read_exact(&mut busy, 7).await), "+PONG\r\n");

        // 100 commands sent, none of their replies read yet, and then the server is stopped.
        let batch: Vec<u8> = (0..100)
            .flat_map(|i| format!("PUT k{i} v\n").into_bytes())
            .collect();
        busy.write_all(&batch).await.expect("write");
        let summary = server.stop().await;
        assert!(summary.drained);

        let replies = read_to_end(&mut busy).await;
        assert_eq!(text(&replies), "OK\n".repeat(100));
        assert!(matches!(idle.read_reply().await, Err(ClientError::Closed)));
        assert!(
            TcpStream::connect(addr).await.is_err(),
            "no longer accepting"
        );
    })
    .await;
}

#[tokio::test]
async fn oversized_input_gets_a_clear_error() {
    within(LIMIT, "limits", async {
        let config = Config {
            limits: Limits {
                max_line: 64,
                max_bulk: 1024,
            },
            ..Config::default()
        };
        let server = TestServer::start(config).await;
        // A long line is refused and skipped; the connection stays usable.
        let long_line = format!("PUT k {}\nPUT k short\nGET k\n", "x".repeat(10_000));
        let replies = exchange(server.addr, long_line.as_bytes()).await;
        assert_eq!(
            text(&replies),
            "ERROR line too long (the limit is 64 bytes)\nOK\nOK short\n"
        );
        // A bulk string over the limit is a protocol error: answered, then closed.
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        stream
            .write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n")
            .await
            .expect("write");
        let replies = read_to_end(&mut stream).await;
        assert_eq!(
            text(&replies),
            "-ERR Protocol error: invalid bulk length\r\n"
        );
        server.stop().await;
    })
    .await;
}

/// A value stored over RESP with a line break in it would be two lines in the line dialect: the
/// second one a reply the client never asked for. The line dialect refuses to send it, in one
/// line; RESP still reads it intact.
#[tokio::test]
async fn a_value_with_a_line_break_is_never_sent_as_a_second_line() {
    within(LIMIT, "line breaks in values", async {
        let server = TestServer::start(Config::default()).await;
        let mut c = server.client().await;
        c.set("forged", "a\nOK forged")
            .await
            .expect("SET over RESP");
        c.set("cr", "a\r").await.expect("SET over RESP");
        let replies = exchange(
            server.addr,
            b"GET forged\nGET cr\nPUT k v\nDEL k forged\nGET forged\n",
        )
        .await;
        let refusal = mini_redis::frame::LINE_BREAK_IN_VALUE;
        assert_eq!(
            text(&replies),
            format!("{refusal}\n{refusal}\nOK\nOK\nNONE\n"),
            "one reply line per request, and DEL with two keys deletes both"
        );
        assert_eq!(
            c.get("cr").await.expect("GET over RESP").as_deref(),
            Some(&b"a\r"[..])
        );
        assert_eq!(c.get("k").await.expect("GET over RESP"), None);
        server.stop().await;
    })
    .await;
}

/// Refusals are bounded too: with no room for refusal tasks, the accept loop tells each client
/// itself, without waiting, and every one still reads the refusal.
#[tokio::test]
async fn over_the_refusal_bound_the_accept_loop_refuses_inline() {
    within(LIMIT, "refusals without tasks", async {
        let config = Config {
            max_connections: 1,
            max_pending_rejections: 0,
            ..Config::default()
        };
        let server = TestServer::start(config).await;
        let mut served = server.client().await;
        served.ping().await.expect("the first is served");
        for _ in 0..3 {
            let mut refused = TcpStream::connect(server.addr).await.expect("accepted");
            let reply = read_to_end(&mut refused).await;
            assert_eq!(text(&reply), "-ERR max number of clients reached\r\n");
        }
        served.ping().await.expect("the first still is");
        let summary = server.stop().await;
        assert_eq!((summary.rejected, summary.rejected_inline), (3, 3));
    })
    .await;
}
