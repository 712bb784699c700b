//! The checks of `redis_shared_store`: `cargo exercise check redis_shared_store` runs them against
//! mini_redis/exercises/redis_shared_store.rs. Edit that file, not this one: the runner counts
//! these tests, and one changed, ignored or missing is not a pass (`r` in `make exercise` puts them
//! back).
//!
//! Your server runs in each test's runtime, on a port the OS picked, and the tests talk to it over
//! real TCP. A reply that must come is awaited for at most `WAIT` (it takes microseconds).

use super::*;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use workshop::testing::within;

/// The longest a test may take: past it, it names what never happened.
const LIMIT: Duration = Duration::from_secs(20);
/// How long a reply that must come may take (a correct server answers in microseconds).
const WAIT: Duration = Duration::from_secs(5);

/// What every connection must share, said once for the messages below.
const ONE_STORE: &str = "every connection must use the one map `serve` made: make it once, \
                         before the accept loop, and give each connection `store.clone()` (a new \
                         handle to the same map), not a map of its own nor a copy of the map";

/// Your server on a port the OS picked, running in the test's runtime.
async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(serve(listener));
    addr
}

/// A client that writes request lines and reads reply lines exactly as sent.
struct Client {
    name: String,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr, name: &str) -> Client {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .expect("could not connect: did `serve` stop accepting (return, or panic)?");
        let (read, writer) = stream.into_split();
        Client {
            name: name.to_string(),
            reader: BufReader::new(read),
            writer,
        }
    }

    /// Sends each request with its `\n`, all in one write, and reads one reply line for each
    /// (its `\n` included; `None` once the connection has ended).
    async fn pipeline(&mut self, requests: &[String]) -> Vec<Option<String>> {
        let mut bytes = String::new();
        for request in requests {
            bytes.push_str(request);
            bytes.push('\n');
        }
        // A failed write shows as the connection's end in the replies.
        let _ = self.writer.write_all(bytes.as_bytes()).await;
        let mut replies = Vec::new();
        for request in requests {
            let mut line = Vec::new();
            let read = tokio::time::timeout(WAIT, self.reader.read_until(b'\n', &mut line));
            match read.await {
                Err(_) => panic!(
                    "{} sent {request:?} and got no reply within {WAIT:?}",
                    self.name
                ),
                Ok(Ok(0) | Err(_)) => replies.push(None),
                Ok(Ok(_)) => replies.push(Some(String::from_utf8_lossy(&line).into_owned())),
            }
        }
        replies
    }

    /// One request, one reply.
    async fn call(&mut self, request: &str) -> Option<String> {
        self.pipeline(&[request.to_string()]).await.remove(0)
    }

    /// Sends `request` and checks its reply; `why` says what the reply shows when it is wrong.
    async fn expect(&mut self, request: &str, reply: &str, why: &str) {
        let got = self.call(request).await;
        if got.as_deref() != Some(format!("{reply}\n").as_str()) {
            let got = match got {
                Some(line) => format!("{line:?}"),
                None => "the end of the connection".to_string(),
            };
            panic!(
                "{} sent {request:?}: the reply must be {:?}, got {got}. {why}",
                self.name,
                format!("{reply}\n")
            );
        }
    }
}

#[tokio::test]
async fn get_put_del_and_quit_answer_in_the_line_dialect() {
    within(LIMIT, "a session of GET, PUT, DEL, QUIT", async {
        let addr = start().await;
        let mut c = Client::connect(addr, "the client").await;
        for (request, reply) in [
            ("GET greeting", "NONE"),
            ("PUT greeting hello world", "OK"),
            ("PUT name Ada", "OK"),
            ("GET greeting", "OK hello world"),
            ("get name", "OK Ada"),
            ("PUT name Grace Hopper", "OK"),
            ("GET name", "OK Grace Hopper"),
            ("GET greeting", "OK hello world"),
            ("DEL greeting", "OK"),
            ("GET greeting", "NONE"),
            ("GET name", "OK Grace Hopper"),
            ("DEL nothing", "OK"),
            ("PUT greeting", "ERROR usage: PUT key value"),
            ("GET", "ERROR usage: GET key"),
        ] {
            c.expect(
                request,
                reply,
                "GET key → `OK value` or `NONE`, PUT key value → `OK` (the value is the rest of \
                 the line), DEL key → `OK` (a missing key too); every key keeps its own value",
            )
            .await;
        }
        c.expect("QUIT", "OK", "QUIT is answered, then the connection closes")
            .await;
        let mut rest = Vec::new();
        let read = tokio::time::timeout(WAIT, c.reader.read_to_end(&mut rest)).await;
        assert!(
            read.is_ok() && rest.is_empty(),
            "after QUIT's OK, the server closes the connection"
        );
    })
    .await;
}

