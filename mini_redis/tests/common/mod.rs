//! Helpers shared by the integration tests: a server on an ephemeral port, and raw sockets.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use mini_redis::Config;
use mini_redis::server::{self, Summary};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A mini_redis server running in the test's runtime, on a port the OS picked.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Summary>,
}

impl TestServer {
    pub async fn start(config: Config) -> TestServer {
        let listener = server::listen("127.0.0.1", 0)
            .await
            .expect("bind an ephemeral port");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::run(listener, config, async {
            let _ = stopped.await;
        }));
        TestServer { addr, stop, task }
    }

    pub async fn client(&self) -> mini_redis::Client {
        mini_redis::Client::connect(self.addr)
            .await
            .expect("connect to the test server")
    }

    /// Triggers a graceful shutdown and waits for the server to finish.
    pub async fn stop(self) -> Summary {
        let _ = self.stop.send(());
        self.task.await.expect("the server task does not panic")
    }
}

/// Sends `input`, closes the write side (half-close), and returns everything the server sends
/// until it closes the connection.
pub async fn exchange(addr: SocketAddr, input: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(input).await.expect("write");
    stream.shutdown().await.expect("half-close");
    read_to_end(&mut stream).await
}

pub async fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.expect("read replies");
    out
}

/// Reads exactly `n` bytes.
pub async fn read_exact(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut out = vec![0; n];
    stream.read_exact(&mut out).await.expect("read reply");
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A command as RESP sends it: an array of bulk strings (`resp(&["GET", "k"])`).
pub fn resp<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}
