//! The socket as a `Stream` of requests and a `Sink` of replies, with bounded buffers and a write
//! deadline.
//!
//! Reading is tokio-util's `FramedRead` with [`ServerCodec`]. Writing is done here, by
//! [`Transport`]'s own `Sink<Reply>`:
//!
//! - **Why not `Framed` for both.** `Framed`'s sink encodes every reply into one `BytesMut`: a
//!   32 MiB value is copied into it to be sent, and the buffer keeps its 32 MiB for as long as
//!   the connection lives (twenty idle clients that each read a 32 MiB value held 670 MiB). Here
//!   a large value sent as a whole reply (`GET`) goes out as its own `Bytes`, shared with the
//!   store, in the same `writev` as the bytes around it ([`Outbox`]); nothing is copied.
//! - **Buffers shrink back.** A reply with many values (`MGET`), or a large request, still grows
//!   a buffer; once it is empty again, an allocation past [`SHRINK_ABOVE`] is given back
//!   ([`shrink`]), so an idle connection costs its small buffers, whatever it did before.
//! - **The write deadline.** A client that pipelines requests and never reads its replies fills
//!   the socket: the flush waits, the connection reads nothing more, and its memory stays bounded.
//!   Without a deadline it would wait forever, holding its task and its connection slot. With
//!   `write_timeout`, a flush that sees no byte accepted for that long fails with
//!   [`io::ErrorKind::TimedOut`] and [`Transport::timed_out`] says so; any progress restarts the
//!   clock, so a slow reader is not a dead one. The timer is only touched when the socket is full:
//!   a write that completes at once, nearly all of them, costs nothing more.

use crate::codec::{CodecError, Request, ServerCodec};
use crate::frame::{Frame, Reply, write_header};
use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures::{Sink, Stream};
use std::collections::VecDeque;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, Sleep};
use tokio_util::codec::FramedRead;
use tokio_util::io::poll_write_buf;

/// The initial size of the read and write buffers. Most requests and replies are far smaller, and
/// the buffers grow when they need to (within the limits). tokio-util's default, 8 KiB each, would
/// cost 5000 idle clients about twice the memory.
pub const BUFFER: usize = 1024;

/// Flush early once this many reply bytes are waiting, even in the middle of a batch.
pub const FLUSH_AT: usize = 8 * 1024;

/// A bulk reply this large is written from its own `Bytes`, not copied into the write buffer.
/// (Copying a few kilobytes costs less than an extra `iovec`; copying megabytes does not.)
pub const LARGE_VALUE: usize = 16 * 1024;

/// An empty buffer whose allocation grew past this is replaced by a small one.
pub const SHRINK_ABOVE: usize = 64 * 1024;