#[tokio::test]
async fn a_value_one_client_sets_another_reads() {
    within(LIMIT, "one store, three clients", async {
        let addr = start().await;
        let mut a = Client::connect(addr, "client A").await;
        let mut b = Client::connect(addr, "client B").await;
        a.expect("PUT shared from a", "OK", "PUT").await;
        let why = format!("A stored `shared` while B was connected: {ONE_STORE}");
        b.expect("GET shared", "OK from a", &why).await;
        // C connects after the PUT: a copy of the map made at connect time would hold it too.
        let mut c = Client::connect(addr, "client C").await;
        c.expect("GET shared", "OK from a", &why).await;
        c.expect("PUT later from c", "OK", "PUT").await;
        c.expect("DEL shared", "OK", "DEL").await;
        let why =
            format!("C, connected after A and B, stored `later` and deleted `shared`: {ONE_STORE}");
        a.expect("GET later", "OK from c", &why).await;
        b.expect("GET later", "OK from c", &why).await;
        a.expect("GET shared", "NONE", &why).await;
        b.expect("GET shared", "NONE", &why).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_at_once_share_one_store() {
    within(LIMIT, "sixteen clients at once", async {
        const CLIENTS: usize = 16;
        const KEYS: usize = 40;
        let addr = start().await;
        let mut clients = Vec::new();
        for i in 0..CLIENTS {
            clients.push(Client::connect(addr, &format!("client {i}")).await);
        }
        // Every client stores its keys at the same time, each in one write.
        let mut tasks = tokio::task::JoinSet::new();
        for (i, mut client) in clients.into_iter().enumerate() {
            tasks.spawn(async move {
                let puts: Vec<String> = (0..KEYS)
                    .map(|k| format!("PUT c{i}k{k} v{i}.{k}"))
                    .collect();
                let replies = client.pipeline(&puts).await;
                assert!(
                    replies.iter().all(|r| r.as_deref() == Some("OK\n")),
                    "client {i} sent {KEYS} PUTs: each is answered OK, got {replies:?}"
                );
                (i, client)
            });
        }
        let clients = tasks.join_all().await;
        // Then each reads the keys of another, still all connected.
        let mut tasks = tokio::task::JoinSet::new();
        for (i, mut client) in clients {
            tasks.spawn(async move {
                let other = (i + 1) % CLIENTS;
                let gets: Vec<String> = (0..KEYS).map(|k| format!("GET c{other}k{k}")).collect();
                let replies = client.pipeline(&gets).await;
                let wrong = (0..KEYS)
                    .filter(|&k| replies[k] != Some(format!("OK v{other}.{k}\n")))
                    .count();
                (i, wrong, replies)
            });
        }
        let mut results = tasks.join_all().await;
        results.sort_by_key(|(i, _, _)| *i);
        let unlucky: Vec<_> = results.iter().filter(|(_, wrong, _)| *wrong > 0).collect();
        if let Some((i, wrong, replies)) = unlucky.first() {
            let other = (i + 1) % CLIENTS;
            panic!(
                "{CLIENTS} clients each stored {KEYS} keys at the same time, then each read the \
                 keys of the next one: {} of {CLIENTS} clients did not read what the other stored. \
                 Client {i} read the keys of client {other}: {wrong} of {KEYS} wrong (the first \
                 replies: {:?}). {ONE_STORE}",
                unlucky.len(),
                &replies[..3]
            );
        }
    })
    .await;
}

#[tokio::test]
async fn each_server_has_its_own_store() {
    within(LIMIT, "two servers", async {
        let first = start().await;
        let second = start().await;
        let mut a = Client::connect(first, "a client of server 1").await;
        let mut b = Client::connect(second, "a client of server 2").await;
        a.expect("PUT owner server-1", "OK", "PUT").await;
        b.expect(
            "GET owner",
            "NONE",
            "server 1 stored `owner`; server 2 must not see it. The store belongs to the \
             server: `serve` makes it (`Store::default()`) and hands it to its connections, and \
             `execute` works on the store it is given. A `static` (or thread-local) map, \
             Python's module-level dict, is one map for every server in the process",
        )
        .await;
        a.expect("GET owner", "OK server-1", "PUT then GET on server 1")
            .await;
    })
    .await;
}

#[test]
fn execute_runs_store_commands_on_the_store_it_is_given() {
    let store = Store::default();
    let other = Store::default();
    let run = |store: &Store, command: Command<'_>| {
        let shown = format!("{command:?}");
        (shown, execute(store, command))
    };
    for (store_name, store, command, reply) in [
        ("store", &store, Command::Get("k"), "NONE"),
        ("store", &store, Command::Put("k", "a b"), "OK"),
        ("store", &store, Command::Put("j", "c"), "OK"),
        ("store", &store, Command::Get("k"), "OK a b"),
        ("store", &store, Command::Get("j"), "OK c"),
        ("another store", &other, Command::Get("k"), "NONE"),
        (
            "another store",
            &other,
            Command::Put("k", "elsewhere"),
            "OK",
        ),
        ("store", &store, Command::Get("k"), "OK a b"),
        ("store", &store, Command::Del("k"), "OK"),
        ("store", &store, Command::Del("k"), "OK"),
        ("store", &store, Command::Get("k"), "NONE"),
        ("store", &store, Command::Get("j"), "OK c"),
        ("another store", &other, Command::Get("k"), "OK elsewhere"),
    ] {
        let (shown, got) = run(store, command);
        assert_eq!(
            got, reply,
            "execute({store_name}, {shown}): GET → `OK value` or `NONE`, PUT → `OK`, DEL → `OK` \
             (a missing key too), each on the map `store` holds (two stores, two maps)"
        );
    }
}
