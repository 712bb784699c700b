//! An async client: the other end of the same codec idea, speaking RESP.
//!
//! ```text
//! let mut client = Client::connect("127.0.0.1:1337").await?;
//! client.set("greeting", "hello").await?;
//! assert_eq!(client.get("greeting").await?.as_deref(), Some(&b"hello"[..]));
//! ```
//!
//! Every command is sent as a RESP array of bulk strings. Pipelining is `feed` several commands,
//! `flush` once, then `read_reply` as many times. [`Client::subscribe`] turns the client into a
//! [`Subscriber`], since a subscribed connection only carries messages.

use crate::frame::{Frame, FrameError, write_bulk, write_header};
use bytes::{Buf, Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use std::fmt;
use std::io;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio_util::codec::{Decoder, Encoder, Framed};

/// What can go wrong talking to the server.
#[derive(Debug)]
pub enum ClientError {
    Io(io::Error),
    /// The server answered with an error reply (`-ERR …`).
    Server(String),
    /// The reply is valid RESP, but not what the command returns.
    UnexpectedReply(Frame),
    /// The reply is not valid RESP.
    Protocol(FrameError),
    /// The server closed the connection.
    Closed,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(err) => write!(f, "{err}"),
            ClientError::Server(message) => write!(f, "server error: {message}"),
            ClientError::UnexpectedReply(frame) => write!(f, "unexpected reply: {frame:?}"),
            ClientError::Protocol(err) => write!(f, "{err}"),
            ClientError::Closed => write!(f, "the server closed the connection"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<io::Error> for ClientError {
    fn from(err: io::Error) -> Self {
        ClientError::Io(err)
    }
}

/// Encodes commands as RESP arrays, decodes reply frames.
#[derive(Debug, Default)]
pub struct ClientCodec;

impl<A: AsRef<[u8]>> Encoder<&[A]> for ClientCodec {
    type Error = io::Error;

    fn encode(&mut self, args: &[A], dst: &mut BytesMut) -> io::Result<()> {
        // A command is an array of bulk strings, encoded like the server's replies.
        write_header(dst, b'*', args.len() as i64);
        for arg in args {
            write_bulk(dst, arg.as_ref());
        }
        Ok(())
    }
}

impl Decoder for ClientCodec {
    type Item = Frame;
    type Error = ClientError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, ClientError> {
        match Frame::parse(src).map_err(ClientError::Protocol)? {
            Some((frame, used)) => {
                src.advance(used);
                Ok(Some(frame))
            }
            None => Ok(None),
        }
    }
}

/// A connection to a mini_redis (or Redis) server.
pub struct Client<T = TcpStream> {
    frames: Framed<T, ClientCodec>,
}

impl Client<TcpStream> {
    /// Connects over TCP, with TCP_NODELAY set (see [`crate::server`] for why).
    pub async fn connect(addr: impl ToSocketAddrs) -> Result<Client, ClientError> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Client::new(stream))
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Client<T> {
    /// A client over any byte stream (the tests use an in-memory pipe).
    pub fn new(io: T) -> Client<T> {
        Client {
            frames: Framed::new(io, ClientCodec),
        }
    }

    /// Sends one command and returns its reply as is, error replies included.
    pub async fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame, ClientError> {
        self.frames.send(args).await?;
        self.read_reply().await
    }

    /// Queues a command without sending it yet: pipelining. Send with [`Client::flush`].
    pub async fn feed<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<(), ClientError> {
        Ok(self.frames.feed(args).await?)
    }

    pub async fn flush(&mut self) -> Result<(), ClientError> {
        Ok(SinkExt::<&[&[u8]]>::flush(&mut self.frames).await?)
    }

    /// The next reply, in the order the commands were sent.
    pub async fn read_reply(&mut self) -> Result<Frame, ClientError> {
        self.frames.next().await.unwrap_or(Err(ClientError::Closed))
    }

    /// Sends a command and turns an error reply into `Err`.
    async fn request<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Frame, ClientError> {
        match self.call(args).await? {
            Frame::Error(message) => Err(ClientError::Server(message.into_owned())),
            frame => Ok(frame),
        }
    }

    async fn integer<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<i64, ClientError> {
        match self.request(args).await? {
            Frame::Integer(n) => Ok(n),
            other => Err(ClientError::UnexpectedReply(other)),
        }
    }

    pub async fn ping(&mut self) -> Result<(), ClientError> {
        match self.request(&["PING"]).await? {
            Frame::Simple(pong) if pong == "PONG" => Ok(()),
            other => Err(ClientError::UnexpectedReply(other)),
        }
    }

    pub async fn get(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>, ClientError> {
        match self.request(&[b"GET", key.as_ref()]).await? {
            Frame::Bulk(value) => Ok(Some(value)),
            Frame::Null => Ok(None),
            other => Err(ClientError::UnexpectedReply(other)),
        }
    }

    pub async fn set(
        &mut self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<(), ClientError> {
        self.expect_ok(&[b"SET", key.as_ref(), value.as_ref()])
            .await
    }

    /// `SET key value PX milliseconds`.
    pub async fn set_expiring(
        &mut self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        ttl: Duration,
    ) -> Result<(), ClientError> {
        let millis = ttl.as_millis().to_string();
        let args = [
            b"SET",
            key.as_ref(),
            value.as_ref(),
            b"PX",
            millis.as_bytes(),
        ];
        self.expect_ok(&args).await
    }

    async fn expect_ok(&mut self, args: &[&[u8]]) -> Result<(), ClientError> {
        match self.request(args).await? {
            Frame::Simple(ok) if ok == "OK" => Ok(()),
            other => Err(ClientError::UnexpectedReply(other)),
        }
    }

    /// Deletes keys; returns how many existed.
    pub async fn del(&mut self, keys: &[&str]) -> Result<i64, ClientError> {
        let args: Vec<&str> = std::iter::once("DEL").chain(keys.iter().copied()).collect();
        self.integer(&args).await
    }

    pub async fn incr(&mut self, key: impl AsRef<[u8]>) -> Result<i64, ClientError> {
        self.integer(&[b"INCR", key.as_ref()]).await
    }

    /// `EXPIRE key seconds`; returns whether the key exists.
    pub async fn expire(
        &mut self,
        key: impl AsRef<[u8]>,
        seconds: i64,
    ) -> Result<bool, ClientError> {
        let seconds = seconds.to_string();
        Ok(self
            .integer(&[b"EXPIRE", key.as_ref(), seconds.as_bytes()])
            .await?
            == 1)
    }

    /// `TTL key`: seconds left, -1 for no expiry, -2 for no such key.
    pub async fn ttl(&mut self, key: impl AsRef<[u8]>) -> Result<i64, ClientError> {
        self.integer(&[b"TTL", key.as_ref()]).await
    }

    /// Publishes a message; returns how many subscribers received it.
    pub async fn publish(
        &mut self,
        channel: impl AsRef<[u8]>,
        message: impl AsRef<[u8]>,
    ) -> Result<i64, ClientError> {
        self.integer(&[b"PUBLISH", channel.as_ref(), message.as_ref()])
            .await
    }

    /// Subscribes to channels. The connection then only carries messages, hence a new type.
    pub async fn subscribe(mut self, channels: &[&str]) -> Result<Subscriber<T>, ClientError> {
        subscribe_to(&mut self, "SUBSCRIBE", channels).await?;
        Ok(Subscriber { client: self })
    }
}

/// A client subscribed to channels.
pub struct Subscriber<T = TcpStream> {
    client: Client<T>,
}

/// One published message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub channel: Bytes,
    pub payload: Bytes,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Subscriber<T> {
    /// The next message; `None` when the server closes the connection.
    pub async fn next_message(&mut self) -> Result<Option<Message>, ClientError> {
        loop {
            let frame = match self.client.read_reply().await {
                Ok(frame) => frame,
                Err(ClientError::Closed) => return Ok(None),
                Err(err) => return Err(err),
            };
            match frame {
                Frame::Array(items) => match <[Frame; 3]>::try_from(items) {
                    Ok(
                        [
                            Frame::Bulk(kind),
                            Frame::Bulk(channel),
                            Frame::Bulk(payload),
                        ],
                    ) if kind == "message" => {
                        return Ok(Some(Message { channel, payload }));
                    }
                    // A late (un)subscribe confirmation or a pong: not a message.
                    Ok(_) => continue,
                    Err(items) => return Err(ClientError::UnexpectedReply(Frame::Array(items))),
                },
                other => return Err(ClientError::UnexpectedReply(other)),
            }
        }
    }

    pub async fn subscribe(&mut self, channels: &[&str]) -> Result<(), ClientError> {
        subscribe_to(&mut self.client, "SUBSCRIBE", channels).await
    }

    pub async fn unsubscribe(&mut self, channels: &[&str]) -> Result<(), ClientError> {
        subscribe_to(&mut self.client, "UNSUBSCRIBE", channels).await
    }
}

/// Sends (UN)SUBSCRIBE and reads one confirmation per channel.
async fn subscribe_to<T: AsyncRead + AsyncWrite + Unpin>(
    client: &mut Client<T>,
    verb: &str,
    channels: &[&str],
) -> Result<(), ClientError> {
    let args: Vec<&str> = std::iter::once(verb)
        .chain(channels.iter().copied())
        .collect();
    client.frames.send(&args[..]).await?;
    for _ in 0..channels.len().max(1) {
        match client.read_reply().await? {
            Frame::Array(items) if items.len() == 3 => {}
            Frame::Error(message) => return Err(ClientError::Server(message.into_owned())),
            other => return Err(ClientError::UnexpectedReply(other)),
        }
    }
    Ok(())
}

/// A reply the way redis-cli prints it: `"value"`, `(nil)`, `(integer) 3`, `(error) ERR …`.
pub fn format_reply(frame: &Frame) -> String {
    let mut out = String::new();
    format_into(&mut out, frame, 0);
    out
}

fn format_into(out: &mut String, frame: &Frame, indent: usize) {
    match frame {
        Frame::Simple(text) => out.push_str(text),
        Frame::Error(text) => {
            out.push_str("(error) ");
            out.push_str(text);
        }
        Frame::Integer(n) => out.push_str(&format!("(integer) {n}")),
        Frame::Bulk(bytes) => out.push_str(&format!("\"{}\"", bytes.escape_ascii())),
        Frame::Null => out.push_str("(nil)"),
        Frame::Text(text) => out.push_str(&String::from_utf8_lossy(text)),
        Frame::Array(items) | Frame::Push(items) if items.is_empty() => {
            out.push_str("(empty array)");
        }
        Frame::Map(pairs) if pairs.is_empty() => out.push_str("(empty hash)"),
        Frame::Map(pairs) => {
            // As redis-cli prints a RESP3 map: `1# "field" => value`.
            let width = pairs.len().to_string().len();
            for (i, (key, value)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent));
                }
                let label = format!("{:>width$}# ", i + 1);
                out.push_str(&label);
                format_into(out, key, indent + label.len());
                out.push_str(" => ");
                format_into(out, value, indent + label.len());
            }
        }
        Frame::Array(items) | Frame::Push(items) => {
            let width = items.len().to_string().len();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent));
                }
                let label = format!("{:>width$}) ", i + 1);
                out.push_str(&label);
                format_into(out, item, indent + label.len());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_print_like_redis_cli() {
        assert_eq!(format_reply(&Frame::ok()), "OK");
        assert_eq!(
            format_reply(&Frame::bulk_static(b"a\"b\n")),
            "\"a\\\"b\\n\""
        );
        assert_eq!(format_reply(&Frame::Null), "(nil)");
        assert_eq!(format_reply(&Frame::Integer(3)), "(integer) 3");
        assert_eq!(format_reply(&Frame::error("ERR x")), "(error) ERR x");
        let nested = Frame::Array(vec![
            Frame::bulk_static(b"a"),
            Frame::Array(vec![Frame::Integer(1), Frame::Integer(2)]),
        ]);
        assert_eq!(
            format_reply(&nested),
            "1) \"a\"\n2) 1) (integer) 1\n   2) (integer) 2"
        );
        assert_eq!(format_reply(&Frame::Array(vec![])), "(empty array)");
    }

    #[test]
    fn commands_are_encoded_as_resp_arrays() {
        let mut out = BytesMut::new();
        ClientCodec
            .encode(&["SET", "k", "two words"][..], &mut out)
            .expect("encode");
        assert_eq!(
            &out[..],
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$9\r\ntwo words\r\n"
        );
    }
}