/// A connection's socket: requests come out ([`Stream`]), replies go in ([`Sink`]).
pub struct Transport<T> {
    reader: FramedRead<T, ServerCodec>,
    out: Outbox,
    write_timeout: Option<Duration>,
    /// Allocated the first time a write has to wait; reset, not re-created, after that.
    deadline: Option<Pin<Box<Sleep>>>,
    /// Whether `deadline` counts down now: set when a write waits, cleared by any progress.
    armed: bool,
    timed_out: bool,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Transport<T> {
    pub fn new(io: T, codec: ServerCodec, write_timeout: Option<Duration>) -> Transport<T> {
        Transport {
            reader: FramedRead::with_capacity(io, codec, BUFFER),
            out: Outbox {
                chunks: VecDeque::new(),
                tail: BytesMut::with_capacity(BUFFER),
            },
            write_timeout,
            deadline: None,
            armed: false,
            timed_out: false,
        }
    }

    /// Bytes received and not decoded yet.
    pub fn read_buffer(&self) -> &BytesMut {
        self.reader.read_buffer()
    }

    /// Reply bytes waiting to be written.
    pub fn pending_output(&self) -> usize {
        self.out.remaining()
    }

    /// What the buffers hold allocated now, read and write: the memory an idle connection keeps.
    pub fn buffer_capacity(&self) -> usize {
        self.reader.read_buffer().capacity() + self.out.tail.capacity()
    }

    /// Gives back the read buffer's memory if a large request grew it (see [`shrink`]). The
    /// connection calls this between batches; the write buffer shrinks after each flush.
    pub fn shrink_read_buffer(&mut self) {
        shrink(self.reader.read_buffer_mut());
    }

    /// Whether a write failed because the client accepted nothing for `write_timeout`.
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    pub fn into_inner(self) -> T {
        self.reader.into_inner()
    }

    /// Writes until the outbox is empty or the socket is full; in the second case, fails once the
    /// socket has accepted nothing for `write_timeout`.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.out.has_remaining() {
            // Every chunk of the outbox in one `writev`, where the socket takes them all.
            match poll_write_buf(Pin::new(self.reader.get_mut()), cx, &mut self.out) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(_)) => self.armed = false,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => {
                    let Some(limit) = self.write_timeout else {
                        return Poll::Pending;
                    };
                    let deadline = self
                        .deadline
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                    if !self.armed {
                        if let Some(at) = Instant::now().checked_add(limit) {
                            deadline.as_mut().reset(at);
                        }
                        self.armed = true;
                    }
                    if deadline.as_mut().poll(cx).is_ready() {
                        self.timed_out = true;
                        let message = format!("accepted no reply bytes for {limit:?}");
                        return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, message)));
                    }
                    return Poll::Pending;
                }
            }
        }
        self.armed = false;
        shrink(&mut self.out.tail);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Stream for Transport<T> {
    type Item = Result<Request, CodecError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.reader).poll_next(cx)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Sink<Reply> for Transport<T> {
    type Error = io::Error;

    /// Ready at once unless [`FLUSH_AT`] bytes are waiting: then they are written first, so a
    /// long batch of replies never piles up in memory.
    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.out.remaining() >= FLUSH_AT {
            ready!(self.poll_write_out(cx))?;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(mut self: Pin<&mut Self>, reply: Reply) -> io::Result<()> {
        self.out.push(reply);
        Ok(())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_write_out(cx))?;
        Pin::new(self.reader.get_mut()).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_write_out(cx))?;
        Pin::new(self.reader.get_mut()).poll_shutdown(cx)
    }
}

/// Replies waiting to be written, in order: `chunks` first, then `tail`.
///
/// Replies are encoded into `tail`. A large bulk value is not: the bytes encoded so far are cut
/// off `tail` (`split().freeze()`, no copy) and queued, then the value's own `Bytes`, and the
/// encoding goes on in `tail`. It is a [`Buf`] whose `chunks_vectored` lists them all, so one
/// `writev` sends headers and values together.
#[derive(Default)]
pub struct Outbox {
    chunks: VecDeque<Bytes>,
    tail: BytesMut,
}

impl Outbox {
    /// Encodes `reply` at the end of the outbox.
    pub fn push(&mut self, reply: Reply) {
        match reply {
            Reply::Resp(Frame::Bulk(value)) | Reply::Resp3(Frame::Bulk(value))
                if value.len() >= LARGE_VALUE =>
            {
                write_header(&mut self.tail, b'$', value.len() as i64);
                self.queue(value);
                self.tail.put_slice(b"\r\n");
            }
            // The line dialect's `OK value`, unless the value holds a line break: then the
            // encoder's refusal is written instead (see `Frame::write_line_dialect`).
            Reply::Line(Frame::Bulk(value))
                if value.len() >= LARGE_VALUE
                    && !value.iter().any(|&b| b == b'\n' || b == b'\r') =>
            {
                self.tail.put_slice(b"OK ");
                self.queue(value);
                self.tail.put_u8(b'\n');
            }
            other => other.write_to(&mut self.tail),
        }
    }

    /// Queues what `tail` holds, then `value`.
    fn queue(&mut self, value: Bytes) {
        if !self.tail.is_empty() {
            self.chunks.push_back(self.tail.split().freeze());
        }
        self.chunks.push_back(value);
    }
}

impl Buf for Outbox {
    fn remaining(&self) -> usize {
        self.chunks.iter().map(Bytes::len).sum::<usize>() + self.tail.len()
    }

    fn chunk(&self) -> &[u8] {
        match self.chunks.front() {
            Some(chunk) => chunk,
            None => &self.tail,
        }
    }

    fn advance(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.chunks.front_mut() else {
                self.tail.advance(n);
                return;
            };
            if n < front.len() {
                front.advance(n);
                return;
            }
            n -= front.len();
            self.chunks.pop_front();
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let all = self.chunks.iter().map(|c| &c[..]).chain([&self.tail[..]]);
        let mut n = 0;
        for (slot, chunk) in dst.iter_mut().zip(all.filter(|c| !c.is_empty())) {
            *slot = IoSlice::new(chunk);
            n += 1;
        }
        n
    }
}

/// Replaces `buf` by a fresh [`BUFFER`]-sized one if it is empty and its allocation grew past
/// [`SHRINK_ABOVE`].
///
/// `capacity()` alone cannot tell: it counts the room *after* the bytes already consumed, and a
/// buffer read to its end has none, whatever it holds allocated. `try_reclaim` asks whether the
/// allocation has room for `SHRINK_ABOVE` bytes, moving nothing and allocating nothing when it has
/// not. Only an empty buffer is replaced: a read buffer with bytes in it may hold half a request
/// that the decoder has reserved exactly its room for.
pub fn shrink(buf: &mut BytesMut) {
    if buf.is_empty() && buf.try_reclaim(SHRINK_ABOVE) {
        *buf = BytesMut::with_capacity(BUFFER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(outbox: &mut Outbox) -> Vec<u8> {
        let mut out = Vec::new();
        while outbox.has_remaining() {
            let mut slices = [IoSlice::new(&[]); 8];
            let n = outbox.chunks_vectored(&mut slices);
            let all: Vec<u8> = slices[..n].iter().flat_map(|s| s.iter().copied()).collect();
            assert_eq!(all.len(), outbox.remaining(), "every chunk is listed");
            // Write in odd pieces, as a full socket does.
            let piece = all.len().min(7000);
            out.extend_from_slice(&all[..piece]);
            outbox.advance(piece);
        }
        out
    }

    #[test]
    fn a_large_value_is_sent_from_its_own_bytes_between_the_replies_around_it() {
        let value = Bytes::from(vec![b'v'; LARGE_VALUE]);
        let mut outbox = Outbox::default();
        outbox.push(Reply::Resp(Frame::ok()));
        outbox.push(Reply::Resp(Frame::Bulk(value.clone())));
        outbox.push(Reply::Line(Frame::Bulk(value.clone())));
        outbox.push(Reply::Resp(Frame::Integer(7)));
        assert!(
            outbox.chunks.iter().any(|c| c.as_ptr() == value.as_ptr()),
            "the value is queued as itself, not copied"
        );
        assert!(
            outbox.tail.capacity() < LARGE_VALUE,
            "the write buffer stayed small"
        );
        let mut expected = BytesMut::new();
        for reply in [
            Reply::Resp(Frame::ok()),
            Reply::Resp(Frame::Bulk(value.clone())),
            Reply::Line(Frame::Bulk(value)),
            Reply::Resp(Frame::Integer(7)),
        ] {
            reply.write_to(&mut expected);
        }
        assert_eq!(written(&mut outbox), expected.to_vec());
    }

    #[test]
    fn a_large_value_with_a_line_break_is_refused_in_the_line_dialect_as_a_small_one_is() {
        let mut value = vec![b'v'; LARGE_VALUE];
        value[10] = b'\n';
        let mut outbox = Outbox::default();
        outbox.push(Reply::Line(Frame::Bulk(Bytes::from(value.clone()))));
        let mut expected = BytesMut::new();
        Reply::Line(Frame::Bulk(Bytes::from(value))).write_to(&mut expected);
        assert_eq!(written(&mut outbox), expected.to_vec());
    }

    #[test]
    fn an_emptied_buffer_that_grew_is_replaced_and_a_small_one_kept() {
        let mut big = BytesMut::with_capacity(BUFFER);
        big.extend_from_slice(&vec![0; 1 << 20]);
        big.advance(1 << 20); // read to its end: capacity() says 0, the allocation is 1 MiB
        shrink(&mut big);
        assert!(big.capacity() <= BUFFER, "kept {}", big.capacity());

        let mut small = BytesMut::with_capacity(BUFFER);
        small.extend_from_slice(b"abc");
        small.advance(3);
        let before = small.as_ptr();
        shrink(&mut small);
        assert_eq!(small.as_ptr(), before, "a small buffer is left as it is");

        let mut in_use = BytesMut::with_capacity(1 << 20);
        in_use.extend_from_slice(b"half a request");
        shrink(&mut in_use);
        assert!(
            in_use.capacity() >= 1 << 19,
            "a buffer holding bytes is never replaced"
        );
    }
}
